// SPDX-License-Identifier: GPL-2.0-or-later
// ha.cf's `watchdog DEVICE` (a kernel watchdog such as softdog's /dev/watchdog): opened at
// start with its timeout set to deadtime (rounded up to seconds, as 3.0.6 sets it), written
// one byte at each of our heartbeats, and closed with the magic 'V' on a clean stop so the
// kernel disarms it. A daemon that hangs or dies stops writing, and the kernel reboots the
// machine before the peer, one deadtime later, takes its resources.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"

namespace hb::platform {

class KernelWatchdog {
public:
    /// Opens `device` (write only, close-on-exec) and asks for `timeout`; nullptr when it
    /// cannot be opened (logged as 3.0.6 does: heartbeat then runs without it). A device
    /// that takes no timeout (not a watchdog: a FIFO in the tests) is logged and used.
    static std::unique_ptr<KernelWatchdog> open(const std::string& device,
                                                std::chrono::milliseconds timeout);
    KernelWatchdog(const KernelWatchdog&) = delete;
    KernelWatchdog& operator=(const KernelWatchdog&) = delete;
    ~KernelWatchdog() = default;  ///< without 'V': the kernel stays armed (a crash reboots)

    /// One byte: we are alive. A write error closes the device (as 3.0.6 does).
    void tickle();
    /// A clean stop: 'V' (the magic close), then close.
    void disarm();
    const std::string& device() const { return device_; }

private:
    KernelWatchdog(std::string device, base::UniqueFd fd)
        : device_(std::move(device)),
          fd_(std::move(fd))
    {}
    std::string device_;
    base::UniqueFd fd_;
};

}  // namespace hb::platform
