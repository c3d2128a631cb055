// SPDX-License-Identifier: GPL-2.0-or-later
// hb_replay_floor as text.
#include "membership/replay_floor_file.hpp"

#include <charconv>
#include <cstdint>

#include "base/text.hpp"

namespace hb::membership {

namespace {

bool parse_decimal(std::string_view text, std::uint64_t& value)
{
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && p == end;
}

}  // namespace

ReplayFloors parse_replay_floors(std::string_view text, const std::string& path,
                                 base::Diagnostics& diagnostics)
{
    ReplayFloors floors;
    int line_no = 0;
    for (const std::string_view raw : base::split_lines(text)) {
        ++line_no;
        const std::string_view line = base::trim(raw.substr(0, raw.find('#')));
        if (line.empty()) {
            continue;
        }
        const auto words = base::split(line, base::whitespace);
        std::uint64_t generation = 0;
        std::uint64_t seq = 0;
        if (words.size() != 3 || !parse_decimal(words[1], generation) ||
            !parse_decimal(words[2], seq) || generation == 0) {
            diagnostics.warning({path, line_no},
                                "expected `NODE GENERATION SEQ` (decimal, "
                                "generation above 0): " +
                                    base::quote(line) + "; line ignored");
            continue;
        }
        const std::string node = base::to_lower(words[0]);
        if (floors.count(node) > 0) {
            diagnostics.warning({path, line_no}, "node " + node + " again; line ignored");
            continue;
        }
        floors[node] = ReplayFloor{generation, seq};
    }
    return floors;
}

std::string format_replay_floors(const ReplayFloors& floors)
{
    std::string out =
        "# heartbeat (C++): the newest generation and seq heard from each peer. After a\n"
        "# restart, messages at or below them are refused as replays (md5 and sha1 keys only).\n";
    for (const auto& [node, floor] : floors) {
        out +=
            node + ' ' + std::to_string(floor.generation) + ' ' + std::to_string(floor.seq) + '\n';
    }
    return out;
}

}  // namespace hb::membership
