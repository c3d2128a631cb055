// SPDX-License-Identifier: GPL-2.0-or-later
// The LVS agent's machine access.
#include "tools/lvs/machine.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/text.hpp"
#include "lvs/runtime_state.hpp"
#include "platform/files.hpp"
#include "platform/process_runner.hpp"
#include "tools/netlink.hpp"

namespace hb::lvs_agent {

using namespace std::chrono_literals;

std::string CommandResult::complaint() const
{
    const std::string first(base::trim(std::string_view(errors).substr(0, errors.find('\n'))));
    if (!first.empty()) {
        return first;
    }
    if (!why.empty()) {
        return why;
    }
    return "exit code " + std::to_string(exit_code);
}

std::optional<std::string> find_program(const std::string& name)
{
    std::string env_name;
    for (char c : name) {
        env_name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (const char* given = std::getenv(env_name.c_str()); given != nullptr && *given != '\0') {
        return std::string(given);
    }
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
        const std::string path = std::string(dir) + "/" + name;
        if (platform::is_executable_file(path)) {
            return path;
        }
    }
    return std::nullopt;
}

CommandResult run_command(const std::string& path, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout)
{
    boost::asio::io_context io;
    platform::ProcessRunner runner(io);
    platform::ProcessSpec spec;
    spec.path = path;
    spec.args = args;
    spec.env = {"PATH=/usr/sbin:/sbin:/usr/bin:/bin", "LC_ALL=C"};
    spec.timeout = timeout;
    spec.kill_grace = 1s;
    spec.output_cap = 8 * 1024 * 1024;  // `nft list` of a table with big maps
    spec.log_tag = path;
    spec.log_output = false;
    CommandResult result;
    runner.run(spec, [&](const platform::ProcessResult& r) {
        result.ran = r.outcome == platform::ProcessOutcome::exited;
        result.exit_code = r.exit_code;
        result.output = r.output;
        result.errors = r.errors;
        if (r.outcome == platform::ProcessOutcome::spawn_failed) {
            result.why = "cannot run " + path + ": " + r.spawn_error;
        } else if (r.outcome != platform::ProcessOutcome::exited) {
            result.why = path + " " + std::string(platform::to_string(r.outcome));
        }
    });
    io.run();
    return result;
}

bool kernel_has_ipvs()
{
    if (platform::kernel_has_ipvs()) {
        return true;
    }
    if (const auto modprobe = find_program("modprobe")) {
        run_command(*modprobe, {"-q", "ip_vs"}, 5s);
    }
    return platform::kernel_has_ipvs();
}

namespace {

std::optional<lvs::Interface> interface_for(const tools::NetlinkView& view, lvs::Ipv4 address)
{
    const auto routes = view.connected_routes();
    const auto route = base::select_route(routes, address, "");
    if (!route) {
        return std::nullopt;
    }
    return lvs::Interface{route->device, view.link_mac(route->device).value_or("")};
}

// The addresses whose MAC direct routing needs: DR real servers and sorry servers.
std::vector<lvs::Ipv4> dr_addresses(const lvs::LvsConfig& config)
{
    std::vector<lvs::Ipv4> out;
    for (const lvs::Service& s : config.services) {
        for (const lvs::RealServer& r : s.servers) {
            if (r.forwarding == lvs::Forwarding::direct_routing) {
                out.push_back(r.endpoint.address);
            }
        }
        if (s.sorry && s.sorry->forwarding == lvs::Forwarding::direct_routing) {
            out.push_back(s.sorry->endpoint.address);
        }
    }
    return out;
}

// A datagram to the discard port makes the kernel resolve the address's MAC (the answer, a
// port-unreachable, is harmless); that is all we want of it.
void provoke_resolution(lvs::Ipv4 address)
{
    const base::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        return;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(address);
    (void)::sendto(fd.get(), "", 0, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to);
}

}  // namespace

lvs::Facts gather_facts(const lvs::LvsConfig& config, std::chrono::milliseconds resolve_for,
                        std::string& error)
{
    lvs::Facts facts;
    tools::NetlinkView view;
    if (!view.load(error, true)) {
        return facts;
    }
    for (const lvs::Service& s : config.services) {
        if (s.key.protocol != lvs::Protocol::fwmark) {
            if (auto i = interface_for(view, s.key.address)) {
                facts.route[s.key.address] = *i;
            }
        }
        for (const lvs::RealServer& r : s.servers) {
            if (auto i = interface_for(view, r.endpoint.address)) {
                facts.route[r.endpoint.address] = *i;
            }
        }
        if (s.sorry) {
            if (auto i = interface_for(view, s.sorry->endpoint.address)) {
                facts.route[s.sorry->endpoint.address] = *i;
            }
        }
    }
    const auto wanted = dr_addresses(config);
    const auto deadline = std::chrono::steady_clock::now() + resolve_for;
    for (bool first = true;; first = false) {
        bool missing = false;
        for (lvs::Ipv4 a : wanted) {
            const auto route = facts.route.find(a);
            if (route == facts.route.end() || facts.neighbour.contains(a)) {
                continue;
            }
            if (auto mac = view.neighbour_mac(a, route->second.name)) {
                facts.neighbour[a] = *mac;
            } else {
                missing = true;
                if (first) {
                    provoke_resolution(a);
                }
            }
        }
        if (!missing || std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(5ms);
        std::string reload_error;
        if (!view.load(reload_error, true)) {
            break;
        }
    }
    return facts;
}

bool refresh_neighbours(const lvs::LvsConfig& config, lvs::Facts& facts)
{
    tools::NetlinkView view;
    std::string error;
    if (!view.load(error, true)) {
        return false;
    }
    bool changed = false;
    for (lvs::Ipv4 a : dr_addresses(config)) {
        const auto route = facts.route.find(a);
        if (route == facts.route.end()) {
            continue;
        }
        const auto mac = view.neighbour_mac(a, route->second.name);
        if (!mac) {
            provoke_resolution(a);  // stale or gone: ask again, keep what we had
            continue;
        }
        auto it = facts.neighbour.find(a);
        if (it == facts.neighbour.end() || it->second != *mac) {
            facts.neighbour[a] = *mac;
            changed = true;
        }
    }
    return changed;
}

StateDir state_dir_for(const std::string& table)
{
    const char* rsctmp = std::getenv("HA_RSCTMP");
    return StateDir{lvs::state_dir_path(rsctmp != nullptr ? rsctmp : "", table)};
}

namespace {

bool make_dirs(const std::string& path)
{
    std::string partial;
    for (std::string_view part : base::split(path, "/")) {
        partial += "/" + std::string(part);
        if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
            return false;
        }
    }
    return true;
}

}  // namespace

base::UniqueFd lock_state_dir(const StateDir& dir, std::chrono::milliseconds wait,
                              std::string& error, LockMode mode)
{
    error.clear();
    const bool exclusive = mode == LockMode::exclusive;
    if (exclusive && !make_dirs(dir.path)) {
        error = "cannot create " + dir.path + ": " + std::strerror(errno);
        return {};
    }
    const int flags = exclusive ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC;
    base::UniqueFd fd(::open(dir.file("lock").c_str(), flags, 0600));
    if (!fd) {
        if (exclusive || errno != ENOENT) {
            error = "cannot open " + dir.file("lock") + ": " + std::strerror(errno);
        }
        return {};
    }
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd.get(), (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
            error = "cannot lock " + dir.file("lock") + ": " +
                    (errno == EWOULDBLOCK ? std::string("another ipvsadm-wrapper holds it")
                                          : std::string(std::strerror(errno)));
            return {};
        }
        std::this_thread::sleep_for(10ms);
    }
    return fd;
}

std::optional<std::string> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool write_file_atomic(const std::string& path, const std::string& text, std::string& error)
{
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            error = "cannot write " + tmp;
            return false;
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot rename " + tmp + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

bool is_our_checker(int pid, const std::string& rules_path)
{
    if (pid <= 0) {
        return false;
    }
    const auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    if (!cmdline || cmdline->empty()) {
        return false;  // gone, or a zombie
    }
    std::vector<std::string> argv;
    for (std::string_view arg : base::split(*cmdline, std::string_view("\0", 1))) {
        argv.emplace_back(arg);
    }
    return argv.size() >= 3 && argv[0].ends_with("ipvsadm-wrapper") && argv[1] == rules_path &&
           argv[2] == "checker";
}

void stop_checker(int pid, const std::string& rules_path, std::chrono::milliseconds grace)
{
    if (!is_our_checker(pid, rules_path)) {
        return;
    }
    ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (is_our_checker(pid, rules_path)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
}

}  // namespace hb::lvs_agent
