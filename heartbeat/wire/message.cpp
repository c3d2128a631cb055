// SPDX-License-Identifier: GPL-2.0-or-later
// Message model operations.
#include "wire/message.hpp"

#include <algorithm>

namespace hb::wire {

void Message::add(std::string name, std::string value, FieldType type)
{
    fields_.push_back(Field{std::move(name), type, std::move(value)});
}

void Message::set(std::string_view name, std::string value, FieldType type)
{
    for (Field& f : fields_) {
        if (f.name == name) {
            f.value = std::move(value);
            f.type = type;
            return;
        }
    }
    add(std::string(name), std::move(value), type);
}

std::size_t Message::remove(std::string_view name)
{
    const auto before = fields_.size();
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                                 [&](const Field& f) { return f.name == name; }),
                  fields_.end());
    return before - fields_.size();
}

const Field* Message::find(std::string_view name) const
{
    for (const Field& f : fields_) {
        if (f.name == name) {
            return &f;
        }
    }
    return nullptr;
}

std::optional<std::string_view> Message::get(std::string_view name) const
{
    const Field* f = find(name);
    if (f == nullptr) {
        return std::nullopt;
    }
    return std::string_view(f->value);
}

std::optional<std::uint64_t> Message::get_hex(std::string_view name) const
{
    const auto v = get(name);
    return v ? parse_hex(*v) : std::nullopt;
}

std::optional<std::uint64_t> Message::get_decimal(std::string_view name) const
{
    const auto v = get(name);
    return v ? parse_decimal(*v) : std::nullopt;
}

std::string to_hex(std::uint64_t value)
{
    static constexpr char digits[] = "0123456789abcdef";
    if (value == 0) {
        return "0";
    }
    std::string out;
    while (value != 0) {
        out.insert(out.begin(), digits[value & 0xfU]);
        value >>= 4U;
    }
    return out;
}

std::optional<std::uint64_t> parse_hex(std::string_view text)
{
    if (text.empty() || text.size() > 16) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        unsigned digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<unsigned>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<unsigned>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            digit = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        value = (value << 4U) | digit;
    }
    return value;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text)
{
    if (text.empty() || text.size() > 19) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

}  // namespace hb::wire
