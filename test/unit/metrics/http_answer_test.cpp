// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "metrics/http_answer.hpp"

using hb::metrics::http_answer;

namespace {

int asked = 0;
std::string page()
{
    ++asked;
    return "heartbeat_up 1\n";
}

}  // namespace

TEST_CASE("GET /metrics: the page with the exposition format's type, then close", "[metrics][http]")
{
    asked = 0;
    const std::string a =
        http_answer("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", page);
    CHECK(a ==
          "HTTP/1.1 200 OK\r\n"
          "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
          "Content-Length: 15\r\n"
          "Connection: close\r\n"
          "\r\n"
          "heartbeat_up 1\n");
    CHECK(asked == 1);
    CHECK(http_answer("GET /metrics?x=1 HTTP/1.0\r\n\r\n", page).rfind("HTTP/1.1 200 OK", 0) == 0);
}

TEST_CASE("HEAD: the headers only", "[metrics][http]")
{
    const std::string a = http_answer("HEAD /metrics HTTP/1.1\r\n\r\n", page);
    CHECK(a.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(a.find("Content-Length: 15\r\n") != std::string::npos);
    CHECK(a.substr(a.size() - 4) == "\r\n\r\n");
}

TEST_CASE("other paths, methods and garbage", "[metrics][http]")
{
    asked = 0;
    CHECK(http_answer("GET / HTTP/1.1\r\n\r\n", page).find("metrics at /metrics") !=
          std::string::npos);
    CHECK(http_answer("GET /secret HTTP/1.1\r\n\r\n", page).rfind("HTTP/1.1 404 ", 0) == 0);
    const std::string post = http_answer("POST /metrics HTTP/1.1\r\n\r\n", page);
    CHECK(post.rfind("HTTP/1.1 405 ", 0) == 0);
    CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
    for (const char* bad : {"", "\r\n\r\n", "GET\r\n\r\n", "GET /metrics\r\n\r\n",
                            "GET /metrics HTTP/2\r\n\r\n", "GET /metrics  HTTP/1.1\r\n\r\n",
                            "GET /metrics HTTP/1.1 x\r\n\r\n", "\x16\x03\x01\x02\x00"}) {
        INFO(bad);
        CHECK(http_answer(bad, page).rfind("HTTP/1.1 400 ", 0) == 0);
    }
    CHECK(asked == 0);  // the page is built only when it is sent
    CHECK(hb::metrics::http_too_large().rfind("HTTP/1.1 431 ", 0) == 0);
}
