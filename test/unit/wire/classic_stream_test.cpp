// SPDX-License-Identifier: GPL-2.0-or-later
// The FIFO's stream of classic blocks: any split, junk between blocks, oversize input.
#include <catch2/catch.hpp>

#include <string>

#include "wire/classic_stream.hpp"

using hb::wire::ClassicStream;

namespace {
// What /usr/share/heartbeat/hb_standby writes through ha_clustermsg.
const std::string standby = ">>>\nt=ask_resources\nrsc_hold=all\ninfo=me\n<<<\n";
}  // namespace

TEST_CASE("a block becomes a message, however the bytes are split", "[wire][fifo]")
{
    for (std::size_t chunk = 1; chunk <= standby.size(); ++chunk) {
        INFO("chunks of " << chunk);
        ClassicStream s;
        for (std::size_t i = 0; i < standby.size(); i += chunk) {
            s.feed(std::string_view(standby).substr(i, chunk));
        }
        const auto out = s.take();
        REQUIRE(out.size() == 1);
        CHECK(out[0].get("t") == std::optional<std::string_view>("ask_resources"));
        CHECK(out[0].get("rsc_hold") == std::optional<std::string_view>("all"));
        CHECK(out[0].get("info") == std::optional<std::string_view>("me"));
        CHECK(s.rejected() == 0);
    }
}

TEST_CASE("text outside blocks is ignored; an unterminated block is dropped", "[wire][fifo]")
{
    ClassicStream s;
    s.feed("hello\nt=nothing\n>>>\nt=lost\n" + standby + "trailing junk\n" + standby);
    const auto out = s.take();
    REQUIRE(out.size() == 2);
    CHECK(out[0].get("t") == std::optional<std::string_view>("ask_resources"));
    CHECK(s.rejected() == 1);
    CHECK(s.take().empty());
}

TEST_CASE("an oversize line or block is dropped and the stream recovers", "[wire][fifo]")
{
    ClassicStream s(256);
    s.feed(">>>\nt=big\nx=" + std::string(10'000, 'a') + "\n<<<\n");
    s.feed(">>>\nt=many\n");
    for (int i = 0; i < 100; ++i) {
        s.feed("f" + std::to_string(i) + "=v\n");
    }
    s.feed("<<<\n");
    s.feed(std::string(100'000, 'z'));  // no newline at all
    s.feed("\n" + standby);
    const auto out = s.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].get("t") == std::optional<std::string_view>("ask_resources"));
    CHECK(s.rejected() == 2);
}

TEST_CASE("a block that does not decode is counted, not returned", "[wire][fifo]")
{
    ClassicStream s;
    s.feed(">>>\nno equals sign here\n<<<\n" + standby);
    CHECK(s.take().size() == 1);
    CHECK(s.rejected() == 1);
}
