// SPDX-License-Identifier: GPL-2.0-or-later
// `serial TTY`: heartbeats over a null-modem cable, as 3.0.6's serial plugin runs them. The
// line is locked the UUCP way (/var/lock/LCK..NAME), set raw at `baud` (8 data bits,
// hardware flow control, modem lines ignored), and carries each datagram as its classic
// text, `>>>` line to `<<<` line; bytes between datagrams are skipped. A tty that cannot be
// opened, or that hangs up (a pty whose other end closed), leaves the medium down and
// retried every second, as the UDP media are.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "media/medium.hpp"

namespace hb::media {

/// Cuts a byte stream into datagrams: each from a `>>>` line to the next `<<<` line, both
/// included. Text outside is skipped; a `>>>` inside a frame starts it again; a frame
/// longer than `max_frame` is dropped whole. Nothing the other end sends makes it grow
/// past that.
class SerialFramer {
public:
    explicit SerialFramer(std::size_t max_frame = 64 * 1024) : max_frame_(max_frame) {}
    /// The next bytes, split anywhere.
    void feed(std::string_view bytes);
    /// The datagrams completed so far, in order; clears them.
    std::vector<std::string> take();
    /// Frames dropped for their length.
    std::size_t rejected() const { return rejected_; }

private:
    void on_line(std::string_view line);

    std::size_t max_frame_;
    std::string line_;
    std::string frame_;
    enum class State { between, in_frame, skipping } state_ = State::between;
    std::vector<std::string> done_;
    std::size_t rejected_ = 0;
};

class SerialMedium final : public Medium {
public:
    SerialMedium(boost::asio::io_context& io, std::size_t index, MediumSpec spec);
    SerialMedium(const SerialMedium&) = delete;
    SerialMedium& operator=(const SerialMedium&) = delete;
    ~SerialMedium() override;

    void start(ReceiveHandler on_receive, StateHandler on_state) override;
    void send(std::shared_ptr<const std::string> datagram) override;
    void stop() override;
    void renumber(std::size_t index) override { index_ = index; }
    const MediumSpec& spec() const override { return spec_; }

private:
    bool open(std::string& why);
    void close();
    void try_open();
    void schedule_retry();
    void do_read();
    void write_next();
    void fail(const std::string& why);
    void set_up(bool up, const std::string& why);
    std::string lock_path() const;

    std::size_t index_;
    MediumSpec spec_;
    boost::asio::posix::stream_descriptor tty_;
    boost::asio::steady_timer retry_timer_;
    std::array<char, 4096> buffer_{};
    SerialFramer framer_;
    std::deque<std::shared_ptr<const std::string>> queue_;  ///< the first one is being written
    ReceiveHandler on_receive_;
    StateHandler on_state_;
    enum class Lock { none, held } lock_ = Lock::none;
    enum class Phase { down, up, stopped } phase_ = Phase::down;
    std::string last_failure_;
};

}  // namespace hb::media
