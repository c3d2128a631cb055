// SPDX-License-Identifier: GPL-2.0-or-later
// UniqueFd: the one owner of a raw file descriptor in this tree (closed on scope exit unless
// released), for the places that cannot hand the descriptor to Asio at once.
#pragma once

#include <unistd.h>

#include <utility>

namespace hb::base {

/// A raw descriptor closed on scope exit unless released.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        reset(other.release());
        return *this;
    }

    /// The descriptor (-1 when none).
    int get() const { return fd_; }
    /// True when it holds a descriptor.
    explicit operator bool() const { return fd_ >= 0; }
    /// Gives the descriptor up without closing it.
    int release() { return std::exchange(fd_, -1); }
    /// Closes the current descriptor and takes `fd`.
    void reset(int fd = -1)
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

}  // namespace hb::base
