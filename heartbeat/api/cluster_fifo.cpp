// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/cluster_fifo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "base/unique_fd.hpp"

namespace hb::api {

ClusterFifo::ClusterFifo(boost::asio::io_context& io, std::string path, Handler on_message)
    : path_(std::move(path)),
      on_message_(std::move(on_message)),
      fd_(io)
{}

bool ClusterFifo::open()
{
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
        if (!S_ISFIFO(st.st_mode)) {
            HB_LOG(err) << path_
                        << " exists and is not a FIFO: scripts cannot send cluster "
                           "messages (hb_standby, hb_takeover) until it is removed";
            return false;
        }
        if (st.st_uid != ::geteuid() || (st.st_mode & 0077) != 0) {
            // Anyone who can write it can move resources: keep it the owner's alone.
            if (::chown(path_.c_str(), ::geteuid(), ::getegid()) != 0 ||
                ::chmod(path_.c_str(), 0600) != 0) {
                HB_LOG(err) << "cannot make " << path_ << " private: " << std::strerror(errno);
                return false;
            }
        }
    } else if (::mkfifo(path_.c_str(), 0600) != 0) {
        HB_LOG(err) << "cannot create " << path_ << ": " << std::strerror(errno);
        return false;
    }
    // Read and write: the FIFO then never reports end-of-file when a writer closes it.
    base::UniqueFd fd(::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        HB_LOG(err) << "cannot open " << path_ << ": " << std::strerror(errno);
        return false;
    }
    boost::system::error_code ec;
    fd_.assign(fd.get(), ec);
    if (ec) {
        HB_LOG(err) << "cannot watch " << path_ << ": " << ec.message();
        return false;
    }
    fd.release();  // the stream descriptor owns it now
    read();
    return true;
}

void ClusterFifo::close()
{
    boost::system::error_code ignored;
    fd_.close(ignored);
}

void ClusterFifo::read()
{
    fd_.async_read_some(boost::asio::buffer(buffer_),
                        [this](const boost::system::error_code& ec, std::size_t n) {
                            if (ec) {
                                if (ec != boost::asio::error::operation_aborted) {
                                    HB_LOG(err) << "reading " << path_ << ": " << ec.message();
                                }
                                return;
                            }
                            stream_.feed(std::string_view(buffer_.data(), n));
                            if (stream_.rejected() != rejected_logged_) {
                                rejected_logged_ = stream_.rejected();
                                HB_LOG(warn) << "dropped a malformed or oversized message "
                                                "written to "
                                             << path_;
                            }
                            for (wire::Message& m : stream_.take()) {
                                on_message_(std::move(m));
                            }
                            read();
                        });
}

}  // namespace hb::api
