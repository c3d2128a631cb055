// SPDX-License-Identifier: GPL-2.0-or-later
// Local time as UTC for one test (expectations written in local time do not depend on the
// machine), and the process's own zone back afterwards, so no other test is changed.
#pragma once

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace hb::test {

class UtcZone {
public:
    UtcZone()
    {
        if (const char* tz = std::getenv("TZ")) {
            saved_ = tz;
        }
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    ~UtcZone()
    {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    UtcZone(const UtcZone&) = delete;
    UtcZone& operator=(const UtcZone&) = delete;

private:
    std::optional<std::string> saved_;
};

}  // namespace hb::test
