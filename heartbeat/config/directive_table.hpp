// SPDX-License-Identifier: GPL-2.0-or-later
// The ha.cf directive table as data: every directive heartbeat 3.0.6 (Debian 12 build)
// accepts, how its line is split, whether this heartbeat acts on it, and its default.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace hb::config {

/// How a directive's line is handed to its handler.
enum class DirectiveForm {
    per_value,   ///< each value token applied on its own (`node a b` = two nodes)
    whole_line,  ///< the rest of the line is one argument (`apiauth`, `ucast`, `mcast` …)
};

/// What this heartbeat does with a directive heartbeat 3.0.6 accepts.
enum class DirectiveSupport {
    implemented,      ///< acted on
    not_implemented,  ///< accepted and ignored, with a warning naming it
    pacemaker_only,   ///< only meaningful in Pacemaker mode; ignored with a warning
};

/// One row of the table (public view; handlers stay private to the parser).
struct DirectiveInfo {
    std::string_view name;
    DirectiveForm form = DirectiveForm::per_value;
    DirectiveSupport support = DirectiveSupport::implemented;
    bool recorded = true;  ///< its value is kept as a parameter (`cl_status hbparameter`)
    std::optional<std::string_view> default_value;
    bool is_medium = false;
};

/// All directives in the order heartbeat's `-D` lists its defaults, then the others.
const std::vector<DirectiveInfo>& directive_table();

/// The row for `name`, or nullptr for a directive heartbeat 3.0.6 does not accept.
const DirectiveInfo* find_directive(std::string_view name);

}  // namespace hb::config
