// SPDX-License-Identifier: GPL-2.0-or-later
// keep_only_capabilities in a forked child that then executes a program, as the LVS health
// checker executes nft: the program, although root, has only what was kept.
#include <catch2/catch.hpp>

#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initializer_list>
#include <map>
#include <sstream>
#include <string>

#include "platform/privileges.hpp"

namespace {

/// /proc/self/status of `cat`, executed by a child that kept only `keep`; empty on failure.
std::map<std::string, std::string> status_after(std::initializer_list<int> keep)
{
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        if (hb::platform::keep_only_capabilities(keep)) {
            ::_exit(3);
        }
        ::dup2(fds[1], 1);
        ::execl("/bin/cat", "cat", "/proc/self/status", static_cast<char*>(nullptr));
        ::_exit(4);
    }
    ::close(fds[1]);
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    INFO("child exit status " << status);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    std::map<std::string, std::string> fields;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const auto colon = line.find(':');
        const auto value = line.find_first_not_of(" \t", colon + 1);
        if (colon != std::string::npos && value != std::string::npos) {
            fields[line.substr(0, colon)] = line.substr(value);
        }
    }
    return fields;
}

}  // namespace

TEST_CASE("privileges: what a root process executes keeps only the capabilities kept",
          "[process][privileges]")
{
    if (::geteuid() != 0) {
        WARN("not root: nothing to drop");
        return;
    }
    const auto net_admin = status_after({CAP_NET_ADMIN});
    CHECK(net_admin.at("CapEff") == "0000000000001000");
    CHECK(net_admin.at("CapPrm") == "0000000000001000");
    CHECK(net_admin.at("CapBnd") == "0000000000001000");
    CHECK(net_admin.at("CapInh") == "0000000000000000");
    CHECK(net_admin.at("CapAmb") == "0000000000000000");
    CHECK(net_admin.at("NoNewPrivs") == "1");
    CHECK(net_admin.at("Uid").substr(0, 1) == "0");  // still root: its own files stay its own

    const auto none = status_after({});
    CHECK(none.at("CapEff") == "0000000000000000");
    CHECK(none.at("CapPrm") == "0000000000000000");
    CHECK(none.at("CapBnd") == "0000000000000000");
}
