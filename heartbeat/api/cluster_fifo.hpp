// SPDX-License-Identifier: GPL-2.0-or-later
// heartbeat's FIFO for scripts (STATE_DIR/fifo, /var/lib/heartbeat/fifo by default): the
// original's hb_standby, hb_takeover and any resource script using shellfuncs'
// ha_clustermsg write classic `>>>`…`<<<` blocks into it. Created 0600 (root only, as the
// original), held open for reading and writing so writers coming and going never end it,
// read on the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <functional>
#include <string>

#include "wire/classic_stream.hpp"

namespace hb::api {

class ClusterFifo {
public:
    using Handler = std::function<void(wire::Message)>;

    ClusterFifo(boost::asio::io_context& io, std::string path, Handler on_message);
    ClusterFifo(const ClusterFifo&) = delete;
    ClusterFifo& operator=(const ClusterFifo&) = delete;

    /// Creates (or reuses) the FIFO and starts reading; false, logged, when it cannot.
    bool open();
    void close();

private:
    void read();

    std::string path_;
    Handler on_message_;
    boost::asio::posix::stream_descriptor fd_;
    std::array<char, 4096> buffer_{};
    wire::ClassicStream stream_;
    std::size_t rejected_logged_ = 0;
};

}  // namespace hb::api
