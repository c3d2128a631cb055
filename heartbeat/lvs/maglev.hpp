// SPDX-License-Identifier: GPL-2.0-or-later
// Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime size in
// which each backend owns slots in proportion to its weight, filled by each backend's own
// permutation of the slots. The table depends only on the backends' keys and weights — the
// same on both directors — and a backend that leaves or returns changes mostly its own
// slots, where `hash mod N` would move almost every flow. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hb::lvs {

/// A backend of a table: its stable identity and its share.
struct MaglevBackend {
    std::string key;  ///< e.g. `192.168.219.21:80`; the permutation depends on it alone
    int weight = 1;   ///< > 0; a backend with weight 0 owns no slot
};

/// A slot that no backend owns (no backend had a weight above 0).
inline constexpr int no_backend = -1;

/// The table size used for `backends` backends: a prime at least 100 times larger, at
/// least 4093 (so adding a few servers to a file keeps the size, and with it most flows).
std::size_t maglev_size(std::size_t backends);

/// The lookup table: entry i is the index (into `backends`) owning slot i, or no_backend.
/// `size` must be prime.
std::vector<int> build_maglev(std::span<const MaglevBackend> backends, std::size_t size);

/// 64-bit FNV-1a of `text` with `seed` folded in first: the hash the permutations use
/// (stable across builds and machines, unlike std::hash).
std::uint64_t stable_hash(std::string_view text, std::uint64_t seed);

}  // namespace hb::lvs
