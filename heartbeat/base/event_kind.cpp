// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/event_kind.hpp"

#include <array>

namespace hb::base {

namespace {

/// Each kind's name, and its journal MESSAGE_ID (fixed: `journalctl MESSAGE_ID=...` finds
/// every event of a kind, whatever its text).
struct KindRow {
    EventKind kind;
    std::string_view name;
    std::string_view message_id;
};
constexpr std::array<KindRow, 11> kind_names{{
    {EventKind::daemon_start, "daemon_start", "1e325061446642b3ab6ad46197bdff77"},
    {EventKind::daemon_stop, "daemon_stop", "449625da50c54e71844be0df3ffb7791"},
    {EventKind::node_status, "node_status", "6726551d64544d1fa144c8d0d0ebe08d"},
    {EventKind::link_status, "link_status", "c7850a508754483da0ef499c02de62c5"},
    {EventKind::group_acquired, "group_acquired", "58f6d13aac174c4c838732ba079d3cb6"},
    {EventKind::group_released, "group_released", "ec2626a3f5c445d8b433d7a8c41a9360"},
    {EventKind::group_failed, "group_failed", "d4c22a8686d3432482d25260ddb28056"},
    {EventKind::partition_healed, "partition_healed", "157c9e75007d4b7491920e5a8789f1f8"},
    {EventKind::request, "request", "fa431c8c8eee41b98725aa4b350a6281"},
    {EventKind::reload, "reload", "35342b1f60c44f09bdbb6b91ce5c630b"},
    {EventKind::bad_packets, "bad_packets", "f464ceb2926c441ba2a8a6016ba1a1b2"},
}};

const KindRow* row_of(EventKind kind)
{
    for (const KindRow& row : kind_names) {
        if (row.kind == kind) {
            return &row;
        }
    }
    return nullptr;
}

}  // namespace

std::string_view to_string(EventKind kind)
{
    const KindRow* row = row_of(kind);
    return row != nullptr ? row->name : "unknown";
}

std::string_view message_id(EventKind kind)
{
    const KindRow* row = row_of(kind);
    return row != nullptr ? row->message_id : std::string_view{};
}

std::optional<EventKind> event_kind_from(std::string_view text)
{
    for (const KindRow& row : kind_names) {
        if (row.name == text) {
            return row.kind;
        }
    }
    return std::nullopt;
}

}  // namespace hb::base
