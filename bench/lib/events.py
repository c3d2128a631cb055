#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One kill -9 trial of bench/run, timed from the events themselves (all on this host's
clock): the client's capture of the VIP's echo replies (tcpdump -tt), lvs-02's capture of
heartbeat traffic (the `stonith` message both 3.0.6 and ours send the moment they declare
the peer dead) and lvs-02's netlink address notifications (ip -ts monitor address).
Prints CSV rows: row,kind,trial,ms."""
import argparse
import datetime
import re
import sys

STAMP = re.compile(r"^(\d+\.\d+) ")


def replies(path, mac=None):
    """Times of the echo replies the client received from the VIP (from the director with
    Ethernet address `mac` only, when given: tcpdump -e prints the source first)."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = STAMP.match(line)
            if not m or "echo reply" not in line:
                continue
            if mac and not line[m.end():].lower().startswith(mac.lower()):
                continue
            out.append(float(m.group(1)))
    return out


def first_stonith(path, after):
    """Time of the first heartbeat datagram after `after` that carries t=stonith."""
    current = None
    with open(path, errors="replace") as f:
        for line in f:
            m = STAMP.match(line)
            if m:
                current = float(m.group(1))
                continue
            if current is not None and current > after and "t=stonith" in line:
                return current
    return None


def first_address(path, address, after):
    """Time of the first netlink notification that `address` was added, after `after`."""
    stamp = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\]")
    with open(path, errors="replace") as f:
        for line in f:
            m = stamp.match(line)
            if not m or f" inet {address}/" not in line or "Deleted" in line:
                continue
            t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
            if t > after:
                return t
    return None


def main():
    p = argparse.ArgumentParser()
    for name in ("kind", "trial", "vip", "client", "lvs02", "monitor", "mac1", "mac2"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--kill", type=float, required=True)
    p.add_argument("--standby", type=float, required=True)
    p.add_argument("--takeover", type=float, required=True)
    a = p.parse_args()
    up = next((t for t in replies(a.client) if t > a.start), None)
    # After the kill, lvs-01's VIP lingers until the bench removes it (a dead box takes it
    # along): only lvs-02's answers count.
    back = next((t for t in replies(a.client, a.mac2) if t > a.kill), None)
    dead = first_stonith(a.lvs02, a.kill)
    vip = first_address(a.monitor, a.vip, a.kill)
    from_peer = replies(a.client, a.mac2)
    from_holder = replies(a.client, a.mac1)
    moved = next((t for t in from_peer if t > a.standby), None)
    back_home = next((t for t in from_holder if t > a.takeover), None)
    rows = [
        ("start_to_vip_answers", up, a.start),
        ("standby_to_vip_answers", moved, a.standby),
        ("takeover_to_vip_answers", back_home, a.takeover),
        ("kill_to_detection", dead, a.kill),
        ("detection_to_vip_up", vip, dead),
        ("kill_to_vip_answers", back, a.kill),
    ]
    for row, t, since in rows:
        ms = "" if t is None or since is None else f"{(t - since) * 1000:.1f}"
        print(f"{row},{a.kind},{a.trial},{ms}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
