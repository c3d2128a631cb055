// SPDX-License-Identifier: GPL-2.0-or-later
// The tutorial's set-ups (ha.d-examples/) loaded as a director would load them, for the
// tests that read them (the examples themselves, hb2pacemaker's conversion).
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "daemon/config_loader.hpp"
#include "support/fake_system.hpp"

namespace hb::test {

inline std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// Copies ha.d-examples/NAME into `dir` (git cannot keep authkeys at mode 600), with the
/// agents present in resource.d as they are once installed, and the LVS rules file where
/// haresources names it (/etc/ha.d/ipvsadm.rules, here in `dir`); loads it as `node`.
inline daemon::LoadResult load_example(const std::string& name, const std::string& node,
                                       TempDir& dir, FakeSystem& system)
{
    const std::string examples = std::string(HB_SOURCE_DIR) + "/ha.d-examples";
    for (const char* file : {"ha.cf", "authkeys", "haresources", "ipvsadm.rules"}) {
        std::string text = slurp(examples + "/" + name + "/" + file);
        for (auto at = text.find("/etc/ha.d/"); at != std::string::npos;
             at = text.find("/etc/ha.d/", at)) {
            text.replace(at, 10, dir.path() + "/");
        }
        dir.write(file, text, 0600);
    }
    system.executables.insert(dir.path() + "/resource.d/IPaddr");
    system.executables.insert(dir.path() + "/resource.d/ipvsadm-wrapper");
    daemon::LoadOptions options;
    options.config_dir = dir.path();
    options.node_name = node;
    options.init_dir = dir.path() + "/init.d";
    return daemon::load_config(options, system);
}

}  // namespace hb::test
