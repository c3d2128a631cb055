// SPDX-License-Identifier: GPL-2.0-or-later
// Maglev tables by their properties rather than a golden dump: shares follow the weights,
// a table depends on the backends' keys and weights only (not their order), removing one
// backend moves few of the others' slots, weight 0 owns nothing; plus the table sizes and
// two fixed values of stable_hash, which both directors must compute alike forever.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "lvs/maglev.hpp"

using namespace hb::lvs;

namespace {

constexpr std::size_t table_size = 4093;

std::vector<MaglevBackend> servers(int n)
{
    std::vector<MaglevBackend> out;
    for (int i = 1; i <= n; ++i) {
        out.push_back({"192.168.219." + std::to_string(20 + i) + ":80", 1});
    }
    return out;
}

std::vector<std::size_t> counts(const std::vector<int>& table, std::size_t backends)
{
    std::vector<std::size_t> out(backends, 0);
    for (int owner : table) {
        REQUIRE(owner >= 0);
        REQUIRE(static_cast<std::size_t>(owner) < backends);
        ++out[static_cast<std::size_t>(owner)];
    }
    return out;
}

// The table as slot → key, so tables over differently ordered inputs compare.
std::vector<std::string> owners_by_key(const std::vector<int>& table,
                                       const std::vector<MaglevBackend>& backends)
{
    std::vector<std::string> out;
    for (int owner : table) {
        out.push_back(owner == no_backend ? "" : backends[static_cast<std::size_t>(owner)].key);
    }
    return out;
}

}  // namespace

TEST_CASE("maglev: shares follow the weights within 2 % of the table", "[lvs][maglev]")
{
    struct Row {
        std::vector<int> weights;
    };
    const std::vector<Row> rows = {{{1, 1}}, {{1, 1, 1}}, {{1, 1, 1, 1, 1}}, {{1, 2, 3}},
                                   {{10, 20, 30}}, {{5, 1}}, {{100, 1, 1}}};
    for (const Row& row : rows) {
        std::vector<MaglevBackend> b = servers(static_cast<int>(row.weights.size()));
        int total = 0;
        for (std::size_t i = 0; i < b.size(); ++i) {
            b[i].weight = row.weights[i];
            total += row.weights[i];
        }
        const auto table = build_maglev(b, table_size);
        REQUIRE(table.size() == table_size);
        const auto c = counts(table, b.size());
        for (std::size_t i = 0; i < b.size(); ++i) {
            const double want = static_cast<double>(table_size) * row.weights[i] / total;
            INFO("weights row of " << b.size() << ", backend " << i << ": " << c[i]
                                   << " slots, want about " << want);
            CHECK(std::abs(static_cast<double>(c[i]) - want) <
                  0.02 * static_cast<double>(table_size));
        }
    }
}

TEST_CASE("maglev: a table depends on keys and weights only", "[lvs][maglev]")
{
    std::vector<MaglevBackend> b = servers(5);
    b[1].weight = 3;
    const auto once = build_maglev(b, table_size);
    CHECK(build_maglev(b, table_size) == once);

    // The same backends listed in another order: every slot still goes to the same key.
    std::vector<MaglevBackend> reversed(b.rbegin(), b.rend());
    CHECK(owners_by_key(build_maglev(reversed, table_size), reversed) == owners_by_key(once, b));
    std::vector<MaglevBackend> rotated = b;
    std::rotate(rotated.begin(), rotated.begin() + 2, rotated.end());
    CHECK(owners_by_key(build_maglev(rotated, table_size), rotated) == owners_by_key(once, b));

    // … and other keys give another table (the keys are what is hashed).
    std::vector<MaglevBackend> other = b;
    other[0].key = "192.168.219.99:80";
    CHECK(owners_by_key(build_maglev(other, table_size), other) != owners_by_key(once, b));
}

TEST_CASE("maglev: removing one of five backends moves few of the others' slots",
          "[lvs][maglev]")
{
    const std::vector<MaglevBackend> all = servers(5);
    const auto full = owners_by_key(build_maglev(all, table_size), all);
    for (std::size_t gone = 0; gone < all.size(); ++gone) {
        std::vector<MaglevBackend> rest = all;
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(gone));
        const auto after = owners_by_key(build_maglev(rest, table_size), rest);
        std::size_t moved = 0;
        for (std::size_t slot = 0; slot < table_size; ++slot) {
            if (full[slot] == all[gone].key) {
                // Each of its slots gets a new owner among the others.
                CHECK(after[slot] != all[gone].key);
                CHECK_FALSE(after[slot].empty());
            } else if (after[slot] != full[slot]) {
                ++moved;
            }
        }
        INFO("without " << all[gone].key << ": " << moved << " of the others' slots moved");
        CHECK(moved < table_size * 3 / 100);
        // Setting its weight to 0 instead is the same as leaving it out.
        std::vector<MaglevBackend> zero = all;
        zero[gone].weight = 0;
        CHECK(owners_by_key(build_maglev(zero, table_size), zero) == after);
    }
}

TEST_CASE("maglev: weight 0 owns nothing, all zero leaves every slot unowned", "[lvs][maglev]")
{
    std::vector<MaglevBackend> b = servers(3);
    b[1].weight = 0;
    const auto c = counts(build_maglev(b, table_size), b.size());
    CHECK(c[1] == 0);
    CHECK(c[0] + c[2] == table_size);

    for (MaglevBackend& m : b) {
        m.weight = 0;
    }
    const auto none = build_maglev(b, table_size);
    REQUIRE(none.size() == table_size);
    CHECK(std::all_of(none.begin(), none.end(), [](int o) { return o == no_backend; }));
    const auto empty = build_maglev(std::vector<MaglevBackend>{}, 7);
    CHECK(empty == std::vector<int>(7, no_backend));

    // One backend takes everything.
    const auto single = build_maglev(servers(1), 7);
    CHECK(single == std::vector<int>(7, 0));
}

TEST_CASE("maglev: table sizes are primes at least 100 times the backends", "[lvs][maglev]")
{
    struct Row {
        std::size_t backends;
        std::size_t size;
    };
    const std::vector<Row> rows = {{0, 4093},    {1, 4093},    {40, 4093},   {41, 8191},
                                   {81, 8191},   {82, 16381},  {163, 16381}, {164, 32749},
                                   {327, 32749}, {328, 65521}, {655, 65521}, {10000, 65521}};
    for (const Row& row : rows) {
        INFO(row.backends << " backends");
        CHECK(maglev_size(row.backends) == row.size);
    }
}

TEST_CASE("maglev: stable_hash values never change", "[lvs][maglev]")
{
    // Computed once and fixed: two directors (or two builds) that disagree here would send
    // a connection to different servers after a failover.
    CHECK(stable_hash("192.168.219.21:80", 0) == 1719038846162230017ULL);
    CHECK(stable_hash("", 1) == 6676229981160887125ULL);
    CHECK(stable_hash("192.168.219.21:80", 1) != stable_hash("192.168.219.21:80", 0));
    CHECK(stable_hash("192.168.219.21:80", 0) != stable_hash("192.168.219.22:80", 0));
}
