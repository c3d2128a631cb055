#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A tiny HTTP/1.1 real server for the LVS system tests, run inside a web-NN namespace.

It says who it is (GET / -> NAME), has a health page a test can make fail while the port
still accepts, and streams a slow deterministic download so a test can fail a director
over in the middle of a transfer. Standard library only; bounded by --lifetime.

    websrv.py --name web-01 [--port 80] [--bind 0.0.0.0] [--lifetime 900] [--control DIR]

    GET /                     200, body "NAME\\n"
    GET /health               200 "ok\\n"; 503 "failing\\n" while the file DIR/fail exists
    GET /slow?bytes=N&rate=R  200, N bytes of pattern() at about R bytes/s (R=0: no limit)
    anything else             404 "not found\\n"

Every response carries `X-Server: NAME` and a Content-Length. Keep-alive as HTTP/1.1
has it; `Connection: close` from the client, or HTTP/1.0 without keep-alive, closes.
One line per request on stderr: `TIME CLIENT:PORT METHOD PATH STATUS BYTES [aborted ERR]`.
"""
import argparse
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# The download pattern: byte i of a /slow body is (i * PATTERN_MUL) % PATTERN_MOD.
# 251 is prime, so the pattern has period 251 and does not line up with any power-of-two
# chunk size: a lost, repeated or reordered chunk shows as a mismatch. lvsclient.py
# imports pattern() from here, so the two cannot drift apart.
PATTERN_MUL = 7
PATTERN_MOD = 251
_PERIOD = bytes((i * PATTERN_MUL) % PATTERN_MOD for i in range(PATTERN_MOD))

CHUNK_MAX = 16 * 1024
SLOW_MAX_BYTES = 1 << 30  # a typo in a test must not stream forever
IDLE_TIMEOUT_S = 30       # an idle keep-alive connection is dropped after this


def pattern(offset: int, length: int) -> bytes:
    """Bytes offset .. offset+length-1 of the download pattern."""
    start = offset % PATTERN_MOD
    reps = (start + length) // PATTERN_MOD + 1
    return (_PERIOD * reps)[start:start + length]


def stamp() -> str:
    t = time.time()
    return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so a client may keep the connection; BaseHTTPRequestHandler still closes
    # after each response to an HTTP/1.0 request (unless it asked for keep-alive) or to
    # a request carrying `Connection: close`.
    protocol_version = "HTTP/1.1"
    server_version = "websrv"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S

    def do_GET(self):  # noqa: N802 (name fixed by BaseHTTPRequestHandler)
        self._status = 0
        self._sent = 0
        url = urlsplit(self.path)
        try:
            if url.path == "/":
                self._simple(200, self.server.name + "\n")
            elif url.path == "/health":
                if self.server.control and os.path.exists(os.path.join(self.server.control, "fail")):
                    self._simple(503, "failing\n")
                else:
                    self._simple(200, "ok\n")
            elif url.path == "/slow":
                self._slow(parse_qs(url.query))
            else:
                self._simple(404, "not found\n")
        except (OSError, ValueError) as e:
            # The client went away (reset, broken pipe, timeout): say so in the log
            # line, and drop the connection — its state is unknown.
            self.close_connection = True
            self._log_line(f"aborted {type(e).__name__}")
            return
        self._log_line()

    def _head(self, status, length, ctype="text/plain"):
        self._status = status
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Server", self.server_version)
        self.send_header("X-Server", self.server.name)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _simple(self, status, text):
        body = text.encode()
        self._head(status, len(body))
        self.wfile.write(body)
        self._sent = len(body)

    def _slow(self, query):
        try:
            total = int(query.get("bytes", ["0"])[0])
            rate = int(query.get("rate", ["0"])[0])
        except ValueError:
            self._simple(400, "bad bytes or rate\n")
            return
        if total < 0 or total > SLOW_MAX_BYTES or rate < 0:
            self._simple(400, "bad bytes or rate\n")
            return
        self._head(200, total, "application/octet-stream")
        with self.server.lock:
            self.server.streams += 1
        try:
            self._stream(total, rate)
        finally:
            with self.server.lock:
                self.server.streams -= 1

    def _stream(self, total, rate):
        # About ten chunks a second at low rates, so the stream is smooth rather than
        # one burst and a long pause; never more than CHUNK_MAX at once.
        chunk = CHUNK_MAX if rate == 0 else max(1, min(CHUNK_MAX, rate // 10))
        t0 = time.monotonic()
        while self._sent < total:
            n = min(chunk, total - self._sent)
            self.wfile.write(pattern(self._sent, n))
            self._sent += n
            if rate:
                # Pace against the start time, not the last chunk, so send delays do
                # not add up and the average stays at R.
                delay = t0 + self._sent / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            if self.server.ending.is_set():
                raise ConnectionAbortedError("server lifetime over")

    def _log_line(self, extra=""):
        host, port = self.client_address[:2]
        line = f"{stamp()} {host}:{port} {self.command} {self.path} {self._status} {self._sent}"
        sys.stderr.write(line + (" " + extra if extra else "") + "\n")
        sys.stderr.flush()

    def log_request(self, code="-", size="-"):
        pass  # one line per request comes from _log_line, after the body is out

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        # Protocol errors (bad request line, ...) from the base class: keep them, on one line.
        host, port = self.client_address[:2]
        sys.stderr.write(f"{stamp()} {host}:{port} - " + (format % args) + "\n")
        sys.stderr.flush()


class Server(ThreadingHTTPServer):
    # HTTPServer already sets SO_REUSEADDR (allow_reuse_address); said here because a
    # restarted real server must rebind at once while old connections sit in TIME_WAIT.
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64


def main():
    ap = argparse.ArgumentParser(description="HTTP real server for the LVS system tests")
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, default=80)
    # The wildcard by default: an LVS direct-routing real server also answers on the VIP
    # configured on its lo, which a bind to ens34's address would not.
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--lifetime", type=float, default=900.0)
    ap.add_argument("--control", default=None, help="directory; the file DIR/fail fails /health")
    a = ap.parse_args()

    try:
        srv = Server((a.bind, a.port), Handler)
    except OSError as e:
        sys.stderr.write(f"websrv {a.name}: cannot listen on {a.bind}:{a.port}: {e}\n")
        return 2
    srv.name = a.name
    srv.control = a.control
    srv.ending = threading.Event()
    srv.lock = threading.Lock()
    srv.streams = 0
    worker = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    worker.start()
    # SIGTERM (netns_stop, netns_cleanup) ends the wait below, so we log "exiting" and
    # close the listening socket instead of vanishing mid-line.
    signal.signal(signal.SIGTERM, lambda *_: srv.ending.set())
    sys.stderr.write(f"websrv {a.name}: listening on {a.bind}:{a.port} (lifetime {a.lifetime:g} s)\n")
    sys.stderr.flush()
    try:
        # Bounded: whoever started us may have died without stopping us.
        srv.ending.wait(a.lifetime)
    except KeyboardInterrupt:
        pass
    srv.ending.set()
    srv.shutdown()
    srv.server_close()
    # Streams notice `ending` after their current chunk (at most ~0.1 s at low rates):
    # give them that long to log their "aborted" line, since handler threads are daemons
    # and would otherwise die silently with the process.
    for _ in range(20):
        with srv.lock:
            if srv.streams == 0:
                break
        time.sleep(0.1)
    sys.stderr.write(f"websrv {a.name}: exiting\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
