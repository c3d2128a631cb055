// SPDX-License-Identifier: GPL-2.0-or-later
// ipvsadm-wrapper's actions.
//
//   start   check the file (FILE:LINE errors change nothing), choose the back end, gather
//           the interfaces and real-server MACs, apply the whole table in one transaction
//           (nft -f), or diff the kernel's IPVS table into the file's (rolled back if a
//           command fails), record the state, start the checker when the file has checks
//   stop    stop the checker, remove the file's tables or IPVS services (and nothing else),
//           forget the state; stopping what is not running succeeds
//   status  "running" when the table is in place as applied, the file unchanged since, and
//           its checker alive; else "stopped" (exit 3). heartbeat reads the word, not the code
//   show    the services, servers and their health (--json: one object)
//   check   the file's diagnostics for the back end this machine would use
#include "tools/lvs/agent.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/text.hpp"
#include "lvs/ipvs_commands.hpp"
#include "lvs/nft_ruleset.hpp"
#include "platform/wall_clock.hpp"

extern char** environ;

namespace hb::lvs_agent {

using namespace std::chrono_literals;

namespace {

void info(const std::string& text)
{
    std::printf("INFO: %s\n", text.c_str());
}
void fail(const std::string& text)
{
    std::fprintf(stderr, "ERROR: %s\n", text.c_str());
}

void print_diagnostics(const base::Diagnostics& diags)
{
    for (const base::Diagnostic& d : diags.all()) {
        std::fprintf(stderr, "%s\n", base::format(d).c_str());
    }
}

std::optional<lvs::BackendChoice> backend_from_env(std::string& error)
{
    const char* value = std::getenv("IPVSADM_WRAPPER_BACKEND");
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    for (lvs::BackendChoice c :
         {lvs::BackendChoice::automatic, lvs::BackendChoice::ipvs, lvs::BackendChoice::nftables}) {
        if (to_string(c) == value) {
            return c;
        }
    }
    error = std::string("IPVSADM_WRAPPER_BACKEND=") + value + " is not auto, ipvs or nftables";
    return std::nullopt;
}

// The back end for `config` on this machine: the environment's choice, else the file's,
// else kernel IPVS when the kernel has it.
std::optional<lvs::Backend> choose_backend(const lvs::LvsConfig& config, std::string& why)
{
    std::string error;
    const auto from_env = backend_from_env(error);
    if (!error.empty()) {
        fail(error);
        return std::nullopt;
    }
    const lvs::BackendChoice choice = from_env.value_or(config.backend);
    if (choice == lvs::BackendChoice::ipvs) {
        why = from_env ? "IPVSADM_WRAPPER_BACKEND" : "#@backend";
        return lvs::Backend::ipvs;
    }
    if (choice == lvs::BackendChoice::nftables) {
        why = from_env ? "IPVSADM_WRAPPER_BACKEND" : "#@backend";
        return lvs::Backend::nftables;
    }
    if (kernel_has_ipvs()) {
        why = "the kernel has IPVS";
        return lvs::Backend::ipvs;
    }
    why = "no IPVS in this kernel";
    return lvs::Backend::nftables;
}

struct Context {
    std::string rules_path;
    lvs::LvsConfig config;
    std::string rules_text;
    std::string table;
    StateDir dir;
    std::optional<lvs::RuntimeState> state;
};

std::optional<lvs::RuntimeState> read_state(const StateDir& dir)
{
    const auto text = read_file(dir.file("state"));
    return text ? lvs::parse_state(*text) : std::nullopt;
}

bool write_state(const StateDir& dir, const lvs::RuntimeState& state, std::string& error)
{
    return write_file_atomic(dir.file("state"), lvs::format_state(state), error);
}

// The path of nft or ipvsadm; says how to get it when it is missing.
std::optional<std::string> program(const std::string& name)
{
    auto path = find_program(name);
    if (!path) {
        fail(name + " not found (install the " + (name == "nft" ? "nftables" : name) +
             " package, or give its path in " + (name == "nft" ? "NFT" : "IPVSADM") + ")");
    }
    return path;
}

// ---- nftables ------------------------------------------------------------------------------

// The tables of ours that exist now, listed (the pin sets' elements stripped); empty when none.
std::string nft_listing(const std::string& nft, const lvs::LvsConfig& config,
                        const std::string& table, bool& any)
{
    const lvs::NftTables tables = lvs::nft_tables(config, table);
    std::string out;
    any = false;
    for (const char* family : {"netdev", "ip"}) {
        if ((std::string(family) == "netdev" && !tables.netdev) ||
            (std::string(family) == "ip" && !tables.ip)) {
            continue;
        }
        const CommandResult r = run_command(nft, {"list", "table", family, table});
        if (r.ok()) {
            any = true;
            out += lvs::strip_pinned(r.output, lvs::nft_pin_sets(config));
        }
    }
    return out;
}

bool nft_apply_text(const std::string& nft, const StateDir& dir, const std::string& name,
                    const std::string& text, std::string& error)
{
    const std::string path = dir.file(name);
    if (!write_file_atomic(path, text, error)) {
        return false;
    }
    const CommandResult r = run_command(nft, {"-f", path});
    if (!r.ok()) {
        error = "nft -f " + path + ": " + r.complaint();
        return false;
    }
    return true;
}

// The listing statuses compare the live table with is written by a child, so that start
// returns as soon as the table is live: `nft list` of the slot maps costs about 100 ms on a
// slow machine, and a takeover would wait for it before its address goes up. The child keeps
// the state directory's lock (it shares the open file with us), so a status, a stop or the
// checker's next change waits until the listing is there. Its own session and no stdio:
// heartbeat reads our output until it closes, and it may clean up our process group.
bool record_listing_later(const std::string& nft, const Context& c, std::string& error)
{
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid > 0) {
        return true;
    }
    ::setsid();
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; ++fd) {
        ::dup2(null, fd);
    }
    // Nobody waits for this exit status: a listing that could not be written shows in the
    // next status ("its table differs from what was applied").
    bool any = false;
    std::string ignored;
    (void)write_file_atomic(c.dir.file("listing"), nft_listing(nft, c.config, c.table, any),
                            ignored);
    ::_exit(0);
}

// ---- IPVS ----------------------------------------------------------------------------------

std::optional<lvs::LvsConfig> ipvs_live(const std::string& ipvsadm, std::string& error)
{
    const CommandResult r = run_command(ipvsadm, {"-S", "-n"});
    if (!r.ok()) {
        error = "ipvsadm -S -n: " + r.complaint();
        return std::nullopt;
    }
    lvs::RulesResult parsed = lvs::parse_rules(r.output, "ipvsadm -S -n");
    if (!parsed.config) {
        // An empty table is "no virtual service", not a failure.
        lvs::LvsConfig empty;
        bool only_empty = true;
        for (const base::Diagnostic& d : parsed.diagnostics.all()) {
            only_empty = only_empty && d.severity == base::Severity::error && d.where.line == 0;
        }
        if (only_empty) {
            return empty;
        }
        error = "cannot read the kernel's IPVS table: " +
                base::format(parsed.diagnostics.all().front());
        return std::nullopt;
    }
    return std::move(*parsed.config);
}

bool ipvs_run(const std::string& ipvsadm, const std::vector<lvs::IpvsCommand>& commands,
              std::string& error)
{
    for (const lvs::IpvsCommand& c : commands) {
        const CommandResult r = run_command(ipvsadm, c);
        if (!r.ok()) {
            error = lvs::format_command(c) + ": " + r.complaint();
            return false;
        }
        info(lvs::format_command(c));
    }
    return true;
}

bool checks_configured(const lvs::LvsConfig& config)
{
    for (const lvs::Service& s : config.services) {
        for (const lvs::RealServer& r : s.servers) {
            if (s.check_for(r.endpoint) != nullptr) {
                return true;
            }
        }
    }
    return false;
}

// ---- the checker process -------------------------------------------------------------------

int spawn_checker(const std::string& self, const std::string& rules_path, std::string& error)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    // Its own session, stdio on /dev/null: heartbeat reads our output until it closes, and
    // the checker outlives this call by the resource's whole life.
    for (int fd = 0; fd <= 2; ++fd) {
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY,
                                         0);
    }
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::string arg0 = self;
    std::string arg1 = rules_path;
    std::string arg2 = "checker";
    char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, self.c_str(), &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        error = "cannot start the checker " + self + ": " + std::strerror(rc);
        return 0;
    }
    return pid;
}

bool checker_alive(const Context& c)
{
    return c.state && c.state->checker_pid > 0 &&
           is_our_checker(c.state->checker_pid, c.rules_path);
}

// ---- actions -------------------------------------------------------------------------------

// Whether the file's table is in place as it was applied, with the reason when not.
bool is_running(const Context& c, lvs::Backend backend, std::string& why)
{
    if (backend == lvs::Backend::nftables) {
        const auto nft = program("nft");
        if (!nft) {
            why = "nft missing";
            return false;
        }
        bool any = false;
        const std::string live = nft_listing(*nft, c.config, c.table, any);
        if (!any) {
            why = "no table of this file";
            return false;
        }
        if (!c.state) {
            why = "its table exists, but this agent did not record starting it";
            return false;
        }
        if (live != read_file(c.dir.file("listing")).value_or("")) {
            why = "its table differs from what was applied";
            return false;
        }
    } else {
        const auto ipvsadm = program("ipvsadm");
        if (!ipvsadm) {
            why = "ipvsadm missing";
            return false;
        }
        std::string error;
        const auto live = ipvs_live(*ipvsadm, error);
        if (!live) {
            why = error;
            return false;
        }
        const lvs::HealthTable health = c.state ? c.state->health : lvs::all_up(c.config);
        const auto diffs = lvs::ipvs_differences(*live, lvs::ipvs_desired(c.config, health));
        if (!diffs.empty()) {
            why = diffs.front();
            return false;
        }
    }
    if (c.state && read_file(c.dir.file("rules")).value_or("") != c.rules_text) {
        why = "the file changed since it was applied";
        return false;
    }
    if (checks_configured(c.config) && !checker_alive(c)) {
        why = "its health checker is not running";
        return false;
    }
    return true;
}

int do_status(const Context& c)
{
    std::string why;
    const lvs::Backend backend = c.state ? c.state->backend : [&] {
        std::string ignored;
        return choose_backend(c.config, ignored).value_or(lvs::Backend::nftables);
    }();
    // heartbeat judges the words of this line ("running", "OK", "not running"), so it names
    // no path or table, which could hold such words.
    if (is_running(c, backend, why)) {
        std::printf("ipvsadm-wrapper: running (%s)\n", std::string(to_string(backend)).c_str());
        return exit_ok;
    }
    std::printf("ipvsadm-wrapper: stopped (%s)\n", why.c_str());
    return exit_stopped;
}

int start_nftables(Context& c, lvs::RuntimeState& state)
{
    const auto nft = program("nft");
    if (!nft) {
        return exit_not_installed;
    }
    std::string error;
    state.facts = gather_facts(c.config, 300ms, error);
    if (!error.empty()) {
        fail(error);
        return exit_failed;
    }
    const auto plans = lvs::plan_all(c.config, state.health, state.facts);
    const auto text = lvs::render_nft(c.config, plans, state.facts, c.table);
    if (!text) {
        fail(text.error().message);
        return exit_failed;
    }
    if (!nft_apply_text(*nft, c.dir, "applied.nft", text.value(), error)) {
        fail(error + " (nothing was applied)");
        return exit_failed;
    }
    if (!record_listing_later(*nft, c, error)) {
        fail(error);
        return exit_failed;
    }
    for (std::size_t s = 0; s < c.config.services.size(); ++s) {
        const lvs::Service& service = c.config.services[s];
        for (std::size_t i = 0; i < service.servers.size(); ++i) {
            if (!plans[s].usable[i] && service.servers[i].weight > 0) {
                info("real server " + c.config.label(service.servers[i].endpoint) +
                     " gets no new connections: its MAC is not known yet (no ARP answer)");
            }
        }
    }
    return exit_ok;
}

int start_ipvs(Context& c, lvs::RuntimeState& state)
{
    const auto ipvsadm = program("ipvsadm");
    if (!ipvsadm) {
        return exit_not_installed;
    }
    std::string error;
    const auto before = ipvs_live(*ipvsadm, error);
    if (!before) {
        fail(error);
        return exit_failed;
    }
    const lvs::LvsConfig desired = lvs::ipvs_desired(c.config, state.health);
    if (!ipvs_run(*ipvsadm, lvs::ipvs_apply(*before, desired), error)) {
        fail(error);
        std::string undo_error;
        const auto now = ipvs_live(*ipvsadm, undo_error);
        if (!now || !ipvs_run(*ipvsadm, lvs::ipvs_restore(*now, *before, desired), undo_error)) {
            fail("could not undo the partial start: " + undo_error);
        } else {
            fail("the file's services were put back as they were before this start");
        }
        return exit_failed;
    }
    if (c.config.sync) {
        // The sync daemons are best effort: without them connections are lost at failover,
        // but the table works.
        for (const lvs::IpvsCommand& cmd : lvs::ipvs_sync_active(*c.config.sync)) {
            const CommandResult r = run_command(*ipvsadm, cmd);
            info(lvs::format_command(cmd) + (r.ok() ? "" : ": " + r.complaint()));
        }
    }
    return exit_ok;
}

int do_start(const std::string& self, Context& c)
{
    std::string why;
    const auto backend = choose_backend(c.config, why);
    if (!backend) {
        return exit_not_configured;
    }
    if (*backend == lvs::Backend::nftables) {
        const base::Diagnostics diags = lvs::nftables_diagnostics(c.config);
        print_diagnostics(diags);
        if (diags.has_errors()) {
            fail(c.rules_path + ": the nftables back end (" + why +
                 ") cannot apply this file; nothing was changed");
            return exit_not_configured;
        }
    }
    std::string error;
    const base::UniqueFd lock = lock_state_dir(c.dir, 10s, error);
    if (!lock) {
        fail(error);
        return exit_failed;
    }
    c.state = read_state(c.dir);
    std::string not_running;
    if (c.state && c.state->backend == *backend && is_running(c, *backend, not_running)) {
        info(c.rules_path + " is already running");
        return exit_ok;
    }
    if (c.state) {
        stop_checker(c.state->checker_pid, c.rules_path, 2s);
    }
    lvs::RuntimeState state;
    state.backend = *backend;
    state.health = lvs::all_up(c.config);
    state.reasons.assign(state.health.size(), {});
    for (std::size_t s = 0; s < state.health.size(); ++s) {
        state.reasons[s].assign(state.health[s].size(), "");
    }
    state.started_ms = platform::wall_clock_ms();
    const int rc =
        *backend == lvs::Backend::nftables ? start_nftables(c, state) : start_ipvs(c, state);
    if (rc != exit_ok) {
        return rc;
    }
    if (!write_file_atomic(c.dir.file("rules"), c.rules_text, error) ||
        !write_state(c.dir, state, error)) {
        fail(error);
        return exit_failed;
    }
    std::size_t servers = 0;
    for (const lvs::Service& s : c.config.services) {
        servers += s.servers.size();
    }
    info("started " + std::to_string(c.config.services.size()) + " virtual service(s) with " +
         std::to_string(servers) + " real server(s) from " + c.rules_path + " (" +
         std::string(to_string(*backend)) + ": " + why + ")");
    if (checks_configured(c.config)) {
        state.checker_pid = spawn_checker(self, c.rules_path, error);
        if (state.checker_pid == 0) {
            fail(error + "; the servers are not health-checked");
            return exit_failed;
        }
        if (!write_state(c.dir, state, error)) {
            fail(error);
            return exit_failed;
        }
        info("health checker started (pid " + std::to_string(state.checker_pid) + ")");
    }
    return exit_ok;
}

int do_stop(Context& c)
{
    std::string error;
    const base::UniqueFd lock = lock_state_dir(c.dir, 10s, error);
    if (!lock) {
        fail(error);
        return exit_failed;
    }
    c.state = read_state(c.dir);
    if (c.state) {
        stop_checker(c.state->checker_pid, c.rules_path, 2s);
    }
    std::string why;
    const lvs::Backend backend = c.state ? c.state->backend : [&] {
        return choose_backend(c.config, why).value_or(lvs::Backend::nftables);
    }();
    int rc = exit_ok;
    if (backend == lvs::Backend::nftables) {
        const auto nft = program("nft");
        if (nft) {
            for (const char* family : {"netdev", "ip"}) {
                if (run_command(*nft, {"list", "table", family, c.table}).ok()) {
                    const CommandResult r = run_command(*nft, {"delete", "table", family, c.table});
                    if (!r.ok()) {
                        fail("nft delete table " + std::string(family) + " " + c.table + ": " +
                             r.complaint());
                        rc = exit_failed;
                    }
                }
            }
        } else if (c.state) {
            rc = exit_not_installed;
        }
    } else {
        if (const auto ipvsadm = program("ipvsadm")) {
            const auto live = ipvs_live(*ipvsadm, error);
            if (!live || !ipvs_run(*ipvsadm, lvs::ipvs_remove(*live, c.config), error)) {
                fail(error);
                rc = exit_failed;
            }
            if (c.config.sync) {
                for (const lvs::IpvsCommand& cmd : lvs::ipvs_sync_standby(*c.config.sync)) {
                    const CommandResult r = run_command(*ipvsadm, cmd);
                    info(lvs::format_command(cmd) + (r.ok() ? "" : ": " + r.complaint()));
                }
            }
        } else {
            rc = exit_not_installed;
        }
    }
    if (rc == exit_ok) {
        for (const char* f : {"state", "rules", "listing", "applied.nft", "update.nft"}) {
            ::unlink(c.dir.file(f).c_str());
        }
        info("stopped " + c.rules_path + " (" + std::string(to_string(backend)) + ")");
    }
    return rc;
}

int do_show(const Context& c, bool json)
{
    std::string why;
    const lvs::Backend backend = c.state ? c.state->backend : lvs::Backend::nftables;
    const bool running = c.state && is_running(c, backend, why);
    const bool alive = checker_alive(c);
    if (json) {
        std::printf("%s\n", lvs::format_show_json(c.config, c.state, running, alive).c_str());
    } else {
        std::fputs(lvs::format_show_text(c.config, c.state, running, alive).c_str(), stdout);
    }
    return running ? exit_ok : exit_stopped;
}

int do_check(const Context& c)
{
    std::string why;
    const auto backend = choose_backend(c.config, why);
    if (!backend) {
        return exit_not_configured;
    }
    if (*backend == lvs::Backend::nftables) {
        const base::Diagnostics diags = lvs::nftables_diagnostics(c.config);
        print_diagnostics(diags);
        if (diags.has_errors()) {
            return exit_not_configured;
        }
    }
    std::printf("%s: rules OK (%s back end: %s)\n", c.rules_path.c_str(),
                std::string(to_string(*backend)).c_str(), why.c_str());
    return exit_ok;
}

}  // namespace

std::optional<lvs::LvsConfig> load_rules_text(const std::string& text, const std::string& path)
{
    lvs::RulesResult parsed = lvs::parse_rules(text, path);
    print_diagnostics(parsed.diagnostics);
    return std::move(parsed.config);
}

int run_action(const std::string& self, const std::string& rules_path, const std::string& action,
               bool json)
{
    Context c;
    c.rules_path = rules_path;
    c.table = lvs::nft_table_name(rules_path);
    c.dir = state_dir_for(c.table);
    // status, monitor and show compare the table with the state: they wait for a start, a stop
    // or the checker's change of a weight to finish, or they could see one without the other.
    base::UniqueFd read_lock;
    if (action == "status" || action == "monitor" || action == "show") {
        std::string error;
        read_lock = lock_state_dir(c.dir, 10s, error, LockMode::shared);
        if (!read_lock && !error.empty()) {
            if (action == "show") {
                fail(error);
                return exit_failed;
            }
            // No path in a status line (see do_status).
            std::printf("ipvsadm-wrapper: stopped (another ipvsadm-wrapper holds its lock)\n");
            return exit_stopped;
        }
    }
    const auto text = read_file(rules_path);
    if (action == "stop" || action == "status" || action == "monitor") {
        // What was applied is what must be removed, even when the file changed or went away.
        c.state = read_state(c.dir);
        const auto applied = read_file(c.dir.file("rules"));
        if (action == "stop" && applied) {
            auto config = load_rules_text(*applied, rules_path);
            if (config) {
                c.config = std::move(*config);
                c.rules_text = text.value_or("");
                return do_stop(c);
            }
        }
    }
    if (!text) {
        if (action == "stop") {
            info(rules_path + " cannot be read and nothing was started from it: already stopped");
            return exit_ok;
        }
        if (action == "status" || action == "monitor") {
            std::printf("ipvsadm-wrapper: stopped (cannot read the file)\n");
            return exit_stopped;
        }
        fail("cannot read " + rules_path + ": " + std::strerror(errno));
        return exit_not_configured;
    }
    c.rules_text = *text;
    auto config = load_rules_text(*text, rules_path);
    if (!config) {
        if (action == "status" || action == "monitor") {
            std::printf("ipvsadm-wrapper: stopped (the file has errors)\n");
            return exit_stopped;
        }
        fail(rules_path + " has errors; nothing was changed");
        return exit_not_configured;
    }
    c.config = std::move(*config);
    if (action == "start") {
        return do_start(self, c);
    }
    if (action == "stop") {
        return do_stop(c);
    }
    c.state = read_state(c.dir);
    if (action == "status" || action == "monitor") {
        return do_status(c);
    }
    if (action == "show") {
        return do_show(c, json);
    }
    if (action == "check") {
        return do_check(c);
    }
    fail("unknown action '" + action + "'");
    return exit_usage;
}

}  // namespace hb::lvs_agent
