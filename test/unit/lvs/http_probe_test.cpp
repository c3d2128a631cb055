// SPDX-License-Identifier: GPL-2.0-or-later
// HTTP_GET without a socket: the exact request bytes, and HttpAnswerReader's verdicts —
// status line and accepted codes, the early pass after the headers when no digest is asked,
// the MD5 body digest (Content-Length, EOF-delimited, short bodies), the 16 KiB header bound,
// and that the verdict never depends on how the answer is split across reads.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/value_parsers.hpp"
#include "lvs/http_probe.hpp"

using namespace hb::lvs;

namespace {

const std::string hello_md5 = "5d41402abc4b2a76b9719d911017c592";

Check http_check(std::vector<int> status = {200}, std::string digest = "")
{
    Check c;
    c.kind = CheckKind::http;
    c.path = "/";
    c.status = std::move(status);
    c.digest = std::move(digest);
    return c;
}

/// Feeds `parts` in order, then the end of the stream unless a verdict came first.
ProbeOutcome read_answer(const Check& check, const std::vector<std::string>& parts)
{
    HttpAnswerReader reader(check);
    for (const std::string& part : parts) {
        if (auto verdict = reader.feed(part)) {
            return *verdict;
        }
    }
    return reader.end_of_stream();
}

std::string ok_with_body(const std::string& body, bool length = true)
{
    return "HTTP/1.1 200 OK\r\nServer: Apache\r\n" +
           (length ? "Content-Length: " + std::to_string(body.size()) + "\r\n" : std::string()) +
           "Content-Type: text/html\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("http: the request, byte for byte", "[lvs][http]")
{
    Check c = http_check();
    c.path = "/health?full=1";
    const Endpoint target{*hb::base::parse_ipv4("192.168.219.21"), 8080};
    CHECK(http_request(c, target) == "GET /health?full=1 HTTP/1.0\r\n"
                                     "Host: 192.168.219.21\r\n"
                                     "User-Agent: heartbeat-ipvsadm-wrapper\r\n"
                                     "Connection: close\r\n"
                                     "\r\n");
    c.host = "www.example.com";
    CHECK(http_request(c, target) == "GET /health?full=1 HTTP/1.0\r\n"
                                     "Host: www.example.com\r\n"
                                     "User-Agent: heartbeat-ipvsadm-wrapper\r\n"
                                     "Connection: close\r\n"
                                     "\r\n");
}

TEST_CASE("http: without a digest the headers decide, the body is not awaited", "[lvs][http]")
{
    const Check check = http_check();  // the reader keeps a reference: it must outlive it
    HttpAnswerReader reader(check);
    CHECK_FALSE(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n").has_value());
    const auto verdict = reader.feed("Content-Type: text/html\r\n\r\n");
    REQUIRE(verdict.has_value());
    CHECK(verdict->result == ProbeResult::passed);
    CHECK(verdict->http_status == 200);
    CHECK(verdict->detail.empty());
}

TEST_CASE("http: status lines and accepted codes", "[lvs][http]")
{
    struct Row {
        std::string answer;
        std::vector<int> accepted;
        ProbeResult result;
        int status;
        std::string detail;
    };
    const std::vector<Row> rows = {
        {"HTTP/1.1 200 OK\r\n\r\n", {200}, ProbeResult::passed, 200, ""},
        {"HTTP/1.0 200 OK\r\n\r\n", {200}, ProbeResult::passed, 200, ""},
        {"HTTP/1.1 200\r\n\r\n", {200}, ProbeResult::passed, 200, ""},
        {"HTTP/1.1 503 Service Unavailable\r\n\r\n", {200}, ProbeResult::bad_status, 503, ""},
        {"HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n", {200, 301},
         ProbeResult::passed, 301, ""},
        {"HTTP/1.1 302 Found\r\n\r\n", {200, 301}, ProbeResult::bad_status, 302, ""},
        {"HTTP/1.1 404 Not Found\r\n\r\n", {404}, ProbeResult::passed, 404, ""},
        {"HTTP/2 200\r\n\r\n", {200}, ProbeResult::bad_answer, 0, "status line 'HTTP/2 200'"},
        {"SSH-2.0-OpenSSH_9.2p1\r\n\r\n", {200}, ProbeResult::bad_answer, 0,
         "status line 'SSH-2.0-OpenSSH_9.2p1'"},
        {"HTTP/1.1\r\n\r\n", {200}, ProbeResult::bad_answer, 0, "status line 'HTTP/1.1'"},
        {"HTTP/1.1 20x OK\r\n\r\n", {200}, ProbeResult::bad_answer, 0, "status '20x'"},
        {"HTTP/1.1 0200 OK\r\n\r\n", {200}, ProbeResult::bad_answer, 0, "status '0200'"},
        {"HTTP/1.1 600 Odd\r\n\r\n", {200}, ProbeResult::bad_answer, 0, "status '600'"},
        {"\r\n\r\n", {200}, ProbeResult::bad_answer, 0, "empty answer"},
    };
    for (const Row& row : rows) {
        INFO(row.answer);
        const auto v = read_answer(http_check(row.accepted), {row.answer});
        CHECK(v.result == row.result);
        CHECK(v.http_status == row.status);
        CHECK(v.detail == row.detail);
    }
}

TEST_CASE("http: a connection closed early is a bad answer", "[lvs][http]")
{
    const Check check = http_check();
    HttpAnswerReader silent(check);
    const auto nothing = silent.end_of_stream();
    CHECK(nothing.result == ProbeResult::bad_answer);
    CHECK(nothing.detail == "closed without an answer");

    HttpAnswerReader half(check);
    CHECK_FALSE(half.feed("HTTP/1.1 200 OK\r\nServer: x\r\n").has_value());
    const auto cut = half.end_of_stream();
    CHECK(cut.result == ProbeResult::bad_answer);
    CHECK(cut.detail == "closed within the headers");
}

TEST_CASE("http: the verdict does not depend on how the answer is split", "[lvs][http]")
{
    const std::string body = "<html><body>It works!</body></html>\n";
    const std::string answer = ok_with_body(body);
    const std::string head_end = "\r\n\r\n";
    const std::size_t head_size = answer.find(head_end) + head_end.size();
    const Check plain = http_check();
    const Check digested = http_check({200}, "dec285a0755e743426d44e9a786665b6");
    for (std::size_t i = 0; i <= answer.size(); ++i) {
        for (std::size_t j = i; j <= answer.size(); ++j) {
            const std::vector<std::string> parts = {answer.substr(0, i), answer.substr(i, j - i),
                                                    answer.substr(j)};
            INFO("split at " << i << " and " << j);
            // Without a digest the verdict comes with the part that completes the headers.
            {
                HttpAnswerReader reader(plain);
                std::size_t fed = 0;
                std::size_t before = 0;  // bytes fed before the part that gave the verdict
                std::optional<ProbeOutcome> verdict;
                for (const std::string& part : parts) {
                    before = fed;
                    fed += part.size();
                    verdict = reader.feed(part);
                    if (verdict) {
                        break;
                    }
                }
                REQUIRE(verdict.has_value());
                CHECK(verdict->result == ProbeResult::passed);
                CHECK(fed >= head_size);
                CHECK(before < head_size);
            }
            // With one, it comes with the last byte of the body.
            {
                HttpAnswerReader reader(digested);
                std::optional<ProbeOutcome> verdict;
                std::size_t fed = 0;
                for (const std::string& part : parts) {
                    fed += part.size();
                    verdict = reader.feed(part);
                    if (verdict) {
                        break;
                    }
                }
                REQUIRE(verdict.has_value());
                CHECK(verdict->result == ProbeResult::passed);
                CHECK(fed == answer.size());
            }
        }
    }
    // One byte at a time, too.
    std::vector<std::string> bytes;
    for (char c : answer) {
        bytes.emplace_back(1, c);
    }
    CHECK(read_answer(digested, bytes).result == ProbeResult::passed);
    CHECK(read_answer(http_check({200}, hello_md5), bytes).result == ProbeResult::bad_digest);
}

TEST_CASE("http: the body digest", "[lvs][http]")
{
    struct Row {
        std::string name;
        std::vector<std::string> parts;
        std::string digest;
        ProbeResult result;
        std::string detail;
    };
    const std::vector<Row> rows = {
        {"right digest", {ok_with_body("hello")}, hello_md5, ProbeResult::passed, ""},
        {"upper-case page, lower-case digest", {ok_with_body("HELLO")}, hello_md5,
         ProbeResult::bad_digest, ""},
        {"body split across reads",
         {ok_with_body("hello").substr(0, ok_with_body("hello").size() - 3), "l", "lo"},
         hello_md5, ProbeResult::passed, ""},
        {"data past Content-Length is not digested", {ok_with_body("hello") + "GARBAGE"},
         hello_md5, ProbeResult::passed, ""},
        {"data past Content-Length in a later read", {ok_with_body("hel").replace(
                                                          ok_with_body("hel").find("Length: 3"),
                                                          9, "Length: 5"),
                                                      "lo and more"},
         hello_md5, ProbeResult::passed, ""},
        {"no Content-Length: the body ends with the connection",
         {ok_with_body("hel", false), "lo"}, hello_md5, ProbeResult::passed, ""},
        {"empty body", {ok_with_body("")}, "d41d8cd98f00b204e9800998ecf8427e",
         ProbeResult::passed, ""},
        {"closed before Content-Length bytes",
         {ok_with_body("hello").replace(ok_with_body("hello").find("Length: 5"), 9,
                                        "Length: 9")},
         hello_md5, ProbeResult::bad_answer, "closed after 5 of 9 body bytes"},
        {"a lower-case header name", {"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloXX"},
         hello_md5, ProbeResult::passed, ""},
        {"a bad Content-Length", {"HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\nhello"},
         hello_md5, ProbeResult::bad_answer, "Content-Length ' five'"},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        const auto v = read_answer(http_check({200}, row.digest), row.parts);
        CHECK(v.result == row.result);
        CHECK(v.detail == row.detail);
        CHECK(v.http_status == 200);
    }
    // A wrong status is judged before any body is read.
    const Check digested = http_check({200}, hello_md5);
    HttpAnswerReader reader(digested);
    const auto v = reader.feed("HTTP/1.1 500 Oops\r\nContent-Length: 5\r\n\r\n");
    REQUIRE(v.has_value());
    CHECK(v->result == ProbeResult::bad_status);
    CHECK(v->http_status == 500);
}

TEST_CASE("http: headers over 16 KiB are refused however they arrive", "[lvs][http]")
{
    const std::string big = "HTTP/1.1 200 OK\r\nX-Padding: " + std::string(17 * 1024, 'a') + "\r\n";
    SECTION("without their end")
    {
        const Check check = http_check();
        HttpAnswerReader reader(check);
        const auto v = reader.feed(big);
        REQUIRE(v.has_value());
        CHECK(v->result == ProbeResult::bad_answer);
        CHECK(v->detail == "headers longer than 16 KiB");
    }
    SECTION("in small reads, ending in the read that crosses the bound")
    {
        const std::string answer = big + "\r\n";
        std::vector<std::string> parts;
        for (std::size_t at = 0; at < answer.size(); at += 4096) {
            parts.push_back(answer.substr(at, 4096));
        }
        const auto v = read_answer(http_check(), parts);
        CHECK(v.result == ProbeResult::bad_answer);
        CHECK(v.detail == "headers longer than 16 KiB");
    }
    SECTION("in one read with their end")
    {
        const auto v = read_answer(http_check(), {big + "\r\n"});
        CHECK(v.result == ProbeResult::bad_answer);
        CHECK(v.detail == "headers longer than 16 KiB");
    }
    SECTION("just under the bound they are read")
    {
        const std::string head = "HTTP/1.1 200 OK\r\nX-Padding: ";
        const std::string fits = head + std::string(16 * 1024 - head.size() - 4, 'a');
        REQUIRE(fits.size() + 4 == 16 * 1024);
        const auto v = read_answer(http_check(), {fits + "\r\n\r\n"});
        CHECK(v.result == ProbeResult::passed);
    }
}
