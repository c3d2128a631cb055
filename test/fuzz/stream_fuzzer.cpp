// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the byte streams that carry classic `>>>`…`<<<` blocks — heartbeat's
// FIFO (any root script writes into it) and the serial medium — and the API socket's frame
// decoder. The input is the stream, cut into reads of lengths the input also chooses.
// Properties: no crash; what comes out does not depend on where the reads were cut; every
// message taken survives a re-encoding (classic when it can carry it, else netstring).
#include <cstdint>
#include <string>
#include <vector>

#include "api/ipc_frame.hpp"
#include "fuzz_support.hpp"
#include "wire/classic_stream.hpp"
#include "wire/codec.hpp"

namespace {

using namespace hb;

std::vector<wire::Message> classic_messages(FuzzedDataProvider* cuts, std::string_view bytes,
                                            std::size_t max_block, std::size_t& rejected)
{
    wire::ClassicStream stream(max_block);
    std::vector<wire::Message> out;
    fuzz::feed_in_pieces(cuts, bytes, [&](std::string_view piece) {
        stream.feed(piece);
        for (auto& m : stream.take()) {
            out.push_back(std::move(m));
        }
    });
    rejected = stream.rejected();
    return out;
}

std::vector<std::string> frame_bodies(FuzzedDataProvider* cuts, std::string_view bytes)
{
    api::FrameDecoder frames(4096);
    std::vector<std::string> out;
    bool ended = false;  // the daemon closes the connection at the first error
    fuzz::feed_in_pieces(cuts, bytes, [&](std::string_view piece) {
        if (ended) {
            return;
        }
        frames.feed(piece);
        for (;;) {
            auto next = frames.next();
            if (!next.ok()) {
                out.push_back("error: " + std::string(api::to_string(next.error())));
                ended = true;
                return;
            }
            if (!next.value()) {
                return;
            }
            const auto body = api::decode_body(*next.value());
            out.push_back(body.ok() ? wire::encode_classic(body.value()) : "bad body");
        }
    });
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    const bool frames = in.ConsumeBool();
    const auto max_block = in.ConsumeIntegralInRange<std::size_t>(16, 1024);
    const std::string bytes = in.ConsumeRandomLengthString(8192);
    // The cuts come from the rest of the input; the second pass reads it whole.
    const std::string rest = in.ConsumeRemainingBytesAsString();
    FuzzedDataProvider cuts(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());

    if (frames) {
        HB_FUZZ_CHECK(frame_bodies(&cuts, bytes) == frame_bodies(nullptr, bytes));
        return 0;
    }
    std::size_t rejected_cut = 0;
    std::size_t rejected_whole = 0;
    const auto cut = classic_messages(&cuts, bytes, max_block, rejected_cut);
    const auto once = classic_messages(nullptr, bytes, max_block, rejected_whole);
    HB_FUZZ_CHECK(cut == once);
    HB_FUZZ_CHECK(rejected_cut == rejected_whole);
    for (const auto& m : once) {
        // What classic text cannot carry (a name like `(1)x` written after a type) goes on
        // as netstring, to the API's clients as to the cluster.
        if (wire::classic_can_carry(m)) {
            std::size_t rejected = 0;
            const auto again =
                classic_messages(nullptr, wire::encode_classic(m), 1 << 20, rejected);
            HB_FUZZ_CHECK(again.size() == 1 && again[0] == m);
        } else {
            const auto again = wire::decode(wire::encode_netstring(m));
            HB_FUZZ_CHECK(again.ok() && again.value().message == m);
        }
    }
    return 0;
}
