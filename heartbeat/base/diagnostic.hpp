// SPDX-License-Identifier: GPL-2.0-or-later
// Diagnostics: what every parser and checker reports about its input, with the file and line
// it concerns. Collecting them (never printing, throwing or exiting) lets a caller report
// every problem at once and decide itself whether the daemon may start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hb::base {

/// How bad a diagnostic is: warnings never stop the daemon, errors always do.
enum class Severity { warning, error };

/// "warning" or "error", as printed in diagnostics.
std::string_view to_string(Severity severity);

/// A place in a configuration file; line 0 means the file as a whole.
struct SourceLocation {
    std::string file;
    int line = 0;
    /// Where a value was written is not part of the value: configurations that differ only
    /// in their line numbers compare equal (a comment added to ha.cf changes nothing).
    friend bool operator==(const SourceLocation&, const SourceLocation&) { return true; }
};

/// One problem found in an input, with where it is.
struct Diagnostic {
    SourceLocation where;
    Severity severity = Severity::error;
    std::string message;
};

/// "FILE:LINE: error: MESSAGE", or "FILE: error: MESSAGE" for a whole-file problem.
std::string format(const Diagnostic& diagnostic);

/// An ordered list of diagnostics that parsers append to.
class Diagnostics {
public:
    /// Records an error at `where`.
    void error(const SourceLocation& where, std::string message);
    /// Records a warning at `where`.
    void warning(const SourceLocation& where, std::string message);
    /// Appends all diagnostics of `other`, keeping their order.
    void append(const Diagnostics& other);
    /// Orders diagnostics by file (in `file_order`; others last), then line; stable.
    void sort_by_location(const std::vector<std::string>& file_order);

    /// True when at least one error was recorded.
    bool has_errors() const;
    /// Number of diagnostics of the given severity.
    std::size_t count(Severity severity) const;
    /// All diagnostics in the order they were recorded.
    const std::vector<Diagnostic>& all() const { return items_; }

private:
    std::vector<Diagnostic> items_;
};

}  // namespace hb::base
