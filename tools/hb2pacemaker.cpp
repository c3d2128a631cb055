// SPDX-License-Identifier: GPL-2.0-or-later
// hb2pacemaker: turns /etc/ha.d (ha.cf, authkeys, haresources and the ipvsadm rules files
// they name) into a Pacemaker + Corosync configuration: corosync.conf, a new authkey, the
// CIB as a crm script and as pcs commands, and the list of manual steps. The files are read
// and checked as `heartbeat --check-config` does (errors name file and line; nothing is
// written then); the conversion itself is migrate/pacemaker. --check builds the CIB from
// the crm script in a scratch file and runs crm_verify on it.
#include <fcntl.h>
#include <netdb.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/text.hpp"
#include "config/ha_cf.hpp"
#include "daemon/config_loader.hpp"
#include "migrate/pacemaker.hpp"
#include "platform/state_files.hpp"
#include "platform/system_view.hpp"

extern char** environ;

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace hb;

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_check_failed = 3;

constexpr std::size_t authkey_bytes = 256;  // what corosync-keygen makes

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// NODE=IP[,IP…] into the node (lower-cased) and its addresses, one per link.
bool parse_node_addr(const std::string& arg, std::string& node, std::vector<std::string>& addrs)
{
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
        node = base::to_lower(arg);
        addrs.clear();
        return !node.empty();
    }
    node = base::to_lower(arg.substr(0, eq));
    addrs.clear();
    for (const auto part : base::split(std::string_view(arg).substr(eq + 1), ",")) {
        addrs.emplace_back(part);
    }
    return !addrs.empty();
}

/// The first IPv4 address `name` resolves to (/etc/hosts, DNS), or empty.
std::string resolve_ipv4(const std::string& name)
{
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
        return {};
    }
    char text[NI_MAXHOST] = {};
    const int rc = ::getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof text, nullptr, 0,
                                 NI_NUMERICHOST);
    ::freeaddrinfo(found);
    return rc == 0 ? std::string(text) : std::string();
}

bool write_file(const fs::path& path, const std::string& text, unsigned mode)
{
    std::error_code error;
    if (platform::replace_file(path.string(), text, error, mode)) {
        return true;
    }
    std::cerr << "hb2pacemaker: cannot write " << path.string() << ": " << error.message() << '\n';
    return false;
}

/// Runs `argv` with `extra_env` added; its exit status (-1: could not run it).
int run(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
        const std::string& stdout_path = {})
{
    std::vector<std::string> env_store(extra_env);
    for (char** e = environ; *e != nullptr; ++e) {
        env_store.emplace_back(*e);
    }
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_store) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    if (!stdout_path.empty()) {
        ::posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0600);
    }
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        return -1;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool on_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    for (const auto dir : base::split(path != nullptr ? path : "/usr/sbin:/usr/bin", ":")) {
        if (::access((std::string(dir) + "/" + program).c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/// --check: the crm script loaded into an empty CIB file, then crm_verify on it. The
/// scratch copy (cib-check.crm) names the nodes as the cluster will (nodeid: name), and,
/// while fencing is left for the administrator to configure, switches it off so that
/// everything else is checked; the message says so.
int check(const fs::path& out, const migrate::Result& result, bool without_fencing)
{
    for (const char* tool : {"cibadmin", "crm_verify", "crm"}) {
        if (!on_path(tool)) {
            std::cerr << "hb2pacemaker: --check needs " << tool
                      << " (apt-get install pacemaker-cli-utils crmsh)\n";
            return exit_check_failed;
        }
    }
    std::string script;
    for (std::size_t i = 0; i < result.nodes.size(); ++i) {
        script += "node " + std::to_string(i + 1) + ": " + result.nodes[i] + "\n";
    }
    std::string crm = result.crm_script;
    const std::string properties = "property cib-bootstrap-options:";
    if (const auto at = crm.find(properties); !without_fencing && at != std::string::npos) {
        crm.insert(at + properties.size(), " \\\n    stonith-enabled=false");
    }
    script += crm;
    const auto scratch = out / "cib-check.crm";
    const std::string cib = (out / "cib.xml").string();
    if (!write_file(scratch, script, 0644) || run({"cibadmin", "--empty"}, {}, cib) != 0) {
        std::cerr << "hb2pacemaker: cannot make the scratch CIB " << cib << '\n';
        return exit_check_failed;
    }
    // crmsh reads each agent's meta-data through crm_resource: the agents must be installed.
    if (run({"crm", "configure", "load", "update", scratch.string()}, {"CIB_file=" + cib}) != 0) {
        std::cerr << "hb2pacemaker: crm could not load " << scratch.string() << '\n';
        return exit_check_failed;
    }
    const int rc = run({"crm_verify", "--xml-file", cib, "-V"}, {});
    if (rc != 0) {
        std::cerr << "hb2pacemaker: crm_verify rejects the configuration (exit " << rc
                  << "); the CIB it checked is " << cib << '\n';
        return exit_check_failed;
    }
    std::cout << "crm_verify accepts the configuration (" << cib << ")"
              << (without_fencing ? ""
                                  : ", checked with fencing off: it stays on in cib.crm until "
                                    "a fence device exists (manual steps)")
              << "\n";
    return exit_ok;
}

std::string usage_text(const po::options_description& visible)
{
    std::ostringstream text;
    text << "usage: hb2pacemaker [OPTION]...\n"
            "Turns a heartbeat configuration (ha.cf, authkeys, haresources and the ipvsadm\n"
            "rules files it names) into a Pacemaker + Corosync one: corosync.conf, authkey,\n"
            "cib.crm (crm configure load update), cib.pcs (pcs commands) and manual-steps.txt.\n\n"
         << visible
         << "\nEach node needs its address on every heartbeat network interface; without\n"
            "--node-addr, node names are resolved (/etc/hosts, DNS) for the first one.\n"
            "Exit: 0 written, 1 errors in the files or the conversion (nothing written),\n"
            "2 usage, 3 --check failed.\n";
    return text.str();
}

}  // namespace

int main(int argc, char** argv)
{
    std::string dir = "/etc/ha.d";
    std::string out_dir = "hb2pacemaker";
    std::vector<std::string> node_addrs;
    std::vector<std::string> add_nodes;
    std::string cluster_name;
    int token = 0;
    po::options_description visible("Options");
    visible.add_options()("help,h", "this text")("config-dir,c", po::value(&dir)->value_name("DIR"),
                                                 "heartbeat's files (/etc/ha.d)")(
        "out,o", po::value(&out_dir)->value_name("DIR"),
        "where the files go (./hb2pacemaker; made if missing)")(
        "node-addr", po::value(&node_addrs)->value_name("NODE=IP[,IP...]"),
        "a node's address on each link, in ha.cf's interface order")(
        "add-node", po::value(&add_nodes)->value_name("NODE=IP[,IP...]"),
        "another director for the new cluster")(
        "cluster-name", po::value(&cluster_name)->value_name("NAME"),
        "corosync's cluster_name (ha.cf's cluster, linux-ha)")(
        "token", po::value(&token)->value_name("MS"), "corosync's token (deadtime / 2.2)")(
        "without-fencing",
        "write stonith-enabled=false (heartbeat ran without fencing; Pacemaker then starts "
        "resources without it)")("force", "overwrite the files of an earlier run in --out")(
        "check", "load the CIB into a scratch file and run crm_verify on it");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(visible).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "hb2pacemaker: " << e.what() << '\n' << usage_text(visible);
        return exit_usage;
    }
    if (vm.count("help") != 0) {
        std::cout << usage_text(visible);
        return exit_ok;
    }
    if (vm.count("token") != 0 && (token < 100 || token > 600'000)) {
        std::cerr << "hb2pacemaker: --token " << token << ": 100 to 600000 ms\n";
        return exit_usage;
    }

    migrate::Options options;
    options.source_dir = dir;
    options.cluster_name = cluster_name;
    options.without_fencing = vm.count("without-fencing") != 0;
    if (vm.count("token") != 0) {
        options.token_ms = token;
    }
    for (const auto& arg : node_addrs) {
        std::string node;
        std::vector<std::string> addrs;
        if (!parse_node_addr(arg, node, addrs) || addrs.empty()) {
            std::cerr << "hb2pacemaker: --node-addr " << arg << ": expected NODE=IP[,IP...]\n";
            return exit_usage;
        }
        options.addresses[node] = addrs;
    }
    for (const auto& arg : add_nodes) {
        std::string node;
        std::vector<std::string> addrs;
        if (!parse_node_addr(arg, node, addrs)) {
            std::cerr << "hb2pacemaker: --add-node " << arg << ": expected NODE[=IP[,IP...]]\n";
            return exit_usage;
        }
        options.extra_nodes.push_back(node);
        if (!addrs.empty()) {
            options.addresses[node] = addrs;
        }
    }

    // The files, read and checked as heartbeat reads them. This may run on a machine that
    // is not one of the nodes: then it checks them as the first node would.
    const auto ha_cf_path = dir + "/ha.cf";
    const auto pre = config::parse_ha_cf(read_file(ha_cf_path), ha_cf_path);
    daemon::LoadOptions load_options;
    load_options.config_dir = dir;
    const auto local = daemon::local_node_name(dir);
    if (!pre.config.nodes.empty() && pre.config.find_node(local) == nullptr) {
        load_options.node_name = pre.config.nodes.front().name;
    }
    const platform::LinuxSystemView system;
    const auto loaded = daemon::load_config(load_options, system);
    for (const auto& d : loaded.diagnostics.all()) {
        std::cerr << base::format(d) << '\n';
    }
    if (!loaded.config) {
        std::cerr << "hb2pacemaker: " << loaded.diagnostics.count(base::Severity::error)
                  << " error(s) in " << dir << ": nothing written\n";
        return exit_failed;
    }
    for (const auto& n : loaded.config->ha_cf.nodes) {
        if (n.type != config::NodeType::normal || options.addresses.count(n.name) != 0) {
            continue;
        }
        if (auto ip = resolve_ipv4(n.name); !ip.empty()) {
            std::cout << n.name << ": " << ip << " (resolved)\n";
            options.addresses[n.name] = {ip};
        }
    }

    const auto result = migrate::convert(*loaded.config, options);
    for (const auto& d : result.diagnostics.all()) {
        std::cerr << base::format(d) << '\n';
    }
    if (!result.ok()) {
        std::cerr << "hb2pacemaker: nothing written\n";
        return exit_failed;
    }

    const fs::path out(out_dir);
    std::error_code ec;
    fs::create_directories(out, ec);
    const char* names[] = {"corosync.conf", "authkey", "cib.crm", "cib.pcs", "manual-steps.txt"};
    if (vm.count("force") == 0) {
        for (const char* name : names) {
            if (fs::exists(out / name)) {
                std::cerr << "hb2pacemaker: " << (out / name).string()
                          << " exists (an earlier run's; --force replaces it, and its "
                             "authkey)\n";
                return exit_failed;
            }
        }
    }
    std::string key(authkey_bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) !=
        1) {
        std::cerr << "hb2pacemaker: no random bytes for the authkey\n";
        return exit_failed;
    }
    std::ostringstream steps;
    int n = 0;
    for (const auto& s : result.manual_steps) {
        steps << ++n << ". ";
        if (s.where.line > 0) {
            steps << s.where.file << ":" << s.where.line << ": ";
        }
        steps << s.text << '\n';
    }
    const bool written = write_file(out / "corosync.conf", result.corosync_conf, 0644) &&
                         write_file(out / "authkey", key, 0400) &&
                         write_file(out / "cib.crm", result.crm_script, 0644) &&
                         write_file(out / "cib.pcs", result.pcs_script, 0755) &&
                         write_file(out / "manual-steps.txt", steps.str(), 0644);
    if (!written) {
        std::cerr << "hb2pacemaker: cannot write into " << out.string() << '\n';
        return exit_failed;
    }
    std::cout << "Wrote " << out.string() << "/: corosync.conf (" << result.nodes.size()
              << " nodes), authkey (" << authkey_bytes
              << " random bytes, mode 0400: copy it to /etc/corosync/ on every node), cib.crm, "
                 "cib.pcs, manual-steps.txt\n\nManual steps:\n"
              << steps.str();
    if (vm.count("check") != 0) {
        return check(out, result, options.without_fencing);
    }
    return exit_ok;
}
