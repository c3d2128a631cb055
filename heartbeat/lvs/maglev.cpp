// SPDX-License-Identifier: GPL-2.0-or-later
// Maglev table population. Each backend b has a permutation of the slots,
// offset_b + j * skip_b (mod M), from two hashes of its key; backends take turns, each
// claiming its next preferred slot that is still free, until the table is full. Weights
// give a backend turns in proportion: every round adds its weight to its credit and it
// claims one slot per max_weight of credit. Backends take their turns in key order, so the
// order of lines in a rules file does not change the table.
#include "lvs/maglev.hpp"

#include <algorithm>
#include <numeric>

namespace hb::lvs {

std::uint64_t stable_hash(std::string_view text, std::uint64_t seed)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    const auto mix = [&h](std::uint8_t byte) {
        h ^= byte;
        h *= 0x100000001b3ULL;
    };
    for (int i = 0; i < 8; ++i) {
        mix(static_cast<std::uint8_t>(seed >> (8 * i)));
    }
    for (char c : text) {
        mix(static_cast<std::uint8_t>(c));
    }
    // FNV's low bits are weak for short keys; a final avalanche (splitmix64's) spreads them.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

std::size_t maglev_size(std::size_t backends)
{
    // Primes just below powers of two.
    static constexpr std::size_t primes[] = {4093, 8191, 16381, 32749, 65521};
    for (std::size_t p : primes) {
        if (p >= 100 * backends) {
            return p;
        }
    }
    return primes[std::size(primes) - 1];
}

std::vector<int> build_maglev(std::span<const MaglevBackend> backends, std::size_t size)
{
    std::vector<int> table(size, no_backend);
    std::vector<std::size_t> order;
    int max_weight = 0;
    for (std::size_t i = 0; i < backends.size(); ++i) {
        if (backends[i].weight > 0) {
            order.push_back(i);
            max_weight = std::max(max_weight, backends[i].weight);
        }
    }
    if (order.empty() || size < 2) {
        return table;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return backends[a].key < backends[b].key; });

    struct Turn {
        std::size_t backend;
        std::uint64_t offset;
        std::uint64_t skip;
        std::uint64_t next = 0;  // position in its permutation
        long credit = 0;         // in units of 1/max_weight slot: integers, so every build agrees
    };
    std::vector<Turn> turns;
    for (std::size_t b : order) {
        Turn t{b, stable_hash(backends[b].key, 0x6d61676c6576ULL) % size,
               stable_hash(backends[b].key, 0x736b6970ULL) % (size - 1) + 1};
        turns.push_back(t);
    }
    std::size_t filled = 0;
    while (filled < size) {
        for (Turn& t : turns) {
            t.credit += backends[t.backend].weight;
            while (t.credit >= max_weight && filled < size) {
                t.credit -= max_weight;
                std::size_t slot = 0;
                do {
                    slot = static_cast<std::size_t>((t.offset + t.next * t.skip) % size);
                    ++t.next;
                } while (table[slot] != no_backend);
                table[slot] = static_cast<int>(t.backend);
                ++filled;
            }
            if (filled == size) {
                break;
            }
        }
    }
    return table;
}

}  // namespace hb::lvs
