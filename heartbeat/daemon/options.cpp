// SPDX-License-Identifier: GPL-2.0-or-later
// Command-line parsing.
#include "daemon/options.hpp"

#include <boost/program_options.hpp>

#include <iostream>
#include <sstream>

namespace hb::daemon {

namespace po = boost::program_options;

namespace {

/// A zero-token option that may be repeated and counts its occurrences (`-d -d`, `-dd`).
class Counter final : public po::typed_value<int> {
public:
    explicit Counter(int* store) : po::typed_value<int>(store) { default_value(0); }
    unsigned min_tokens() const override { return 0; }
    unsigned max_tokens() const override { return 0; }
    bool is_composing() const override { return true; }
    void xparse(boost::any& store, const std::vector<std::string>& /*tokens*/) const override
    {
        const int before = store.empty() ? 0 : boost::any_cast<int>(store);
        store = before + 1;
    }
};

po::options_description describe(Options& o)
{
    po::options_description d("Usage: heartbeat [options]");
    // clang-format off
    d.add_options()
        ("help,h", "print this help and exit")
        ("foreground,f", "stay in the foreground, log to stderr too")
        ("kill,k", "stop the running heartbeat (resources are released first)")
        ("status,s", "report whether heartbeat is running")
        ("reload,r", "check the configuration, then make the running heartbeat reread it")
        ("debug,d", new Counter(&o.debug), "more debug output (repeat for more)")
        ("defaults,D", "print the ha.cf directives that have defaults")
        ("wiki,W", "with -D: wiki table layout")
        ("version,V", "print the version")
        ("no-resources,M", "do not manage resources")
        ("no-realtime,l", "do not lock memory or use real-time scheduling")
        ("dump-config,v", "print the configuration as read")
        ("restart,R", "internal: restart of a running heartbeat")
        ("current-resources,C", po::value<std::string>(&o.current_resources),
         "internal, with -R: resources held (none|local|foreign|all)")
        ("check-config", "read ha.cf, authkeys, haresources and heartbeat-ng.cf, print every problem, "
                         "exit 0 if heartbeat could start")
        ("config-dir", po::value<std::string>(&o.config_dir), "configuration directory "
                                                              "(default /etc/ha.d)")
        ("state-dir", po::value<std::string>(&o.state_dir),
         "state directory: hb_generation, hb_uuid (default /var/lib/heartbeat)")
        ("run-dir", po::value<std::string>(&o.run_dir),
         "runtime directory: API socket; with it the pid file is RUN_DIR/heartbeat.pid "
         "(default /run/heartbeat, pid file /run/heartbeat.pid)")
        ("node-name", po::value<std::string>(),
         "this node's name (default: CONFIG_DIR/nodeinfo, else uname -n)");
    // clang-format on
    return d;
}

}  // namespace

std::string usage()
{
    Options o;
    std::ostringstream out;
    out << describe(o);
    return out.str();
}

std::optional<Options> parse_options(int argc, char** argv, int& exit_status)
{
    Options o;
    const po::options_description d = describe(o);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(d).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "heartbeat: " << e.what() << "\n" << d << '\n';
        exit_status = 2;
        return std::nullopt;
    }
    if (vm.count("node-name")) {
        o.node_name = vm["node-name"].as<std::string>();
    }
    if (vm.count("run-dir")) {
        o.pid_file = o.run_dir + "/heartbeat.pid";
    }
    o.foreground = vm.count("foreground") > 0;
    o.no_realtime = vm.count("no-realtime") > 0;
    o.no_resources = vm.count("no-resources") > 0;
    o.restart = vm.count("restart") > 0;
    o.wiki = vm.count("wiki") > 0;
    // The first action flag wins, in this order of precedence.
    const std::pair<const char*, Action> actions[] = {
        {"help", Action::help},
        {"version", Action::version},
        {"check-config", Action::check_config},
        {"defaults", Action::defaults},
        {"kill", Action::kill},
        {"status", Action::status},
        {"reload", Action::reload},
        {"dump-config", Action::dump_config},
    };
    for (const auto& [name, action] : actions) {
        if (vm.count(name)) {
            o.action = action;
            break;
        }
    }
    return o;
}

}  // namespace hb::daemon
