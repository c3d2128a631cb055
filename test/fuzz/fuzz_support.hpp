// SPDX-License-Identifier: GPL-2.0-or-later
// What the structure-aware fuzz targets share: turning fuzz bytes into the pieces our
// decoders see (a stream cut at arbitrary points, a message built from known field names
// with mutated values), and the one way a target reports a broken property. The byte
// decoding comes from clang's FuzzedDataProvider, so libFuzzer's mutations of the input
// become mutations of the structure (which field, which value, where a read splits).
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "wire/message.hpp"

namespace hb::fuzz {

/// A property every input must keep is broken: say which, then crash so libFuzzer keeps
/// the input (and ctest's smoke run fails).
[[noreturn]] inline void broken(const char* what)
{
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
}

#define HB_FUZZ_CHECK(condition)            \
    do {                                    \
        if (!(condition)) {                 \
            ::hb::fuzz::broken(#condition); \
        }                                   \
    } while (false)

/// One of `choices`, picked by the input.
inline std::string_view pick(FuzzedDataProvider& in,
                             std::initializer_list<std::string_view> choices)
{
    const auto i = in.ConsumeIntegralInRange<std::size_t>(0, choices.size() - 1);
    return *(choices.begin() + static_cast<std::ptrdiff_t>(i));
}

/// A value for a field: mostly one the protocol uses (so the code under test gets past its
/// first checks), sometimes bytes from the input.
inline std::string value(FuzzedDataProvider& in, std::initializer_list<std::string_view> usual)
{
    if (usual.size() > 0 && in.ConsumeIntegralInRange<int>(0, 3) != 0) {
        return std::string(pick(in, usual));
    }
    return in.ConsumeRandomLengthString(48);
}

/// Feeds `bytes` to `sink` in pieces whose lengths the input chooses, as reads from a
/// socket or a FIFO would split them.
template <typename Sink>
void feed_in_pieces(FuzzedDataProvider& in, std::string_view bytes, Sink&& sink)
{
    while (!bytes.empty()) {
        const auto n = in.ConsumeIntegralInRange<std::size_t>(1, bytes.size());
        sink(bytes.substr(0, n));
        bytes.remove_prefix(n);
    }
}

/// The same, cut where `cuts` says, or in one piece when `cuts` is null (the reference a
/// cut reading is compared with).
template <typename Sink>
void feed_in_pieces(FuzzedDataProvider* cuts, std::string_view bytes, Sink&& sink)
{
    if (cuts == nullptr) {
        sink(bytes);
    } else {
        feed_in_pieces(*cuts, bytes, sink);
    }
}

/// A copy of `message` with one mutation the input chooses: a field's value replaced, a
/// field dropped, duplicated or moved, or a field of a known name added.
inline wire::Message mutate(FuzzedDataProvider& in, const wire::Message& message,
                            std::initializer_list<std::string_view> names)
{
    std::vector<wire::Field> fields = message.fields();
    const auto at = [&]() {
        return in.ConsumeIntegralInRange<std::size_t>(0, fields.empty() ? 0 : fields.size() - 1);
    };
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
        if (!fields.empty()) {
            fields[at()].value = in.ConsumeRandomLengthString(48);
        }
        break;
    case 1:
        if (!fields.empty()) {
            fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(at()));
        }
        break;
    case 2:
        if (!fields.empty()) {
            const wire::Field copy = fields[at()];
            fields.push_back(copy);
        }
        break;
    case 3:
        if (fields.size() > 1) {
            const std::size_t from = at();
            const wire::Field moved = fields[from];
            fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(from));
            fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(at()), moved);
        }
        break;
    default:
        fields.push_back({std::string(pick(in, names)), wire::FieldType::string,
                          in.ConsumeRandomLengthString(48)});
        break;
    }
    wire::Message out;
    for (auto& f : fields) {
        out.add(std::move(f.name), std::move(f.value), f.type);
    }
    return out;
}

}  // namespace hb::fuzz
