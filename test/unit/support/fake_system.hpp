// SPDX-License-Identifier: GPL-2.0-or-later
// Test doubles for the config checks: a machine with chosen interfaces, scripts and
// accounts, and a temporary configuration directory written from strings.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "base/value_parsers.hpp"
#include "config/config_check.hpp"

namespace hb::test {

/// A machine whose interfaces, executables and accounts are listed by the test.
class FakeSystem final : public config::SystemView {
public:
    std::set<std::string, std::less<>> interfaces{"lo", "ens32", "ens34", "eth0", "eth1"};
    std::set<std::string, std::less<>> executables;
    std::set<std::string, std::less<>> users{"root", "hacluster", "nobody"};
    std::set<std::string, std::less<>> groups{"root", "haclient", "nogroup"};
    std::set<std::string, std::less<>> host_names{"lvs-02.example"};

    bool interface_exists(std::string_view name) const override
    {
        return interfaces.find(name) != interfaces.end();
    }
    bool is_executable_file(const std::string& path) const override
    {
        return executables.find(path) != executables.end();
    }
    bool user_exists(std::string_view name) const override { return users.find(name) != users.end(); }
    bool group_exists(std::string_view name) const override
    {
        return groups.find(name) != groups.end();
    }
    bool resolves_ipv4(std::string_view host) const override
    {
        return base::parse_ipv4(host).has_value() || host_names.find(host) != host_names.end();
    }
};

/// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
public:
    TempDir()
    {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("hb-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// The directory's path.
    std::string path() const { return path_.string(); }

    /// Writes `name` with `text` and the given mode; returns its full path.
    std::string write(const std::string& name, const std::string& text, unsigned mode = 0600) const
    {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        {
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            out << text;
        }
        ::chmod(file.c_str(), static_cast<mode_t>(mode));
        return file.string();
    }

private:
    std::filesystem::path path_;
};

/// A minimal valid ha.cf for nodes alpha and beta over bcast eth0.
inline const std::string minimal_ha_cf =
    "logfacility local0\n"
    "auto_failback on\n"
    "keepalive 1\n"
    "deadtime 10\n"
    "bcast eth0\n"
    "node alpha beta\n";

/// A valid authkeys using sha1.
inline const std::string minimal_authkeys = "auth 1\n1 sha1 secret\n";

/// A valid haresources with one group owned by alpha, whose script the fake system knows.
inline const std::string minimal_haresources = "alpha 10.0.0.100/24/eth0\n";

}  // namespace hb::test
