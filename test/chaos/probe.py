#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The chaos soak's client, in its namespace: every 50 ms an ARP request for the VIP
(broadcast) and an ICMP echo to it through the client's own stack; one line per round with
the MAC addresses that answered each, as the client saw them on the wire:

    MONOTONIC ROUND arp=MAC,MAC ping=MAC      (a list is empty when nobody answered)

MONOTONIC is CLOCK_MONOTONIC in seconds, the clock chaos.py runs on. An ARP answer counts
when it is addressed to the client (a gratuitous one is not an answer); an echo reply when
it carries this run's identifier. Runs until it is killed.
Usage: probe.py DEVICE CLIENT_IP VIP OUTPUT"""

import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
ROUND = 0.05


def mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def main():
    dev, client_ip, vip, out_path = sys.argv[1:5]
    me = socket.inet_aton(client_ip)
    target = socket.inet_aton(vip)
    tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    tap.bind((dev, 0))
    my_mac = tap.getsockname()[4]
    echo = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xffff
    request = (b"\xff" * 6 + my_mac + struct.pack("!H", ETH_P_ARP) +
               struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1) + my_mac + me + b"\0" * 6 + target)
    out = open(out_path, "a", buffering=1)
    seq = 0
    while True:
        seq += 1
        start = time.monotonic()
        arp, ping = set(), set()
        tap.send(request)
        body = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xffff) + b"chaos-probe"
        body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
        try:
            echo.sendto(body, (vip, 0))
        except OSError:
            pass  # no route or no neighbour yet: nobody answers this round
        while True:
            left = start + ROUND - time.monotonic()
            if left <= 0:
                break
            if not select.select([tap], [], [], left)[0]:
                continue
            frame, addr = tap.recvfrom(2048)
            if addr[2] == PACKET_OUTGOING or len(frame) < 42:
                continue
            kind = struct.unpack("!H", frame[12:14])[0]
            if kind == ETH_P_ARP and struct.unpack("!H", frame[20:22])[0] == 2 and \
                    frame[28:32] == target and frame[38:42] == me:
                arp.add(mac_text(frame[22:28]))
            elif kind == ETH_P_IP and frame[23] == socket.IPPROTO_ICMP and frame[26:30] == target:
                icmp = 14 + (frame[14] & 0x0f) * 4
                if frame[icmp] == 0 and struct.unpack("!H", frame[icmp + 4:icmp + 6])[0] == ident:
                    ping.add(mac_text(frame[6:12]))
        out.write(f"{start:.3f} {seq} arp={','.join(sorted(arp))} ping={','.join(sorted(ping))}\n")


if __name__ == "__main__":
    main()
