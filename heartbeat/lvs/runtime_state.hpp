// SPDX-License-Identifier: GPL-2.0-or-later
// What a started rules file leaves behind for its later `status`, `stop` and `show`, and what
// its checker keeps up to date: the back end in use, the machine facts the table was built
// from, each server's health with the outcome that decided it, and when the checker last
// finished a round. A small line format of our own (`key words…`), written whole and renamed
// into place, so a reader never sees half a file. Sans-IO: text in, text out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lvs/checker.hpp"
#include "lvs/dataplane.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs {

/// The data plane a started file uses.
enum class Backend { ipvs, nftables };

/// `ipvs` or `nftables`.
std::string_view to_string(Backend backend);

/// The state of a started rules file.
struct RuntimeState {
    Backend backend = Backend::nftables;
    Facts facts;
    HealthTable health;  ///< as the data plane has it (the checker writes it after applying)
    std::vector<std::vector<std::string>> reasons;  ///< [service][server]: last outcome
    std::vector<std::vector<CheckCounts>> checks;   ///< [service][server]: the checker's probes
    std::int64_t started_ms = 0;                    ///< wall clock, ms since the epoch
    std::int64_t updated_ms = 0;                    ///< the checker's last round (0: no checker)
    int checker_pid = 0;
};

/// Where resource agents keep their state when heartbeat does not say (HA_RSCTMP).
inline constexpr std::string_view default_rsctmp = "/run/resource-agents";

/// The directory of the started rules file whose table is `table`, under `rsctmp`
/// (HA_RSCTMP; empty: the default): `RSCTMP/ipvsadm-wrapper/TABLE`. It holds the applied
/// copy of the file (`rules`) and its state (`state`).
std::string state_dir_path(std::string_view rsctmp, const std::string& table);

/// The state as text.
std::string format_state(const RuntimeState& state);

/// The state read back; nullopt when the text is not one (then nothing is trusted).
std::optional<RuntimeState> parse_state(std::string_view text);

/// One JSON object describing the file's services, servers and their health, for
/// `ipvsadm-wrapper FILE show --json`; `running` says whether it is started here.
std::string format_show_json(const LvsConfig& config, const std::optional<RuntimeState>& state,
                             bool running, bool checker_alive);

/// The same for people, one line per service and server.
std::string format_show_text(const LvsConfig& config, const std::optional<RuntimeState>& state,
                             bool running, bool checker_alive);

}  // namespace hb::lvs
