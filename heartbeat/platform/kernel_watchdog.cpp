// SPDX-License-Identifier: GPL-2.0-or-later
// The watchdog device, with 3.0.6's log lines (heartbeat.c hb_init_watchdog & co.).
#include "platform/kernel_watchdog.hpp"

#include <fcntl.h>
#include <linux/watchdog.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"

namespace hb::platform {

std::unique_ptr<KernelWatchdog> KernelWatchdog::open(const std::string& device,
                                                     std::chrono::milliseconds timeout)
{
    // Non-blocking: a stand-in with no reader fails at once instead of stalling the start,
    // and a write can never hold the event loop.
    base::UniqueFd fd(::open(device.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        HB_LOG(err) << "Cannot open watchdog device: " << device << " (" << std::strerror(errno)
                    << ")";
        return nullptr;
    }
    HB_LOG(info) << "Using watchdog device: " << device;
    // 3.0.6: deadtime + 10 ms, in whole seconds rounded up.
    int seconds = static_cast<int>((timeout.count() + 10 + 999) / 1000);
    if (::ioctl(fd.get(), WDIOC_SETTIMEOUT, &seconds) < 0) {
        HB_LOG(err) << "WDIOC_SETTIMEOUT: Failed to set watchdog timer to " << seconds
                    << " seconds. (" << std::strerror(errno) << ")";
    } else {
        HB_LOG(debug) << "Set watchdog timer to " << seconds << " seconds.";
    }
    std::unique_ptr<KernelWatchdog> w(new KernelWatchdog(device, std::move(fd)));
    w->tickle();
    return w;
}

void KernelWatchdog::tickle()
{
    if (!fd_) {
        return;
    }
    const char byte = '\0';
    if (::write(fd_.get(), &byte, 1) == 1 || errno == EAGAIN) {
        return;  // (EAGAIN: only a stand-in whose reader lags; a watchdog never says it)
    }
    HB_LOG(err) << "KernelWatchdog write failure: closing " << device_ << "! ("
                << std::strerror(errno) << ")";
    fd_.reset();
}

void KernelWatchdog::disarm()
{
    if (!fd_) {
        return;
    }
    if (::write(fd_.get(), "V", 1) != 1) {
        HB_LOG(err) << "KernelWatchdog write magic character failure: closing " << device_ << "! ("
                    << std::strerror(errno) << ")";
    } else {
        HB_LOG(debug) << "Successful watchdog 'V' write";
    }
    fd_.reset();
}

}  // namespace hb::platform
