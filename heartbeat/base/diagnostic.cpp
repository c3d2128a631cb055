// SPDX-License-Identifier: GPL-2.0-or-later
// Diagnostics: formatting and collection.
#include "base/diagnostic.hpp"

#include <algorithm>

namespace hb::base {

std::string_view to_string(Severity severity)
{
    return severity == Severity::error ? "error" : "warning";
}

std::string format(const Diagnostic& diagnostic)
{
    std::string out = diagnostic.where.file;
    if (diagnostic.where.line > 0) {
        out += ':';
        out += std::to_string(diagnostic.where.line);
    }
    out += ": ";
    out += to_string(diagnostic.severity);
    out += ": ";
    out += diagnostic.message;
    return out;
}

void Diagnostics::error(const SourceLocation& where, std::string message)
{
    items_.push_back(Diagnostic{where, Severity::error, std::move(message)});
}

void Diagnostics::warning(const SourceLocation& where, std::string message)
{
    items_.push_back(Diagnostic{where, Severity::warning, std::move(message)});
}

void Diagnostics::append(const Diagnostics& other)
{
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Diagnostics::sort_by_location(const std::vector<std::string>& file_order)
{
    const auto rank = [&](const Diagnostic& d) {
        const auto it = std::find(file_order.begin(), file_order.end(), d.where.file);
        return std::pair(it - file_order.begin(), d.where.line);
    };
    std::stable_sort(items_.begin(), items_.end(),
                     [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
}

bool Diagnostics::has_errors() const
{
    return count(Severity::error) > 0;
}

std::size_t Diagnostics::count(Severity severity) const
{
    return static_cast<std::size_t>(
        std::count_if(items_.begin(), items_.end(),
                      [severity](const Diagnostic& d) { return d.severity == severity; }));
}

}  // namespace hb::base
