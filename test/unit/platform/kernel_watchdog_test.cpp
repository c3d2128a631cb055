// SPDX-License-Identifier: GPL-2.0-or-later
// KernelWatchdog against a FIFO standing in for /dev/watchdog: a byte at open and at each
// tickle, 'V' and the close at a clean stop; nothing at all without a reader (the open fails
// and heartbeat runs without it, as 3.0.6 does).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "platform/kernel_watchdog.hpp"

namespace {

std::string fifo_path()
{
    char dir[] = "/tmp/hb-watchdog-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/watchdog";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
}

std::string drain(int fd)
{
    std::string out;
    char buf[64];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

TEST_CASE("watchdog: a byte per heartbeat, then the magic close", "[platform][watchdog]")
{
    const std::string path = fifo_path();
    const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    REQUIRE(reader >= 0);
    auto w = hb::platform::KernelWatchdog::open(path, std::chrono::milliseconds(3000));
    REQUIRE(w);
    w->tickle();
    w->tickle();
    CHECK(drain(reader) == std::string(3, '\0'));  // at open, then twice
    w->disarm();
    CHECK(drain(reader) == "V");
    // Closed: a read now sees the end of the stream, not "try again".
    char c = 0;
    CHECK(::read(reader, &c, 1) == 0);
    w->tickle();  // after the close: nothing more is written
    ::close(reader);
    ::unlink(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
}

TEST_CASE("watchdog: a device that cannot be opened leaves heartbeat without one",
          "[platform][watchdog]")
{
    const std::string path = fifo_path();  // no reader: a FIFO cannot be opened to write
    CHECK_FALSE(hb::platform::KernelWatchdog::open(path, std::chrono::milliseconds(3000)));
    CHECK_FALSE(
        hb::platform::KernelWatchdog::open(path + ".missing", std::chrono::milliseconds(3000)));
    ::unlink(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
}
