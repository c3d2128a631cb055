// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics/watch_view.hpp"

#include <cstdio>
#include <ctime>

namespace hb::metrics {

std::string format_age(std::int64_t ms)
{
    const std::int64_t s = ms < 0 ? 0 : ms / 1000;
    char out[32];
    if (s < 60) {
        std::snprintf(out, sizeof out, "%llds", static_cast<long long>(s));
    } else if (s < 3600) {
        std::snprintf(out, sizeof out, "%lldm%02llds", static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    } else if (s < 86400) {
        std::snprintf(out, sizeof out, "%lldh%02lldm", static_cast<long long>(s / 3600),
                      static_cast<long long>(s % 3600 / 60));
    } else {
        std::snprintf(out, sizeof out, "%lldd%02lldh", static_cast<long long>(s / 86400),
                      static_cast<long long>(s % 86400 / 3600));
    }
    return out;
}

namespace {

/// When the newest event of `kind` about `node` (and `detail`, when given) happened.
std::optional<std::int64_t> since(const std::vector<Event>& history, EventKind kind,
                                  const std::string& node, const std::string* detail)
{
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        if (it->kind == kind && it->node == node && (detail == nullptr || it->detail == *detail)) {
            return it->unix_ms;
        }
    }
    return std::nullopt;
}

std::string age_note(const WatchSnapshot& s, std::optional<std::int64_t> at)
{
    return at ? "for " + format_age(s.now_ms - *at) : std::string();
}

/// `heard 0.4s ago` (tenths below ten seconds), or nothing when never heard.
std::string heard_note(std::optional<std::int64_t> ms)
{
    if (!ms) {
        return {};
    }
    if (*ms < 10000) {
        char text[32];
        std::snprintf(text, sizeof text, "heard %lld.%llds ago", static_cast<long long>(*ms / 1000),
                      static_cast<long long>(*ms % 1000 / 100));
        return text;
    }
    return "heard " + format_age(*ms) + " ago";
}

/// `text` without the blanks a column left at its end, and a newline.
std::string row(const char* text)
{
    std::string out(text);
    out.erase(out.find_last_not_of(' ') + 1);
    return out + "\n";
}

}  // namespace

std::string render_watch(const WatchSnapshot& s)
{
    std::string out;
    char line[512];
    const std::time_t now = static_cast<std::time_t>(s.now_ms / 1000);
    std::tm tm{};
    char stamp[32] = "";
    if (::localtime_r(&now, &tm) != nullptr) {
        std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    }
    out += std::string("heartbeat  ") + stamp + "   (q quits)\n\n";
    if (s.unreachable) {
        out += "heartbeat cannot be asked: " + *s.unreachable + "\n";
    } else {
        out += "resources held here: " + s.held + "\n\nnodes\n";
        for (const WatchNode& n : s.nodes) {
            std::snprintf(
                line, sizeof line, "  %-16s %-7s %-8s %s", n.name.c_str(), n.type.c_str(),
                n.status.c_str(),
                age_note(s, since(s.history, EventKind::node_status, n.name, nullptr)).c_str());
            out += row(line);
            for (const WatchLink& l : n.links) {
                std::snprintf(
                    line, sizeof line, "    link %-11s %-8s %-12s %s", l.name.c_str(),
                    l.status.c_str(),
                    age_note(s, since(s.history, EventKind::link_status, n.name, &l.name)).c_str(),
                    heard_note(l.heard_ms_ago).c_str());
                out += row(line);
            }
        }
    }
    out += "\nrecent events\n";
    const std::size_t first = s.history.size() > s.recent ? s.history.size() - s.recent : 0;
    std::optional<std::int64_t> previous;
    for (std::size_t i = first; i < s.history.size(); ++i) {
        out += "  " + format_event(s.history[i], previous) + "\n";
        previous = s.history[i].unix_ms;
    }
    if (first == s.history.size()) {
        out += "  (none)\n";
    }
    return out;
}

}  // namespace hb::metrics
