// SPDX-License-Identifier: GPL-2.0-or-later
// HTTP_GET request and answer.
#include "lvs/http_probe.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::lvs {

namespace {

constexpr std::size_t max_head = 16 * 1024;
constexpr std::size_t max_body = 16 * 1024 * 1024;

ProbeOutcome bad(std::string detail, int status = 0)
{
    return {ProbeResult::bad_answer, status, std::move(detail)};
}

}  // namespace

struct HttpAnswerReader::Digest {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Digest() { EVP_DigestInit_ex(ctx, EVP_md5(), nullptr); }
    ~Digest() { EVP_MD_CTX_free(ctx); }
    Digest(const Digest&) = delete;
    Digest& operator=(const Digest&) = delete;
    void update(std::string_view bytes) { EVP_DigestUpdate(ctx, bytes.data(), bytes.size()); }
    std::string hex()
    {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx, md, &len);
        std::string out;
        char buf[3];
        for (unsigned int i = 0; i < len; ++i) {
            std::snprintf(buf, sizeof buf, "%02x", md[i]);
            out += buf;
        }
        return out;
    }
};

std::string http_request(const Check& check, const Endpoint& target)
{
    const std::string host = check.host.empty() ? format_ipv4(target.address) : check.host;
    return "GET " + check.path + " HTTP/1.0\r\nHost: " + host +
           "\r\nUser-Agent: heartbeat-ipvsadm-wrapper\r\nConnection: close\r\n\r\n";
}

HttpAnswerReader::HttpAnswerReader(const Check& check) : check_(check)
{
    if (!check.digest.empty()) {
        digest_ = std::make_unique<Digest>();
    }
}

HttpAnswerReader::~HttpAnswerReader() = default;

std::optional<ProbeOutcome> HttpAnswerReader::judge_headers()
{
    const std::size_t end = head_.find("\r\n\r\n");
    const std::string_view head(head_.data(), end);
    const std::vector<std::string_view> lines = base::split(head, "\r\n");
    if (lines.empty()) {
        return bad("empty answer");
    }
    // HTTP/1.x SP 3DIGIT SP reason
    const std::vector<std::string_view> words = base::split(lines[0], " ");
    if (words.size() < 2 || !words[0].starts_with("HTTP/1.")) {
        return bad("status line " + base::quote(lines[0].substr(0, 60)));
    }
    const auto status = base::parse_integer(words[1], 100, 599);
    if (!status || words[1].size() != 3) {
        return bad("status " + base::quote(words[1]));
    }
    status_ = static_cast<int>(*status);
    if (std::find(check_.status.begin(), check_.status.end(), status_) == check_.status.end()) {
        return ProbeOutcome{ProbeResult::bad_status, status_, {}};
    }
    if (!digest_) {
        return ProbeOutcome{ProbeResult::passed, status_, {}};
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto colon = lines[i].find(':');
        if (colon != std::string_view::npos &&
            base::iequals(base::trim(lines[i].substr(0, colon)), "content-length")) {
            const auto n = base::parse_integer(base::trim(lines[i].substr(colon + 1)), 0,
                                               static_cast<long>(max_body));
            if (!n) {
                return bad("Content-Length " + base::quote(lines[i].substr(colon + 1)), status_);
            }
            content_length_ = static_cast<std::size_t>(*n);
        }
    }
    in_body_ = true;
    const std::string rest = head_.substr(end + 4);
    head_.clear();
    return feed(rest);
}

ProbeOutcome HttpAnswerReader::judge_body()
{
    if (digest_->hex() != check_.digest) {
        return ProbeOutcome{ProbeResult::bad_digest, status_, {}};
    }
    return ProbeOutcome{ProbeResult::passed, status_, {}};
}

std::optional<ProbeOutcome> HttpAnswerReader::feed(std::string_view bytes)
{
    if (!in_body_) {
        head_.append(bytes);
        const std::size_t end = head_.find("\r\n\r\n");
        if ((end == std::string::npos ? head_.size() : end) > max_head) {
            return bad("headers longer than 16 KiB");
        }
        if (end != std::string::npos) {
            return judge_headers();
        }
        return std::nullopt;
    }
    if (content_length_ && body_bytes_ + bytes.size() > *content_length_) {
        bytes = bytes.substr(0, *content_length_ - body_bytes_);
    }
    digest_->update(bytes);
    body_bytes_ += bytes.size();
    if (content_length_ && body_bytes_ == *content_length_) {
        return judge_body();
    }
    if (body_bytes_ > max_body) {
        return bad("body longer than 16 MiB", status_);
    }
    return std::nullopt;
}

ProbeOutcome HttpAnswerReader::end_of_stream()
{
    if (!in_body_) {
        return bad(head_.empty() ? "closed without an answer" : "closed within the headers");
    }
    if (content_length_ && body_bytes_ < *content_length_) {
        return bad("closed after " + std::to_string(body_bytes_) + " of " +
                       std::to_string(*content_length_) + " body bytes",
                   status_);
    }
    return judge_body();
}

}  // namespace hb::lvs
