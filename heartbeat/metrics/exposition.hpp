// SPDX-License-Identifier: GPL-2.0-or-later
// The Prometheus text exposition format (version 0.0.4), written from values the caller
// hands in: one family after the other, each with its # HELP and # TYPE lines first and all
// its samples together, label values escaped, histograms as cumulative _bucket lines with
// le="+Inf", _sum and _count. No clock and no IO here: the daemon renders a page into a
// string and writes it to a textfile or an HTTP answer.
//
// A family must be declared before its samples, and a name is declared once; a sample of an
// undeclared family, a bad metric or label name, a label given twice, or a histogram whose
// bounds do not rise is a programming error (assert), never output that promtool would
// refuse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hb::metrics {

enum class Type { counter, gauge, histogram };

/// Label names and values of one sample, in the order written.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

/// Counts of observations at or below each upper bound (seconds, bytes, ...), as Prometheus
/// histograms count them; the +Inf bucket is `count`.
class Histogram {
public:
    /// `bounds` must rise strictly.
    explicit Histogram(std::vector<double> bounds);
    void observe(double value);

    const std::vector<double>& bounds() const { return bounds_; }
    /// Observations at or below bounds()[i] (cumulative).
    std::uint64_t cumulative(std::size_t i) const;
    std::uint64_t count() const { return count_; }
    double sum() const { return sum_; }

private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> in_bucket_;  ///< per bound, not cumulative
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

/// True for a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).
bool valid_metric_name(std::string_view name);
/// True for a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not beginning with __).
bool valid_label_name(std::string_view name);
/// A sample value as the format writes it: integers without a fraction, +Inf, -Inf, NaN.
std::string format_value(double value);

/// One page of metrics.
class Exposition {
public:
    /// Declares family `name`; its samples follow.
    void family(std::string_view name, Type type, std::string_view help);
    /// A counter's or gauge's sample of the family declared last.
    void sample(const Labels& labels, double value);
    /// A histogram's samples (of the family declared last, a histogram).
    void sample(const Labels& labels, const Histogram& histogram);
    /// The page so far.
    const std::string& text() const { return text_; }

private:
    void line(std::string_view suffix, const Labels& labels, std::string_view extra_name,
              const std::string& extra_value, double value);

    std::string text_;
    std::vector<std::string> declared_;
    std::string current_;
    Type current_type_ = Type::gauge;
};

}  // namespace hb::metrics
