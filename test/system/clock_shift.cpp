// SPDX-License-Identifier: GPL-2.0-or-later
// LD_PRELOAD shim for the host-fault system test: shifts one process's wall clock
// (CLOCK_REALTIME and its coarse variant, gettimeofday, time) by the whole seconds written in
// the file named by HB_CLOCK_SHIFT_FILE, read again at most every 50 ms. CLOCK_MONOTONIC and
// CLOCK_BOOTTIME stay as they are. This is a jump of the wall clock as the daemon sees it,
// without setting the machine's clock under everything else that runs.
#include <dlfcn.h>
#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using ClockGettime = int (*)(clockid_t, timespec*);

ClockGettime real_clock_gettime()
{
    static const ClockGettime real = [] {
        void* symbol = ::dlsym(RTLD_NEXT, "clock_gettime");
        ClockGettime f = nullptr;
        std::memcpy(&f, &symbol, sizeof f);
        return f;
    }();
    return real;
}

long long shift_seconds()
{
    static std::atomic<long long> shift{0};
    static std::atomic<long long> read_at_ns{-1};
    timespec mono{};
    real_clock_gettime()(CLOCK_MONOTONIC, &mono);
    const long long now_ns = mono.tv_sec * 1'000'000'000LL + mono.tv_nsec;
    const long long last = read_at_ns.load();
    if (last < 0 || now_ns - last >= 50'000'000LL) {
        read_at_ns = now_ns;
        if (const char* path = std::getenv("HB_CLOCK_SHIFT_FILE"); path != nullptr) {
            if (std::FILE* f = std::fopen(path, "re"); f != nullptr) {
                long long value = 0;
                if (std::fscanf(f, "%lld", &value) == 1) {
                    shift = value;
                }
                std::fclose(f);
            }
        }
    }
    return shift.load();
}

}  // namespace

extern "C" int clock_gettime(clockid_t id, timespec* ts) noexcept
{
    const int rc = real_clock_gettime()(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
        ts->tv_sec += shift_seconds();
    }
    return rc;
}

extern "C" int gettimeofday(timeval* __restrict tv, void* __restrict /*tz*/) noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec;  // declared nonnull
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

extern "C" time_t time(time_t* out) noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out != nullptr) {
        *out = ts.tv_sec;
    }
    return ts.tv_sec;
}
