#!/usr/bin/env python3
"""Check the two authentication digests of captured heartbeat 3.0.6 datagrams
against spec §8.4, with our own independent implementation.

    verify_auth.py [FILE.bin|FILE.pcap ...]     (default: every *.bin and ref-*.pcap here)

For each datagram:
  trailer  `<len>:<N> <hex>,` after `%%%\\n` = digest over bytes `###\\n` .. `%%%\\n`
           inclusive (the inner `auth` field included);
  inner    field `auth=<N> <hex>` = digest over the classic text of every other field,
           i.e. the concatenation of `name=value\\n` lines (binary fields written as
           `(1)name=<base64>`), without the `>>>`/`<<<` lines.
Method from the digest length: 40 hex = sha1 (HMAC), 32 = md5 (HMAC), else crc.
Key for sha1/md5: `secret`. crc: CRC-32 MSB-first, poly 0x04C11DB7, init 0, no
reflection, final complement, printed with %lx (no leading zeros).
Exit 0 when every datagram verifies, 1 otherwise.
"""
import base64
import glob
import hashlib
import hmac
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extract_payloads import parse_netstring_msg, read_pcap  # noqa: E402

KEY = b"secret"


def _crc_table():
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else (c << 1)
        table.append(c & 0xFFFFFFFF)
    return table


CRC_TABLE = _crc_table()


def crc_hex(data):
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ CRC_TABLE[((crc >> 24) ^ b) & 0xFF]
    return "%x" % (~crc & 0xFFFFFFFF)


def digest(method, data):
    if method == "sha1":
        return hmac.new(KEY, data, hashlib.sha1).hexdigest()
    if method == "md5":
        return hmac.new(KEY, data, hashlib.md5).hexdigest()
    return crc_hex(data)


def method_of(hexdigest):
    return {40: "sha1", 32: "md5"}.get(len(hexdigest), "crc")


def classic_text(fields):
    """Classic text of the fields except `auth`, without >>>/<<< lines."""
    out = b""
    for ftype, name, value in fields:
        if name == "auth":
            continue
        if ftype == 0:
            out += name.encode() + b"=" + value + b"\n"
        elif ftype == 1:
            out += b"(1)" + name.encode() + b"=" + base64.b64encode(value) + b"\n"
        else:
            raise ValueError("field type %d not handled" % ftype)
    return out


def check(label, payload):
    msg = parse_netstring_msg(payload)
    problems = []
    if msg["trailer"] is None:
        problems.append("no trailer")
    else:
        idx, hexd = msg["trailer"]
        method = method_of(hexd)
        want = digest(method, msg["body"])
        if want != hexd:
            problems.append("trailer %s: got %s computed %s" % (method, hexd, want))
    inner = [v.decode() for t, n, v in msg["fields"] if n == "auth"]
    if len(inner) != 1:
        problems.append("%d inner auth fields" % len(inner))
    else:
        iidx, ihex = inner[0].split(" ", 1)
        imethod = method_of(ihex)
        want = digest(imethod, classic_text(msg["fields"]))
        if want != ihex:
            problems.append("inner %s: got %s computed %s" % (imethod, ihex, want))
        if msg["trailer"] and int(iidx) != msg["trailer"][0]:
            problems.append("index differs: inner %s trailer %d" % (iidx, msg["trailer"][0]))
    if msg["rest"]:
        problems.append("%d bytes after the trailer: %r" % (len(msg["rest"]), msg["rest"]))
    mtype = next((v.decode() for _t, n, v in msg["fields"] if n == "t"), "?")
    status = "OK  " if not problems else "FAIL"
    tr = msg["trailer"]
    print("%s %-28s t=%-16s idx=%s %s%s" % (
        status, label, mtype,
        tr[0] if tr else "-", method_of(tr[1]) if tr else "-",
        ("  " + "; ".join(problems)) if problems else ""))
    return not problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "*.bin"))) + sorted(
        glob.glob(os.path.join(here, "ref-*.pcap")))
    ok = bad = 0
    for path in args:
        name = os.path.basename(path)
        if path.endswith(".pcap"):
            for i, (_ts, _s, _d, _sp, _dp, payload) in enumerate(read_pcap(path)):
                if check("%s#%d" % (name, i), payload):
                    ok += 1
                else:
                    bad += 1
        else:
            with open(path, "rb") as f:
                if check(name, f.read()):
                    ok += 1
                else:
                    bad += 1
    print("verified %d, failed %d" % (ok, bad))
    return 0 if bad == 0 and ok > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
