// SPDX-License-Identifier: GPL-2.0-or-later
// What the metrics listener answers to one HTTP/1.x request head: the page for GET (or only
// its headers for HEAD) of /metrics, a pointer to it for /, 404 for any other path, 405 for
// another method, 400 for what is not a request line. Every answer closes the connection:
// a scraper opens one per scrape, and nothing is kept per client. Sans-IO: the listener
// (daemon/metrics_listener) reads the head and writes the bytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace hb::metrics {

/// Most bytes a request head may have (request line and headers); a longer one is refused.
inline constexpr std::size_t max_request_head = 8192;

/// The Content-Type of the text exposition format.
inline constexpr std::string_view exposition_type = "text/plain; version=0.0.4; charset=utf-8";

/// The whole answer (status line, headers, body) to `head`, the bytes up to and including
/// the blank line; `page` is called only when the page is asked for.
std::string http_answer(std::string_view head, const std::function<std::string()>& page);

/// The answer to a head longer than max_request_head.
std::string http_too_large();

}  // namespace hb::metrics
