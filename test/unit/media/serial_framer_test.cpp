// SPDX-License-Identifier: GPL-2.0-or-later
// SerialFramer: the datagrams of a tty's byte stream, as 3.0.6's serial plugin reads them —
// split anywhere, noise between frames skipped, a restarted frame and an oversized one
// dropped, and nothing kept beyond the limit.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "media/serial_medium.hpp"

using hb::media::SerialFramer;
using Frames = std::vector<std::string>;

TEST_CASE("serial framer: frames split anywhere come out whole", "[media][serial]")
{
    const std::string frame = ">>>\nt=status\nst=active\nauth=1 abc\n<<<\n";
    const std::string stream = "line noise\n" + frame + "\n\n" + frame;
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        SerialFramer f;
        f.feed(std::string_view(stream).substr(0, cut));
        f.feed(std::string_view(stream).substr(cut));
        INFO("cut at " << cut);
        REQUIRE(f.take() == Frames{frame, frame});
    }
}

TEST_CASE("serial framer: a restarted or oversized frame is dropped", "[media][serial]")
{
    SerialFramer f(64);
    f.feed(">>>\nt=cut short\n>>>\nt=whole\n<<<\n");
    CHECK(f.take() == Frames{">>>\nt=whole\n<<<\n"});
    CHECK(f.rejected() == 1);
    f.feed(">>>\n" + std::string(100, 'x') + "\n<<<\n>>>\nt=next\n<<<\n");
    CHECK(f.take() == Frames{">>>\nt=next\n<<<\n"});
    CHECK(f.rejected() == 2);
    // A line with no end is not kept past the limit.
    f.feed(std::string(100000, 'y'));
    f.feed("\n>>>\nt=after\n<<<\n");
    CHECK(f.take() == Frames{">>>\nt=after\n<<<\n"});
}
