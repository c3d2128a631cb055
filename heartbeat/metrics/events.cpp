// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics/events.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::metrics {

Event make_event(EventKind kind, std::string text, std::string node, std::string detail,
                 std::string group)
{
    Event e;
    e.kind = kind;
    e.text = std::move(text);
    e.node = std::move(node);
    e.detail = std::move(detail);
    e.group = std::move(group);
    return e;
}

std::string event_line(const Event& e)
{
    nlohmann::ordered_json j;
    j["ms"] = e.unix_ms;
    j["kind"] = to_string(e.kind);
    if (!e.node.empty()) {
        j["node"] = e.node;
    }
    if (!e.group.empty()) {
        j["group"] = e.group;
    }
    if (!e.detail.empty()) {
        j["detail"] = e.detail;
    }
    if (e.took_ms) {
        j["took_ms"] = *e.took_ms;
    }
    j["text"] = e.text;
    // A name in haresources could hold any byte: replaced, never an exception.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Event> parse_event_line(std::string_view line)
{
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return std::nullopt;
    }
    const auto string_of = [&](const char* key) -> std::optional<std::string> {
        const auto it = j.find(key);
        if (it == j.end()) {
            return std::string();
        }
        if (!it->is_string()) {
            return std::nullopt;
        }
        return it->get<std::string>();
    };
    const auto ms = j.find("ms");
    const auto kind = string_of("kind");
    if (ms == j.end() || !ms->is_number_integer() || !kind) {
        return std::nullopt;
    }
    Event e;
    e.unix_ms = ms->get<std::int64_t>();
    const auto k = event_kind_from(*kind);
    const auto node = string_of("node");
    const auto group = string_of("group");
    const auto detail = string_of("detail");
    const auto text = string_of("text");
    if (!k || !node || !group || !detail || !text) {
        return std::nullopt;
    }
    e.kind = *k;
    e.node = *node;
    e.group = *group;
    e.detail = *detail;
    e.text = *text;
    if (const auto took = j.find("took_ms"); took != j.end()) {
        if (!took->is_number_integer()) {
            return std::nullopt;
        }
        e.took_ms = took->get<std::int64_t>();
    }
    return e;
}

std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms)
{
    // Relative: digits and one unit.
    if (!text.empty() && text.find_first_not_of("0123456789") == text.size() - 1 &&
        text.size() >= 2) {
        const auto n = base::parse_integer(text.substr(0, text.size() - 1), 0, 1'000'000);
        std::int64_t unit = 0;
        switch (text.back()) {
        case 's': unit = 1000; break;
        case 'm': unit = 60'000; break;
        case 'h': unit = 3'600'000; break;
        case 'd': unit = 86'400'000; break;
        default: return std::nullopt;
        }
        if (!n) {
            return std::nullopt;
        }
        return now_ms - *n * unit;
    }
    // Absolute, local time: YYYY-MM-DD HH:MM[:SS].
    std::tm tm{};
    const std::string copy(text);
    const char* end = ::strptime(copy.c_str(), "%Y-%m-%d %H:%M", &tm);
    if (end == nullptr) {
        return std::nullopt;
    }
    if (*end == ':') {
        end = ::strptime(end + 1, "%S", &tm);
        if (end == nullptr) {
            return std::nullopt;
        }
    }
    if (*end != '\0') {
        return std::nullopt;
    }
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(t) * 1000;
}

std::string format_event(const Event& event, std::optional<std::int64_t> previous_ms)
{
    const std::time_t seconds = static_cast<std::time_t>(event.unix_ms / 1000);
    std::tm tm{};
    char stamp[32] = "";
    if (::localtime_r(&seconds, &tm) != nullptr) {
        std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    }
    char line[64];
    std::snprintf(line, sizeof line, "%s.%03d", stamp, static_cast<int>(event.unix_ms % 1000));
    std::string out = line;
    if (previous_ms) {
        const double delta = static_cast<double>(event.unix_ms - *previous_ms) / 1000.0;
        std::snprintf(line, sizeof line, "  %+10.3f s  ", delta);
        out += line;
    } else {
        out += std::string(16, ' ');
    }
    return out + event.text;
}

void EventLog::restore(std::string_view file_text)
{
    for (const std::string_view line : base::split_lines(file_text)) {
        if (auto e = parse_event_line(line)) {
            events_.push_back(std::move(*e));
            if (events_.size() > capacity_) {
                events_.pop_front();
            }
        }
        ++file_lines_;
    }
}

std::string EventLog::add(Event event)
{
    std::string line = event_line(event) + "\n";
    events_.push_back(std::move(event));
    if (events_.size() > capacity_) {
        events_.pop_front();
    }
    ++file_lines_;
    return line;
}

std::string EventLog::text() const
{
    std::string out;
    for (const Event& e : events_) {
        out += event_line(e) + "\n";
    }
    return out;
}

}  // namespace hb::metrics
