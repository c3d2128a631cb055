// SPDX-License-Identifier: GPL-2.0-or-later
// /usr/libexec/heartbeat/ipvsadm-wrapper: the program behind the resource agent of that name.
//   ipvsadm-wrapper RULES_FILE {start|stop|status|monitor}   heartbeat's calls
//   ipvsadm-wrapper RULES_FILE show [--json]                  services, servers, health
//   ipvsadm-wrapper RULES_FILE check                          the file's diagnostics
// (`ipvsadm-wrapper RULES_FILE checker` is the health checker that `start` runs in the background.)
#include <cstdio>
#include <string>
#include <string_view>

#include "platform/files.hpp"
#include "tools/lvs/agent.hpp"

namespace {

void usage(std::FILE* out)
{
    std::fputs(
        "usage: ipvsadm-wrapper RULES_FILE {start|stop|status|monitor|show [--json]|check}\n"
        "  RULES_FILE holds ipvsadm-save -n lines (-A services, -a real servers) and\n"
        "  optional #@check, #@sorry, #@name, #@backend and #@sync lines.\n",
        out);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc == 2 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help")) {
        usage(stdout);
        return 0;
    }
    if (argc < 3 || argc > 4) {
        usage(stderr);
        return hb::lvs_agent::exit_usage;
    }
    const std::string rules = argv[1];
    const std::string action = argv[2];
    const bool json = argc == 4 && std::string_view(argv[3]) == "--json";
    if (argc == 4 && (!json || action != "show")) {
        usage(stderr);
        return hb::lvs_agent::exit_usage;
    }
    if (rules.empty() || rules[0] != '/') {
        std::fprintf(stderr, "ERROR: the rules file must be an absolute path, not '%s'\n",
                     rules.c_str());
        return hb::lvs_agent::exit_usage;
    }
    if (action == "checker") {
        return hb::lvs_agent::run_checker(rules);
    }
    return hb::lvs_agent::run_action(hb::platform::own_executable(argv[0]), rules, action, json);
}
