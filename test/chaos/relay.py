#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The chaos soak's impairment of heartbeat traffic, since this kernel has no netem: runs in
the bridge namespace while an nftables netdev table drops the directors' UDP 694 frames at
the ingress of their bridge ports. Packet taps see a frame before ingress hooks do, so this
relay still reads each of them on its port, and sends it out of the other director's port
itself:

    delay D    every frame D seconds late (the order kept)
    reorder D  every frame a random 0..D seconds late (so the order is lost)
    dup N      every frame at once and N - 1 more times within 0.2 s

Usage: relay.py MODE VALUE PORT_A PORT_B SEED. Runs until it is killed; what it holds then is
lost."""

import heapq
import random
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
PORT = 694


def heartbeat(frame):
    if len(frame) < 42 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP or frame[23] != 17:
        return False
    udp = 14 + (frame[14] & 0x0f) * 4
    return len(frame) >= udp + 4 and struct.unpack("!H", frame[udp + 2:udp + 4])[0] == PORT


def main():
    mode, value, port_a, port_b, seed = sys.argv[1:6]
    value = float(value)
    rng = random.Random(int(seed))
    socks = {}
    for name in (port_a, port_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        socks[name] = s
    across = {port_a: socks[port_b], port_b: socks[port_a]}
    by_fd = {s.fileno(): name for name, s in socks.items()}
    due = []  # (when, order, socket, frame)
    order = 0
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, out, frame = heapq.heappop(due)
            try:
                out.send(frame)
            except OSError:
                pass
        timeout = max(0.0, due[0][0] - now) if due else 1.0
        for fd in select.select(list(by_fd), [], [], timeout)[0]:
            name = by_fd[fd]
            frame, addr = socks[name].recvfrom(65535)
            if addr[2] == PACKET_OUTGOING or not heartbeat(frame):
                continue
            now = time.monotonic()
            if mode == "delay":
                lags = [value]
            elif mode == "reorder":
                lags = [rng.uniform(0.0, value)]
            else:
                lags = [0.0] + [rng.uniform(0.0, 0.2) for _ in range(int(value) - 1)]
            for lag in lags:
                order += 1
                heapq.heappush(due, (now + lag, order, across[name], frame))


if __name__ == "__main__":
    main()
