// SPDX-License-Identifier: GPL-2.0-or-later
// The API socket's framing: the exact bytes 3.0.6's cl_status sends, every split of a
// byte stream, and the stream errors that must end a connection.
#include <catch2/catch.hpp>

#include "api/ipc_frame.hpp"

using namespace hb;

namespace {

std::string le32(std::uint32_t v)
{
    std::string s;
    for (int i = 0; i < 4; ++i) {
        s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    return s;
}

// Captured from Debian's cl_status (strace of its sendto) signing on as pid 8267.
const std::string signon_text =
    ">>>\nt=hbapi-req\nreqtype=signon\ndest=lvs-01\npid=8267\nfrom_id=8267\nuid=0\ngid=105\n<<<\n";

}  // namespace

TEST_CASE("a frame is length, magic 0xabcd, classic text and NUL", "[api][frame]")
{
    wire::Message m;
    for (const auto& [k, v] :
         std::vector<std::pair<std::string, std::string>>{{"t", "hbapi-req"},
                                                          {"reqtype", "signon"},
                                                          {"dest", "lvs-01"},
                                                          {"pid", "8267"},
                                                          {"from_id", "8267"},
                                                          {"uid", "0"},
                                                          {"gid", "105"}}) {
        m.add(k, v);
    }
    const std::string frame = api::encode_frame(m);
    CHECK(frame == le32(0x54) + le32(0xabcd) + signon_text + std::string(1, '\0'));
}

TEST_CASE("a message classic text cannot carry goes as netstring, and arrives whole",
          "[api][frame]")
{
    // A value relayed from the cluster (netstring on the wire carries any byte): in classic
    // text its newline would end the field and start one the sender chose.
    wire::Message m;
    m.add("t", "hbapi-clmsg");
    m.add("info", "x\nt=status");
    const std::string frame = api::encode_frame(m);
    const std::string_view body = std::string_view(frame).substr(api::frame_header_size);
    CHECK(body.starts_with("###\n"));
    const auto back = api::decode_body(body);
    REQUIRE(back.ok());
    CHECK(back.value() == m);
    CHECK(back.value().size() == 2);

    wire::Message plain;
    plain.add("t", "status");
    plain.add("digest", "\x01\x02", wire::FieldType::binary);
    CHECK(wire::classic_can_carry(plain));
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"info", std::string("a\0b", 3)}, {"(1)x", "y"}, {"a\nb", "c"}}) {
        wire::Message odd;
        odd.add(name, value);
        INFO(name);
        CHECK_FALSE(wire::classic_can_carry(odd));
        CHECK(api::decode_body(api::encode_frame(odd).substr(api::frame_header_size)).value() ==
              odd);
    }
    wire::Message eq;  // no form carries `=` in a name: every decoder splits there
    eq.add("a=b", "c");
    CHECK_FALSE(wire::classic_can_carry(eq));
}

TEST_CASE("frames are found at any split of the stream", "[api][frame]")
{
    const std::string one = le32(static_cast<std::uint32_t>(signon_text.size() + 1)) +
                            le32(0xabcd) + signon_text + std::string(1, '\0');
    const std::string stream = one + one + one;
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        api::FrameDecoder d;
        int bodies = 0;
        for (std::size_t at = 0; at < stream.size(); at += step) {
            d.feed(std::string_view(stream).substr(at, step));
            for (;;) {
                auto next = d.next();
                REQUIRE(next.ok());
                if (!next.value()) {
                    break;
                }
                ++bodies;
                auto m = api::decode_body(*next.value());
                REQUIRE(m.ok());
                CHECK(m.value().get("reqtype") == "signon");
            }
        }
        CHECK(bodies == 3);
        CHECK(d.buffered() == 0);
    }
}

TEST_CASE("a bad magic, an empty or an oversized frame ends the stream", "[api][frame]")
{
    const auto first_error = [](const std::string& bytes) {
        api::FrameDecoder d;
        d.feed(bytes);
        auto next = d.next();
        REQUIRE_FALSE(next.ok());
        // Once failed, always failed: later bytes cannot resynchronise the stream.
        d.feed(le32(4) + le32(0xabcd) + "abc");
        CHECK_FALSE(d.next().ok());
        return next.error();
    };
    CHECK(first_error(le32(5) + le32(0xdead) + "hello") == api::FrameError::bad_magic);
    CHECK(first_error(le32(0) + le32(0xabcd)) == api::FrameError::empty);
    CHECK(first_error(le32(0x7fffffff) + le32(0xabcd)) == api::FrameError::too_large);
    CHECK(first_error(le32(0xffffffff) + le32(0xabcd)) == api::FrameError::too_large);
    CHECK(first_error(le32(api::max_frame_body + 1) + le32(0xabcd)) == api::FrameError::too_large);
}

TEST_CASE("a body that is not a message is reported, not thrown", "[api][frame]")
{
    CHECK_FALSE(api::decode_body(std::string("garbage\0", 8)).ok());
    CHECK_FALSE(api::decode_body(">>>\nno equals sign\n<<<\n").ok());
    CHECK(api::decode_body(">>>\nt=x\n<<<\n").ok());  // the NUL is optional
}
