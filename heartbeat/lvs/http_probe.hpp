// SPDX-License-Identifier: GPL-2.0-or-later
// HTTP_GET's two halves without the socket: the request bytes, and an incremental reader of
// the answer that judges it (status line, headers, then the body only when a digest must be
// checked — otherwise the probe ends with the headers). Bounded: the headers at 16 KiB, a
// digested body at 16 MiB. keepalived's digest is the MD5 of the body, in lower-case hex.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lvs/checker.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs {

/// `GET PATH HTTP/1.0` with Host, User-Agent and `Connection: close`.
std::string http_request(const Check& check, const Endpoint& target);

/// Reads one HTTP answer and says what it means for the check.
class HttpAnswerReader {
public:
    /// `check` is kept by reference: it must outlive the reader (it lives in the config).
    explicit HttpAnswerReader(const Check& check);
    ~HttpAnswerReader();
    HttpAnswerReader(const HttpAnswerReader&) = delete;
    HttpAnswerReader& operator=(const HttpAnswerReader&) = delete;

    /// Feeds received bytes; the verdict once it is known (then stop reading).
    std::optional<ProbeOutcome> feed(std::string_view bytes);
    /// The peer closed the connection; the verdict (an early close is a bad answer).
    ProbeOutcome end_of_stream();

private:
    std::optional<ProbeOutcome> judge_headers();
    ProbeOutcome judge_body();

    const Check& check_;
    std::string head_;
    bool in_body_ = false;
    int status_ = 0;
    std::optional<std::size_t> content_length_;
    std::size_t body_bytes_ = 0;
    struct Digest;
    std::unique_ptr<Digest> digest_;
};

}  // namespace hb::lvs
