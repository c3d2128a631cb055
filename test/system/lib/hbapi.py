#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A bare client of heartbeat's API socket, for tests: frames (8-byte header: body length
and magic 0xabcd, little-endian; body = classic `>>>`/`<<<` text + NUL), requests, raw bytes.

    hbapi.py [--socket PATH] request REQTYPE [name=value...]   sign on, send, print replies
    hbapi.py [--socket PATH] raw HEX                             send bytes after sign-on
    hbapi.py [--socket PATH] fuzz SEED COUNT                     malformed input, see fuzz()
    hbapi.py [--socket PATH] flood COUNT                         requests, never reading replies
    hbapi.py [--socket PATH] hold CLIENT                         a named client, until stdin ends

Replies are printed one per line as `name=value|name=value|…`. Exit 0 when the connection
behaved (answered or closed); 1 on a protocol surprise; 2 when it could not connect.
"""
import os
import random
import socket
import struct
import sys

MAGIC = 0xABCD
REGISTER = "/run/heartbeat/register"


def frame(body: bytes) -> bytes:
    return struct.pack("<iI", len(body), MAGIC) + body


def encode(fields) -> bytes:
    text = ">>>\n" + "".join(f"{k}={v}\n" for k, v in fields) + "<<<\n"
    return text.encode() + b"\0"


def parse(body: bytes):
    text = body.rstrip(b"\0").decode(errors="replace")
    lines = text.split("\n")
    out = []
    for line in lines:
        if line in (">>>", "<<<", ""):
            continue
        k, _, v = line.partition("=")
        out.append((k, v))
    return out


class Client:
    def __init__(self, path=REGISTER, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.pid = str(os.getpid())

    def send_fields(self, fields):
        self.sock.sendall(frame(encode(fields)))

    def request(self, reqtype, extra=()):
        self.send_fields([("t", "hbapi-req"), ("reqtype", reqtype), ("dest", socket.gethostname()),
                          ("pid", self.pid), ("from_id", self.pid)] + list(extra))

    def signon(self, client_id=None):
        cid = client_id or self.pid
        self.send_fields([("t", "hbapi-req"), ("reqtype", "signon"), ("dest", socket.gethostname()),
                          ("pid", self.pid), ("from_id", cid), ("uid", str(os.geteuid())),
                          ("gid", str(os.getegid()))])
        self.pid = cid if client_id else self.pid
        return self.recv()

    def recv(self):
        """The next message as a list of (name, value), or None when the peer closed."""
        while True:
            if len(self.buf) >= 8:
                n, magic = struct.unpack("<iI", self.buf[:8])
                if magic != MAGIC:
                    raise ValueError(f"bad magic {magic:#x}")
                if len(self.buf) >= 8 + n:
                    body, self.buf = self.buf[8:8 + n], self.buf[8 + n:]
                    return parse(body)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def replies(self):
        """Replies to the last request: until a result other than ok/more."""
        out = []
        while True:
            m = self.recv()
            if m is None:
                return out, True
            out.append(m)
            if dict(m).get("result") != "ok/more":
                return out, False


def show(m):
    print("|".join(f"{k}={v}" for k, v in m))


def fuzz(path, seed, count):
    """Malformed and hostile input, one connection each; afterwards a normal query must work.
    Returns the number of cases where the daemon did something other than reply or close."""
    rng = random.Random(seed)
    bad = 0
    good = encode([("t", "hbapi-req"), ("reqtype", "nodelist"), ("pid", "1"), ("from_id", "1")])
    for i in range(count):
        kind = i % 9
        if kind == 0:    # random bytes, no frame
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        elif kind == 1:  # bad magic
            data = struct.pack("<iI", len(good), 0xDEAD) + good
        elif kind == 2:  # huge length
            data = struct.pack("<iI", rng.choice([1 << 20, 1 << 30, -1]), MAGIC) + good
        elif kind == 3:  # body that is not a message
            data = frame(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
        elif kind == 4:  # request before sign-on
            data = frame(good)
        elif kind == 5:  # truncated frame, then close
            data = frame(good)[: rng.randrange(1, len(good))]
        elif kind == 6:  # unknown reqtype, missing fields, odd values
            data = frame(encode([("t", "hbapi-req"), ("reqtype", rng.choice(
                ["", "nosuch", "signon", "nodestatus", "ifstatus", "getparm", "clientstatus",
                 "setfilter", "setsignal", "iflist"])), ("pid", "x" * rng.randrange(0, 300))]))
        elif kind == 7:  # a field longer than any limit
            data = frame(encode([("t", "hbapi-req"), ("reqtype", "getparm"),
                                 ("pname", "k" * 70000)]))
        else:            # zero length
            data = struct.pack("<iI", 0, MAGIC)
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(2.0)
            s.connect(path)
            if kind in (3, 6, 7):
                c = Client.__new__(Client)
                c.sock, c.buf, c.pid = s, b"", str(os.getpid())
                c.signon()
            s.sendall(data)
            if kind == 5:
                s.close()
                continue
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except (ConnectionResetError, BrokenPipeError):
            pass
        except socket.timeout:
            print(f"case {i} (kind {kind}): no reply and not closed within 2 s")
            bad += 1
        finally:
            s.close()
    return bad


def flood(path, count):
    """Sign on, send COUNT requests without reading a reply. The daemon must drop us (its
    queue for a client is bounded) rather than grow. Returns True when it did."""
    c = Client(path, timeout=10.0)
    if c.signon() is None:
        return False
    req = frame(encode([("t", "hbapi-req"), ("reqtype", "nodelist"), ("dest", "x"),
                        ("pid", c.pid), ("from_id", c.pid)]))
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        for _ in range(count):
            c.sock.sendall(req)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    # Now read: the stream must end (closed by the daemon), not go on forever.
    got = 0
    try:
        while True:
            chunk = c.sock.recv(65536)
            if not chunk:
                return True
            got += len(chunk)
            if got > 64 * 1024 * 1024:
                return False
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def main(argv):
    path = REGISTER
    if len(argv) > 2 and argv[1] == "--socket":
        path = argv[2]
        argv = [argv[0]] + argv[3:]
    if len(argv) < 2:
        print(__doc__)
        return 2
    if argv[1] == "fuzz":
        return 1 if fuzz(path, int(argv[2]), int(argv[3])) else 0
    if argv[1] == "flood":
        return 0 if flood(path, int(argv[2])) else 1
    if argv[1] == "hold":
        # Sign on as a named client and stay until stdin closes (or 60 s).
        c = Client(path)
        on = c.signon(argv[2])
        show(on or [("closed", "")])
        sys.stdout.flush()
        import select
        select.select([sys.stdin], [], [], 60)
        return 0
    try:
        c = Client(path)
    except OSError as e:
        print(f"cannot connect: {e}")
        return 2
    on = c.signon()
    if on is None:
        print("closed at sign-on")
        return 1
    show(on)
    if argv[1] == "request":
        c.request(argv[2], [tuple(a.split("=", 1)) for a in argv[3:]])
    elif argv[1] == "raw":
        c.sock.sendall(bytes.fromhex(argv[2]))
    msgs, closed = c.replies()
    for m in msgs:
        show(m)
    if closed:
        print("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
