// SPDX-License-Identifier: GPL-2.0-or-later
// flood_bench — the bad-datagram load of bench/run: RATE datagrams per second at ADDRESS:PORT
// for SECONDS, none of which a cluster may accept. A third are random bytes of random length,
// a third well-formed heartbeat messages that claim to come from NODE but carry a wrong
// signature (each costs the receiver a full decode and an HMAC), and a third such messages
// cut off in the middle. They go out in batches (sendmmsg) on an absolute 1 ms schedule, so
// the rate holds without a busy loop; at the end it prints what it sent and the rate it got.
// Usage: flood_bench ADDRESS PORT RATE SECONDS NODE   (ADDRESS may be a broadcast address)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

namespace {

std::string forged_status(const std::string& node, std::mt19937& rng, bool cut)
{
    char seq[32];
    std::snprintf(seq, sizeof seq, "%x", static_cast<unsigned>(rng()));
    std::string m = ">>>\nt=status\nst=active\ndt=7d0\nprotocol=1\nsrc=" + node +
                    "\nsrcuuid=AAAAAAAAAAAAAAAAAAAAAA==\nseq=" + seq +
                    "\nhg=4d3c2b1a\nts=6a2b1c00\nld=0.00 0.00 0.00 1/100 1\nttl=3\nauth=1 ";
    for (int i = 0; i < 40; ++i)
        m += "0123456789abcdef"[rng() % 16];
    m += "\n<<<\n";
    if (cut)
        m.resize(1 + rng() % (m.size() - 1));
    return m;
}

double now_s()
{
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s ADDRESS PORT RATE SECONDS NODE\n", argv[0]);
        return 2;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
    const long rate = std::atol(argv[3]);
    const double seconds = std::atof(argv[4]);
    const std::string node = argv[5];
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || rate <= 0 || seconds <= 0) {
        std::fprintf(stderr, "%s: bad address, rate or duration\n", argv[0]);
        return 2;
    }
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    const int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
        std::perror("socket");
        return 1;
    }
    // A pool of 3000 datagrams, made once, so the sender's own cost stays small.
    std::mt19937 rng(694);
    std::vector<std::string> pool;
    for (int i = 0; i < 3000; ++i) {
        switch (i % 3) {
        case 0: {
            std::string junk(1 + rng() % 1400, '\0');
            for (char& c : junk)
                c = static_cast<char>(rng());
            pool.push_back(junk);
            break;
        }
        case 1: pool.push_back(forged_status(node, rng, false)); break;
        default: pool.push_back(forged_status(node, rng, true)); break;
        }
    }
    const long per_tick = rate / 1000 > 0 ? rate / 1000 : 1;  // 1 ms ticks
    std::vector<mmsghdr> msgs(static_cast<std::size_t>(per_tick));
    std::vector<iovec> iov(msgs.size());
    timespec next{};
    clock_gettime(CLOCK_MONOTONIC, &next);
    const double start = now_s();
    long sent = 0;
    long failed = 0;
    std::size_t cursor = 0;
    const long ticks = static_cast<long>(seconds * 1000);
    for (long tick = 0; tick < ticks; ++tick) {
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            std::string& d = pool[cursor++ % pool.size()];
            iov[i] = {d.data(), d.size()};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_name = &to;
            msgs[i].msg_hdr.msg_namelen = sizeof to;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = sendmmsg(fd, msgs.data(), static_cast<unsigned>(msgs.size()), 0);
        if (n > 0)
            sent += n;
        if (n < static_cast<int>(msgs.size()))
            failed += static_cast<long>(msgs.size()) - (n > 0 ? n : 0);
        next.tv_nsec += 1000000;
        if (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
            ++next.tv_sec;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) == EINTR) {
        }
    }
    const double took = now_s() - start;
    std::printf("sent %ld datagrams in %.1f s (%.0f/s), %ld not sent\n", sent, took,
                static_cast<double>(sent) / took, failed);
    close(fd);
    return 0;
}
