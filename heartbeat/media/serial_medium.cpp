// SPDX-License-Identifier: GPL-2.0-or-later
// The serial medium's life:
//
//   down ──lock + open + raw mode──▶ up ──read/write error, hang-up──▶ down ──1 s──▶ retry
//     ▲ (a line locked by a live process, or a tty that is not there: stays down, retried)
//
// Writes go out one datagram at a time; at most 64 wait (a cable nobody reads must not
// grow memory), the oldest dropped first.
#include "media/serial_medium.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/write.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "base/log.hpp"
#include "base/text.hpp"
#include "base/unique_fd.hpp"

namespace hb::media {

namespace asio = boost::asio;

void SerialFramer::feed(std::string_view bytes)
{
    for (const char c : bytes) {
        if (c != '\n') {
            if (line_.size() <= max_frame_) {
                line_ += c;
            }
            continue;
        }
        on_line(line_);
        line_.clear();
    }
}

void SerialFramer::on_line(std::string_view line)
{
    if (line == ">>>") {
        if (state_ == State::in_frame) {
            ++rejected_;  // a frame cut short: the writer started again
        }
        frame_ = ">>>\n";
        state_ = State::in_frame;
        return;
    }
    if (state_ != State::in_frame) {
        return;
    }
    frame_.append(line).append("\n");
    if (frame_.size() > max_frame_) {
        ++rejected_;
        frame_.clear();
        state_ = State::skipping;
        return;
    }
    if (line == "<<<") {
        done_.push_back(std::move(frame_));
        frame_.clear();
        state_ = State::between;
    }
}

std::vector<std::string> SerialFramer::take()
{
    std::vector<std::string> out;
    out.swap(done_);
    return out;
}

namespace {

constexpr auto retry_interval = std::chrono::seconds(1);
constexpr std::size_t max_queued = 64;

speed_t speed_of(int baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    default: return B19200;
    }
}

}  // namespace

SerialMedium::SerialMedium(asio::io_context& io, std::size_t index, MediumSpec spec)
    : index_(index),
      spec_(std::move(spec)),
      tty_(io),
      retry_timer_(io)
{}

SerialMedium::~SerialMedium()
{
    close();
}

std::string SerialMedium::lock_path() const
{
    const std::size_t slash = spec_.interface.rfind('/');
    return "/var/lock/LCK.." + spec_.interface.substr(slash + 1);
}

bool SerialMedium::open(std::string& why)
{
    close();
    // The UUCP lock, as 3.0.6's devlock: the pid in ten columns. A lock whose process is
    // gone is stale and taken over.
    const std::string lock = lock_path();
    for (int attempt = 0; attempt < 2 && lock_ == Lock::none; ++attempt) {
        base::UniqueFd fd(::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (fd) {
            char text[16];
            const int n = std::snprintf(text, sizeof text, "%10d\n", static_cast<int>(::getpid()));
            if (::write(fd.get(), text, static_cast<std::size_t>(n)) == n) {
                lock_ = Lock::held;
            }
            break;
        }
        if (errno != EEXIST) {
            why = "cannot lock line " + spec_.interface + " (" + lock + ": " +
                  std::strerror(errno) + ")";
            return false;
        }
        char text[32] = {};
        base::UniqueFd old(::open(lock.c_str(), O_RDONLY | O_CLOEXEC));
        const ssize_t n = old ? ::read(old.get(), text, sizeof text - 1) : -1;
        const long pid = n > 0 ? std::strtol(text, nullptr, 10) : 0;
        if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) {
            why = "cannot lock line " + spec_.interface + " (locked by process " +
                  std::to_string(pid) + ")";
            return false;
        }
        ::unlink(lock.c_str());  // stale: its process is gone
    }
    if (lock_ != Lock::held) {
        why = "cannot lock line " + spec_.interface;
        return false;
    }
    base::UniqueFd fd(::open(spec_.interface.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        why = "cannot open " + spec_.interface + ": " + std::strerror(errno);
        close();
        return false;
    }
    termios ti{};
    if (::tcgetattr(fd.get(), &ti) < 0) {
        why = spec_.interface + " is not a tty: " + std::strerror(errno);
        close();
        return false;
    }
    // 3.0.6's opentty(): raw, 8 data bits, no parity, receiver on, modem lines ignored,
    // hardware flow control.
    ti.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                                         IXON | IXOFF);
    ti.c_iflag |= IGNPAR;
    ti.c_oflag &= ~static_cast<tcflag_t>(OPOST);
    ti.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
    ti.c_cflag |= CS8 | CREAD | CLOCAL | CRTSCTS;
    ti.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
    ti.c_cc[VMIN] = 1;
    ti.c_cc[VTIME] = 0;
    ::cfsetispeed(&ti, speed_of(spec_.baud));
    ::cfsetospeed(&ti, speed_of(spec_.baud));
    if (::tcsetattr(fd.get(), TCSAFLUSH, &ti) < 0) {
        why = "cannot set " + spec_.interface + " raw: " + std::strerror(errno);
        close();
        return false;
    }
    boost::system::error_code ec;
    tty_.assign(fd.release(), ec);
    if (ec) {
        why = spec_.interface + ": " + ec.message();
        close();
        return false;
    }
    return true;
}

void SerialMedium::close()
{
    boost::system::error_code ignored;
    tty_.close(ignored);
    queue_.clear();
    if (lock_ == Lock::held) {
        ::unlink(lock_path().c_str());
        lock_ = Lock::none;
    }
}

void SerialMedium::start(ReceiveHandler on_receive, StateHandler on_state)
{
    on_receive_ = std::move(on_receive);
    on_state_ = std::move(on_state);
    phase_ = Phase::down;
    try_open();
}

void SerialMedium::try_open()
{
    std::string why;
    if (open(why)) {
        set_up(true, "opened");
        HB_LOG(info) << "Starting serial heartbeat on tty " << spec_.interface << " (" << spec_.baud
                     << " baud)";
        do_read();
    } else {
        set_up(false, why);
        schedule_retry();
    }
}

void SerialMedium::schedule_retry()
{
    if (phase_ == Phase::stopped) {
        return;
    }
    retry_timer_.expires_after(retry_interval);
    retry_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted || phase_ == Phase::stopped) {
            return;
        }
        try_open();
    });
}

void SerialMedium::set_up(bool up, const std::string& why)
{
    const bool changed = up != (phase_ == Phase::up) || (!up && why != last_failure_);
    phase_ = up ? Phase::up : Phase::down;
    last_failure_ = up ? std::string() : why;
    if (changed && on_state_) {
        on_state_(index_, up, why);
    }
}

void SerialMedium::fail(const std::string& why)
{
    if (phase_ != Phase::up) {
        return;
    }
    close();
    set_up(false, why);
    schedule_retry();
}

void SerialMedium::do_read()
{
    tty_.async_read_some(asio::buffer(buffer_),
                         [this](const boost::system::error_code& ec, std::size_t n) {
                             if (ec == asio::error::operation_aborted || phase_ != Phase::up) {
                                 return;
                             }
                             if (ec) {
                                 // A hang-up reads as EIO (a pty whose other end closed) or end of
                                 // file.
                                 fail("read on " + spec_.interface + ": " + ec.message());
                                 return;
                             }
                             framer_.feed(std::string_view(buffer_.data(), n));
                             for (const std::string& datagram : framer_.take()) {
                                 if (on_receive_) {
                                     on_receive_(index_, datagram);
                                 }
                             }
                             if (phase_ == Phase::up) {
                                 do_read();
                             }
                         });
}

void SerialMedium::send(std::shared_ptr<const std::string> datagram)
{
    if (phase_ != Phase::up) {
        return;
    }
    if (queue_.size() >= max_queued) {
        queue_.erase(queue_.begin() + 1);  // the oldest not yet being written
    }
    queue_.push_back(std::move(datagram));
    if (queue_.size() == 1) {
        write_next();
    }
}

void SerialMedium::write_next()
{
    if (queue_.empty()) {
        return;
    }
    auto datagram = queue_.front();
    asio::async_write(tty_, asio::buffer(*datagram),
                      [this, datagram](const boost::system::error_code& ec, std::size_t) {
                          if (ec == asio::error::operation_aborted || phase_ != Phase::up) {
                              return;
                          }
                          if (ec) {
                              fail("write on " + spec_.interface + ": " + ec.message());
                              return;
                          }
                          queue_.pop_front();
                          write_next();
                      });
}

void SerialMedium::stop()
{
    phase_ = Phase::stopped;
    retry_timer_.cancel();
    close();
}

}  // namespace hb::media
