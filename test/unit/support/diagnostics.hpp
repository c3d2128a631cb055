// SPDX-License-Identifier: GPL-2.0-or-later
// Diagnostics as text for a test's expectations and failure messages.
#pragma once

#include <string>
#include <string_view>

#include "base/diagnostic.hpp"

namespace hb::test {

/// Every diagnostic as the tools print it ("FILE:LINE: error: ..."), one per line, each
/// after `indent`.
inline std::string diagnostics_text(const base::Diagnostics& diags, std::string_view indent = {})
{
    std::string out;
    for (const auto& d : diags.all()) {
        out += std::string(indent) + base::format(d) + "\n";
    }
    return out;
}

}  // namespace hb::test
