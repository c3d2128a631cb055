// SPDX-License-Identifier: GPL-2.0-or-later
// Small text helpers shared by the config parsers: splitting a line into tokens the way
// heartbeat 3.0.6 does (strspn/strcspn over a delimiter set) and case folding.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hb::base {

/// Blank characters heartbeat skips between a directive and its values.
inline constexpr std::string_view whitespace = " \t\n\r\f";
/// heartbeat's DELIMS: option values are separated by these (note the comma).
inline constexpr std::string_view value_delimiters = " \t\n\r\f,";

/// Splits `text` into the non-empty runs between characters of `delimiters`.
std::vector<std::string_view> split(std::string_view text, std::string_view delimiters);

/// The lines of `text` split at '\n' (no final empty line when `text` ends with one).
std::vector<std::string_view> split_lines(std::string_view text);

/// `text` without leading and trailing characters of `chars`.
std::string_view trim(std::string_view text, std::string_view chars = whitespace);

/// ASCII lower-case copy of `text` (node names are compared this way).
std::string to_lower(std::string_view text);

/// True when `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

/// Renders `text` for a message: quoted, with control characters escaped.
std::string quote(std::string_view text);

/// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

}  // namespace hb::base
