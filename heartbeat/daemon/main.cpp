// SPDX-License-Identifier: GPL-2.0-or-later
// heartbeat: the daemon's entry point. Parses the command line and dispatches; the
// configuration check (`--check-config`) reads all three files and reports every problem.
// The running daemon (membership, resources, API) is wired here by later modules.
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include "base/diagnostic.hpp"
#include "daemon/config_loader.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* compat_version = "3.0.6";
constexpr const char* our_version = "0.1.0";

// LSB exit codes heartbeat uses.
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_arguments = 2;
constexpr int exit_unimplemented = 3;

int check_config(const hb::daemon::LoadOptions& options)
{
    const hb::daemon::LinuxSystemView system;
    const auto result = hb::daemon::load_config(options, system);
    for (const auto& d : result.diagnostics.all()) {
        std::cerr << hb::base::format(d) << '\n';
    }
    const auto errors = result.diagnostics.count(hb::base::Severity::error);
    const auto warnings = result.diagnostics.count(hb::base::Severity::warning);
    if (errors > 0) {
        std::cerr << "configuration has " << errors << " error(s) and " << warnings
                  << " warning(s); heartbeat would not start (node '" << result.node_name
                  << "')\n";
        return exit_failure;
    }
    std::cout << "configuration OK (node '" << result.node_name << "', " << warnings
              << " warning(s))\n";
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv)
{
    hb::daemon::LoadOptions load;
    std::string node_name;
    po::options_description visible("Usage: heartbeat [options]");
    // clang-format off
    visible.add_options()
        ("help,h", "print this help and exit")
        ("version,V", "print the version and exit")
        ("check-config", "read ha.cf, authkeys and haresources, print every problem, "
                         "exit 0 if heartbeat could start")
        ("config-dir", po::value<std::string>(&load.config_dir)->default_value(load.config_dir),
         "configuration directory")
        ("node-name", po::value<std::string>(&node_name),
         "this node's name (default: CONFIG_DIR/nodeinfo, else uname -n)");
    // clang-format on
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(visible).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "heartbeat: " << e.what() << "\n" << visible << '\n';
        return exit_bad_arguments;
    }
    if (vm.count("help")) {
        std::cout << visible << '\n';
        return exit_ok;
    }
    if (vm.count("version")) {
        std::cout << compat_version << " (heartbeat C++ " << our_version << ")\n";
        return exit_ok;
    }
    if (vm.count("node-name")) {
        load.node_name = node_name;
    }
    if (vm.count("check-config")) {
        return check_config(load);
    }
    std::cerr << "heartbeat: running as a daemon is not part of this build yet; "
                 "use --check-config\n";
    return exit_unimplemented;
}
