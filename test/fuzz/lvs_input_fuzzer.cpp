// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: what the LVS side reads that it did not write itself in this process —
// a real server's answer to HTTP_GET (any web server, or anything listening on its port),
// and the runtime state file read back by a later `status`, `stop` or `show`.
// Properties: no crash; the HTTP verdict does not depend on how the answer was split into
// reads; a state file that parses formats back to text that parses to the same state.
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "lvs/checker.hpp"
#include "lvs/http_probe.hpp"
#include "lvs/runtime_state.hpp"

namespace {

using namespace hb;

lvs::Check http_check(FuzzedDataProvider& in)
{
    lvs::Check check;
    check.kind = lvs::CheckKind::http;
    check.status = {200};
    if (in.ConsumeBool()) {
        check.status.push_back(in.ConsumeIntegralInRange<int>(100, 599));
    }
    if (in.ConsumeBool()) {
        check.digest = "d41d8cd98f00b204e9800998ecf8427e";  // MD5 of the empty body
    }
    return check;
}

/// The verdict on `answer`, read in pieces `cuts` chooses (one piece when null).
std::string verdict(const lvs::Check& check, std::string_view answer, FuzzedDataProvider* cuts)
{
    lvs::HttpAnswerReader reader(check);
    std::optional<lvs::ProbeOutcome> outcome;
    const auto take = [&](std::string_view piece) {
        if (!outcome) {
            outcome = reader.feed(piece);
        }
    };
    fuzz::feed_in_pieces(cuts, answer, take);
    if (!outcome) {
        outcome = reader.end_of_stream();
    }
    return std::to_string(static_cast<int>(outcome->result)) + " " +
           std::to_string(outcome->http_status) + " " + lvs::describe(*outcome, check);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    if (in.ConsumeBool()) {
        const lvs::Check check = http_check(in);
        const std::string answer = in.ConsumeRandomLengthString(20000);
        const std::string rest = in.ConsumeRemainingBytesAsString();
        FuzzedDataProvider cuts(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
        HB_FUZZ_CHECK(verdict(check, answer, &cuts) == verdict(check, answer, nullptr));
        return 0;
    }
    const std::string text = in.ConsumeRemainingBytesAsString();
    const auto state = lvs::parse_state(text);
    if (state) {
        const std::string once = lvs::format_state(*state);
        const auto again = lvs::parse_state(once);
        HB_FUZZ_CHECK(again.has_value());
        HB_FUZZ_CHECK(lvs::format_state(*again) == once);
    }
    return 0;
}
