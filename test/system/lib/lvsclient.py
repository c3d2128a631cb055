#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The client side of the LVS system tests: a request loop that records every request's
outcome, a summary of such a record over a time window, and a verified slow download.
Standard library only; every mode is bounded in time. The HTTP is spoken by hand on a
raw socket, so a reset, a refusal, a timeout and a short answer can be told apart.

    lvsclient.py loop --url URL --interval S --duration S --out FILE [--timeout S]
    lvsclient.py summary FILE [--since MS] [--until MS]
    lvsclient.py servers FILE [--since MS] [--until MS]
    lvsclient.py download --url URL --bytes N [--timeout S]

loop: every INTERVAL a new TCP connection and one `GET` with `Connection: close`, each in
its own thread (a slow request never delays the next start). One line per request, in
order of completion, flushed at once:

    START_MS END_MS OUTCOME DETAIL

START_MS/END_MS are wall-clock milliseconds (time.time()). OUTCOME / DETAIL:
    ok       first line of the body (the real server's name), see token()
    reset    ECONNRESET | EPIPE | ECONNABORTED | eof-head | eof-body  (eof-*: closed
             before a full response)
    refused  -
    timeout  connect | read           (the whole request is bounded by --timeout)
    http     the status code (non-200)
    error    the exception's name, with the errno name when there is one
             (e.g. OSError:EHOSTUNREACH)
At the end (or on SIGTERM, after the requests in flight) one line on stdout:
    requests N ok N reset N refused N timeout N http N error N [SERVER N]...

summary: the same counts for the lines whose START_MS is in [since, until], one
`key value` per line, then
    servers                  SERVER,SERVER... (sorted) or -
    first_fail_ms            START_MS of the first request that was not ok, 0 if none
    first_ok_after_fail_ms   START_MS of the first ok request after that, 0 if none
    outage_ms                the difference of the two; 0 if nothing failed; if it never
                             recovered: the last END_MS in the window - first_fail_ms
    recovered                1 if nothing failed or an ok followed the first failure, else 0
    fails_after_recovery     requests not ok that started after first_ok_after_fail_ms

servers: the servers of the ok lines in the window, one per line, unique, sorted.

download: one GET; checks status 200, Content-Length == N, and every byte against
websrv.pattern(). stdout: `download ok bytes N seconds S` (exit 0) or
`download FAIL REASON after B bytes` (exit 1), REASON one of reset, closed (EOF before
N bytes), timeout, refused, http-CODE, length-CL, pattern (B = the good bytes before the
first wrong one), error-NAME. Progress goes to stderr (`download: B bytes after S s`,
about once a second) so a test can wait for the transfer to be under way.

--timeout bounds a whole request (connect, send and read together): in loop each one
(default 1 s), in download the entire transfer (default 30 s).
"""
import argparse
import errno
import os
import signal
import socket
import sys
import threading
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree by a test run
from websrv import pattern  # noqa: E402 (the one definition of the download pattern)

OUTCOMES = ("ok", "reset", "refused", "timeout", "http", "error")
RESET_ERRNOS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)
MAX_HEAD = 64 * 1024
MAX_DURATION_S = 3600


class Closed(Exception):
    """The peer closed the connection before the response was complete."""


class BadResponse(Exception):
    """Not an HTTP response we understand."""


def parse_url(url):
    u = urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        raise SystemExit(f"lvsclient: only http://HOST[:PORT]/PATH URLs, not {url!r}")
    target = (u.path or "/") + ("?" + u.query if u.query else "")
    return u.hostname, u.port or 80, target, u.netloc


def now_ms():
    return int(time.time() * 1000)


def errname(e):
    """Exception name plus errno name: one token for a result line."""
    name = type(e).__name__
    if isinstance(e, OSError) and e.errno in errno.errorcode:
        name += ":" + errno.errorcode[e.errno]
    return name


def token(raw):
    """A body's first line as one field of a result line: at most 64 characters, anything
    outside [A-Za-z0-9._:@+-] replaced by `_`, `-` if empty (a binary or odd body must not
    break the four-field format)."""
    text = raw.decode("ascii", "replace").strip()[:64]
    return "".join(c if c.isascii() and (c.isalnum() or c in "._:@+-") else "_" for c in text) or "-"


class Conn:
    """One HTTP/1.1 exchange on a fresh connection, every step under one deadline."""

    def __init__(self, host, port, timeout):
        self.deadline = time.monotonic() + timeout
        self.phase = "connect"
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.phase = "read"

    def _left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline")
        return left

    def send_get(self, target, netloc):
        req = f"GET {target} HTTP/1.1\r\nHost: {netloc}\r\nConnection: close\r\n" \
              f"User-Agent: lvsclient\r\n\r\n"
        self.sock.settimeout(self._left())
        self.sock.sendall(req.encode())

    def recv(self, n=65536):
        self.sock.settimeout(self._left())
        return self.sock.recv(n)

    def read_head(self):
        """Returns (status, headers with lower-case names, body bytes already read)."""
        buf = b""
        while b"\r\n\r\n" not in buf:
            if len(buf) > MAX_HEAD:
                raise BadResponse("head too long")
            data = self.recv()
            if not data:
                raise Closed("eof-head")
            buf += data
        head, body = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise BadResponse("status line")
        headers = {}
        for line in lines[1:]:
            k, sep, v = line.partition(":")
            if sep:
                headers[k.strip().lower()] = v.strip()
        return int(parts[1]), headers, body

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def content_length(headers):
    v = headers.get("content-length")
    if v is None:
        return None
    if not v.isdigit():
        raise BadResponse("content-length")
    return int(v)


def one_request(host, port, target, netloc, timeout):
    """One GET on a new connection -> (outcome, detail)."""
    conn = None
    try:
        conn = Conn(host, port, timeout)
        conn.send_get(target, netloc)
        status, headers, body = conn.read_head()
        cl = content_length(headers)
        # Without a Content-Length the body runs to EOF (Connection: close).
        while cl is None or len(body) < cl:
            data = conn.recv()
            if not data:
                if cl is None:
                    break
                raise Closed("eof-body")
            body += data
        if status != 200:
            return "http", str(status)
        return "ok", token(body.split(b"\n", 1)[0])
    except ConnectionRefusedError:
        return "refused", "-"
    except TimeoutError:
        return "timeout", conn.phase if conn else "connect"
    except Closed as e:
        return "reset", str(e)
    except OSError as e:
        if e.errno in RESET_ERRNOS:
            return "reset", errno.errorcode[e.errno]
        return "error", errname(e)
    except Exception as e:  # noqa: BLE001 (the record must show whatever happened)
        return "error", errname(e)
    finally:
        if conn:
            conn.close()


# ---- records -------------------------------------------------------------------------

def read_records(path):
    """The result lines of FILE, sorted by start; malformed lines are skipped."""
    recs = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.split()
            if len(p) != 4 or p[2] not in OUTCOMES:
                continue
            try:
                recs.append((int(p[0]), int(p[1]), p[2], p[3]))
            except ValueError:
                continue
    recs.sort()
    return recs


def window(recs, since, until):
    return [r for r in recs if (since is None or r[0] >= since) and (until is None or r[0] <= until)]


def tally(recs):
    """[(key, value)...]: requests, each outcome, then each server's ok count."""
    counts = {o: 0 for o in OUTCOMES}
    servers = {}
    for _, _, outcome, detail in recs:
        counts[outcome] += 1
        if outcome == "ok":
            servers[detail] = servers.get(detail, 0) + 1
    pairs = [("requests", len(recs))] + [(o, counts[o]) for o in OUTCOMES]
    return pairs + sorted(servers.items())


def one_line(pairs):
    return " ".join(f"{k} {v}" for k, v in pairs)


def outage(recs):
    """[(key, value)...] about the first failure in recs (sorted by start)."""
    first_fail = next((r for r in recs if r[2] != "ok"), None)
    if first_fail is None:
        return [("first_fail_ms", 0), ("first_ok_after_fail_ms", 0), ("outage_ms", 0),
                ("recovered", 1), ("fails_after_recovery", 0)]
    after = [r for r in recs if r[0] > first_fail[0]]
    first_ok = next((r for r in after if r[2] == "ok"), None)
    if first_ok is None:
        last_end = max(r[1] for r in recs)
        return [("first_fail_ms", first_fail[0]), ("first_ok_after_fail_ms", 0),
                ("outage_ms", last_end - first_fail[0]), ("recovered", 0),
                ("fails_after_recovery", 0)]
    later_fails = sum(1 for r in after if r[0] > first_ok[0] and r[2] != "ok")
    return [("first_fail_ms", first_fail[0]), ("first_ok_after_fail_ms", first_ok[0]),
            ("outage_ms", first_ok[0] - first_fail[0]), ("recovered", 1),
            ("fails_after_recovery", later_fails)]


def ok_servers(recs):
    return sorted({r[3] for r in recs if r[2] == "ok"})


# ---- modes ---------------------------------------------------------------------------

def cmd_loop(a):
    host, port, target, netloc = parse_url(a.url)
    if a.interval <= 0 or a.duration <= 0 or a.timeout <= 0 or a.duration > MAX_DURATION_S:
        raise SystemExit(f"lvsclient: need interval, timeout > 0 and 0 < duration <= {MAX_DURATION_S}")
    out = open(a.out, "w", encoding="utf-8")
    lock = threading.Lock()
    recs = []
    stop = threading.Event()
    # netns_stop/netns_cleanup send SIGTERM: stop starting requests, let the ones in
    # flight finish (each is bounded by --timeout), still print the summary.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def run_one():
        start = now_ms()
        outcome, detail = one_request(host, port, target, netloc, a.timeout)
        end = now_ms()
        with lock:
            recs.append((start, end, outcome, detail))
            if not out.closed:
                out.write(f"{start} {end} {outcome} {detail}\n")
                out.flush()

    threads = []
    t0 = time.monotonic()
    end_at = t0 + a.duration
    k = 0
    while not stop.is_set():
        due = t0 + k * a.interval
        if due >= end_at:
            break
        wait = due - time.monotonic()
        if wait > 0 and stop.wait(wait):
            break
        th = threading.Thread(target=run_one, daemon=True)
        th.start()
        threads.append(th)
        k += 1
        # If this machine stalled for longer than an interval, go on from the next slot
        # instead of firing the missed ones in a burst (a burst is not what we measure).
        behind = int((time.monotonic() - t0) / a.interval)
        k = max(k, behind)
    join_until = time.monotonic() + a.timeout + 2
    for th in threads:
        th.join(max(0.0, join_until - time.monotonic()))
    with lock:
        out.close()
        pairs = tally(sorted(recs))
    print(one_line(pairs), flush=True)
    return 0


def cmd_summary(a):
    recs = window(read_records(a.file), a.since, a.until)
    for k, v in tally(recs):
        print(k, v)
    print("servers", ",".join(ok_servers(recs)) or "-")
    for k, v in outage(recs):
        print(k, v)
    return 0


def cmd_servers(a):
    for s in ok_servers(window(read_records(a.file), a.since, a.until)):
        print(s)
    return 0


def cmd_download(a):
    host, port, target, netloc = parse_url(a.url)
    good = 0
    t0 = time.monotonic()

    def fail(reason):
        print(f"download FAIL {reason} after {good} bytes", flush=True)
        return 1

    conn = None
    try:
        conn = Conn(host, port, a.timeout)
        conn.send_get(target, netloc)
        status, headers, data = conn.read_head()
        if status != 200:
            return fail(f"http-{status}")
        cl = content_length(headers)
        if cl != a.bytes:
            return fail(f"length-{cl if cl is not None else 'none'}")
        sys.stderr.write(f"download: status 200 content-length {cl}\n")
        sys.stderr.flush()
        next_report = time.monotonic() + 1.0
        while True:
            data = data[:a.bytes - good]
            if data:
                want = pattern(good, len(data))
                if data != want:
                    good += next(i for i, (x, y) in enumerate(zip(data, want)) if x != y)
                    return fail("pattern")
                good += len(data)
            if good >= a.bytes:
                break
            if time.monotonic() >= next_report:
                sys.stderr.write(f"download: {good} bytes after {time.monotonic() - t0:.1f} s\n")
                sys.stderr.flush()
                next_report += 1.0
            data = conn.recv()
            if not data:
                return fail("closed")
    except ConnectionRefusedError:
        return fail("refused")
    except TimeoutError:
        return fail("timeout")
    except Closed:
        return fail("closed")
    except OSError as e:
        if e.errno in RESET_ERRNOS:
            return fail("reset")
        return fail(f"error-{errname(e)}")
    except Exception as e:  # noqa: BLE001 (report whatever happened, as one line)
        return fail(f"error-{errname(e)}")
    finally:
        if conn:
            conn.close()
    print(f"download ok bytes {good} seconds {time.monotonic() - t0:.2f}", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description="client for the LVS system tests")
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("loop", help="one new connection per interval, outcomes to FILE")
    p.add_argument("--url", required=True)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=1.0)
    p.set_defaults(func=cmd_loop)
    for name, func in (("summary", cmd_summary), ("servers", cmd_servers)):
        p = sub.add_parser(name)
        p.add_argument("file")
        p.add_argument("--since", type=int, default=None)
        p.add_argument("--until", type=int, default=None)
        p.set_defaults(func=func)
    p = sub.add_parser("download", help="one verified download")
    p.add_argument("--url", required=True)
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--timeout", type=float, default=30.0)
    p.set_defaults(func=cmd_download)
    a = ap.parse_args()
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
