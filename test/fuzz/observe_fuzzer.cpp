// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the outside input of the observability pieces — an HTTP request head
// as the metrics listener reads it from the network, heartbeat-ng.cf as an administrator
// writes it, the events file as a crash may leave it, and cl_status events --since. The
// input's first byte picks which.
// Properties: no crash; every answer is a complete HTTP/1.1 answer that closes the
// connection, and the page is built only for a GET or HEAD of /metrics; every diagnostic
// names the file and a line that exists; an event read back writes the same line again.
#include <cstdint>
#include <string>

#include "config/ng_cf.hpp"
#include "fuzz_support.hpp"
#include "metrics/events.hpp"
#include "metrics/http_answer.hpp"

namespace {

using namespace hb;

void http(std::string_view head)
{
    int built = 0;
    const std::string answer = metrics::http_answer(head, [&built] {
        ++built;
        return std::string("heartbeat_up 1\n");
    });
    HB_FUZZ_CHECK(answer.rfind("HTTP/1.1 ", 0) == 0);
    HB_FUZZ_CHECK(answer.find("\r\nConnection: close\r\n") != std::string::npos);
    const auto blank = answer.find("\r\n\r\n");
    HB_FUZZ_CHECK(blank != std::string::npos);
    const bool ok =
        answer.rfind("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4", 0) == 0;
    HB_FUZZ_CHECK(built == (ok ? 1 : 0));
    const std::string length = "Content-Length: ";
    const auto at = answer.find(length);
    HB_FUZZ_CHECK(at != std::string::npos && at < blank);
    const std::size_t declared = std::stoul(answer.substr(at + length.size()));
    const std::size_t body = answer.size() - blank - 4;
    HB_FUZZ_CHECK(body == declared || body == 0);  // HEAD: the headers only
}

void ng_cf(std::string_view text)
{
    const std::string path = "/etc/ha.d/heartbeat-ng.cf";
    const auto r = config::parse_ng_cf(text, path);
    long lines = 1;
    for (const char c : text) {
        lines += c == '\n' ? 1 : 0;
    }
    for (const auto& d : r.diagnostics.all()) {
        HB_FUZZ_CHECK(d.where.file == path);
        HB_FUZZ_CHECK(d.where.line >= 1 && d.where.line <= lines);
    }
    if (!r.diagnostics.has_errors() && r.config.metrics_textfile) {
        HB_FUZZ_CHECK(r.config.metrics_textfile->front() == '/');
    }
}

void events(std::string_view text)
{
    metrics::EventLog log(16);
    log.restore(text);
    HB_FUZZ_CHECK(log.events().size() <= 16);
    for (const metrics::Event& e : log.events()) {
        const std::string line = metrics::event_line(e);
        const auto back = metrics::parse_event_line(line);
        HB_FUZZ_CHECK(back.has_value());
        HB_FUZZ_CHECK(metrics::event_line(*back) == line);
        (void)metrics::format_event(e, e.unix_ms);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
    case 0: http(text); break;
    case 1: ng_cf(text); break;
    case 2: events(text); break;
    default: (void)metrics::parse_since(text, 1796572800000); break;
    }
    return 0;
}
