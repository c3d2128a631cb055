// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/assert.hpp"

namespace hb::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      in_bucket_(bounds_.size(), 0)
{
    HB_ASSERT(std::adjacent_find(bounds_.begin(), bounds_.end(),
                                 [](double a, double b) { return !(a < b); }) == bounds_.end());
}

void Histogram::observe(double value)
{
    const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    if (at != bounds_.end()) {
        ++in_bucket_[static_cast<std::size_t>(at - bounds_.begin())];
    }
    ++count_;
    sum_ += value;
}

std::uint64_t Histogram::cumulative(std::size_t i) const
{
    std::uint64_t n = 0;
    for (std::size_t k = 0; k <= i && k < in_bucket_.size(); ++k) {
        n += in_bucket_[k];
    }
    return n;
}

namespace {

bool name_char(char c, bool first, bool colon)
{
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return alpha || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon)
{
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, colon)) {
            return false;
        }
    }
    return true;
}

/// Label values escape backslash, double quote and newline; HELP text only the first and
/// the last.
void append_escaped(std::string& out, std::string_view text, bool quote)
{
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

std::string_view type_name(Type type)
{
    switch (type) {
    case Type::counter: return "counter";
    case Type::gauge: return "gauge";
    case Type::histogram: return "histogram";
    }
    return "untyped";
}

}  // namespace

bool valid_metric_name(std::string_view name)
{
    return valid_name(name, true);
}

bool valid_label_name(std::string_view name)
{
    return valid_name(name, false) && name.substr(0, 2) != "__";
}

std::string format_value(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    // Counts are integers: written without a fraction or an exponent up to 2^53.
    if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
        return std::to_string(static_cast<long long>(value));
    }
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, r.ptr);
}

void Exposition::family(std::string_view name, Type type, std::string_view help)
{
    HB_ASSERT(valid_metric_name(name));
    HB_ASSERT(std::find(declared_.begin(), declared_.end(), name) == declared_.end());
    declared_.emplace_back(name);
    current_ = name;
    current_type_ = type;
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    append_escaped(text_, help, false);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type_name(type);
    text_ += '\n';
}

void Exposition::line(std::string_view suffix, const Labels& labels, std::string_view extra_name,
                      const std::string& extra_value, double value)
{
    text_ += current_;
    text_ += suffix;
    if (!labels.empty() || !extra_name.empty()) {
        text_ += '{';
        bool first = true;
        const auto label = [&](std::string_view n, std::string_view v) {
            text_ += first ? "" : ",";
            first = false;
            text_ += n;
            text_ += "=\"";
            append_escaped(text_, v, true);
            text_ += '"';
        };
        for (const auto& [n, v] : labels) {
            label(n, v);
        }
        if (!extra_name.empty()) {
            label(extra_name, extra_value);
        }
        text_ += '}';
    }
    text_ += ' ';
    text_ += format_value(value);
    text_ += '\n';
}

namespace {

void check_labels(const Labels& labels, std::string_view reserved)
{
    for (std::size_t i = 0; i < labels.size(); ++i) {
        HB_ASSERT(valid_label_name(labels[i].first) && labels[i].first != reserved);
        for (std::size_t k = 0; k < i; ++k) {
            HB_ASSERT(labels[k].first != labels[i].first);
        }
    }
}

}  // namespace

void Exposition::sample(const Labels& labels, double value)
{
    HB_ASSERT(!current_.empty() && current_type_ != Type::histogram);
    check_labels(labels, {});
    line({}, labels, {}, {}, value);
}

void Exposition::sample(const Labels& labels, const Histogram& histogram)
{
    HB_ASSERT(!current_.empty() && current_type_ == Type::histogram);
    check_labels(labels, "le");
    for (std::size_t i = 0; i < histogram.bounds().size(); ++i) {
        line("_bucket", labels, "le", format_value(histogram.bounds()[i]),
             static_cast<double>(histogram.cumulative(i)));
    }
    line("_bucket", labels, "le", "+Inf", static_cast<double>(histogram.count()));
    line("_sum", labels, {}, {}, histogram.sum());
    line("_count", labels, {}, {}, static_cast<double>(histogram.count()));
}

}  // namespace hb::metrics
