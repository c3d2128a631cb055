// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics/http_answer.hpp"

namespace hb::metrics {

namespace {

std::string answer(std::string_view status, std::string_view type, const std::string& body,
                   bool with_body, std::string_view extra_header = {})
{
    std::string out = "HTTP/1.1 ";
    out += status;
    out += "\r\nContent-Type: ";
    out += type;
    out += "\r\nContent-Length: " + std::to_string(body.size());
    out += "\r\nConnection: close\r\n";
    out += extra_header;
    out += "\r\n";
    if (with_body) {
        out += body;
    }
    return out;
}

std::string plain(std::string_view status, const std::string& text, bool with_body,
                  std::string_view extra_header = {})
{
    return answer(status, "text/plain; charset=utf-8", text, with_body, extra_header);
}

}  // namespace

std::string http_answer(std::string_view head, const std::function<std::string()>& page)
{
    // The request line: METHOD SP TARGET SP HTTP/1.x
    const std::string_view line = head.substr(0, head.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos ||
        line.substr(sp2 + 1, 7) != "HTTP/1." || line.size() != sp2 + 9) {
        return plain("400 Bad Request", "not an HTTP/1.x request\n", true);
    }
    const std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const bool head_only = method == "HEAD";
    if (method != "GET" && !head_only) {
        return plain("405 Method Not Allowed", "only GET and HEAD\n", true, "Allow: GET, HEAD\r\n");
    }
    target = target.substr(0, target.find('?'));  // Prometheus may add ?params; none is used
    if (target == "/metrics") {
        return answer("200 OK", exposition_type, page(), !head_only);
    }
    if (target == "/") {
        return plain("200 OK", "heartbeat: metrics at /metrics\n", !head_only);
    }
    return plain("404 Not Found", "no such page: the metrics are at /metrics\n", !head_only);
}

std::string http_too_large()
{
    return plain("431 Request Header Fields Too Large", "request head too large\n", true);
}

}  // namespace hb::metrics
