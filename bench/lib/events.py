#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One trial of bench/run (bench/lib/pair.sh), timed from the events themselves (all on this
host's clock): the client's capture of the VIP's echo replies (tcpdump -tt), lvs-02's
capture of heartbeat traffic (the `stonith` message both 3.0.6 and ours send the moment
they declare the peer dead) and both directors' netlink address notifications
(ip -ts monitor address). Prints CSV rows: row,kind,trial,ms (empty ms: the event never
came)."""
import argparse
import datetime
import re
import sys

STAMP = re.compile(r"^(\d+\.\d+) ")


def frames(path, keep, mac=None):
    """Times of the frames in the client's capture whose line `keep` accepts (from the
    director with Ethernet address `mac` only, when given: tcpdump -e prints the source
    first)."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = STAMP.match(line)
            if not m or not keep(line):
                continue
            if mac and not line[m.end():].lower().startswith(mac.lower()):
                continue
            out.append(float(m.group(1)))
    return out


def replies(path, mac=None):
    """Times of the echo replies the client received from the VIP (from `mac` only, when
    given)."""
    return frames(path, lambda line: "echo reply" in line, mac)


def announcements(path, mac, vip):
    """Times of the ARP frames from `mac` for `vip` the client saw (gratuitous requests and
    replies)."""
    return frames(path, lambda line: "ethertype ARP" in line and f" {vip} " in line, mac)


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


MONITOR_STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\]")


def monitor_lines(path):
    """(time, line) of each stamped line of `ip -ts monitor address` output, in order."""
    with open(path, errors="replace") as f:
        for line in f:
            m = MONITOR_STAMP.match(line)
            if m:
                yield datetime.datetime.fromisoformat(m.group(1)).timestamp(), line


def address_events(path, address):
    """[(time, added)] of the netlink notifications about `address`, in order."""
    return [(t, "Deleted" not in line) for t, line in monitor_lines(path)
            if f" inet {address}/" in line]


def all_up(path, after, want):
    """The time, after `after`, from which `want` addresses of 10.20.0.0/16 were on the
    interface with that netmask. Counted by address: 3.0.6's IPaddr (ifconfig) adds each one
    as a /8 first, deletes it and adds it again as a /16, so counting notifications would
    finish early."""
    entry = re.compile(r" inet (10\.20\.\d+\.\d+)/16 ")
    up = set()
    for t, line in monitor_lines(path):
        e = entry.search(line)
        if not e:
            continue
        if "Deleted" in line:
            up.discard(e.group(1))
        else:
            up.add(e.group(1))
        if t > after and len(up) >= want:
            return t
    return None


def first_address(path, address, after):
    """Time of the first netlink notification that `address` was added, after `after`."""
    return next((t for t, added in address_events(path, address) if added and t > after), None)


def heal(events1, events2, up, settled):
    """The partition heal at `up`: the time the holders became exactly one for good (the
    last change before `settled`; `up` itself if they were one already), and the time both
    still held the address (until the first of them let go; `up` if they did not both)."""
    held = {1: False, 2: False}
    changes = sorted([(t, 1, a) for t, a in events1 if t <= settled] +
                     [(t, 2, a) for t, a in events2 if t <= settled])
    for t, who, added in changes:
        if t <= up:
            held[who] = added
    one_at = None
    both_until = None if held[1] and held[2] else up
    for t, who, added in (c for c in changes if c[0] > up):
        was_one = held[1] != held[2]
        held[who] = added
        if both_until is None and not (held[1] and held[2]):
            both_until = t
        if held[1] == held[2]:
            one_at = None
        elif not was_one:
            one_at = t
    if held[1] == held[2]:
        return None, both_until
    return (one_at if one_at is not None else up), both_until


def longest_gap(times, start, end):
    """The longest wait between answers from `start` to `end` (the first wait counts from
    `start`)."""
    last, gap = start, 0.0
    for t in times:
        if start < t <= end:
            gap = max(gap, t - last)
            last = t
    return max(gap, end - last)


def big_main(argv):
    """bench/lib/big.sh: declared dead -> the last of `want` addresses up on the peer (its
    capture of heartbeat traffic and its netlink notifications, from the kill on)."""
    p = argparse.ArgumentParser(prog="events.py big")
    for name in ("kind", "trial", "row", "capture", "monitor"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--want", type=int, required=True)
    p.add_argument("--kill", type=float, required=True)
    a = p.parse_args(argv)
    dead = first_stonith(a.capture, a.kill)
    last = all_up(a.monitor, a.kill, a.want) if dead is not None else None
    ms = "" if last is None else f"{(last - dead) * 1000:.1f}"
    print(f"{a.row},{a.kind},{a.trial},{ms}")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "big":
        return big_main(sys.argv[2:])
    p = argparse.ArgumentParser()
    for name in ("kind", "trial", "vip", "client", "lvs02", "monitor", "monitor1", "mac1",
                 "mac2"):
        p.add_argument("--" + name, required=True)
    for name in ("start", "kill", "standby", "takeover", "down", "up", "settled"):
        p.add_argument("--" + name, type=float, required=True)
    a = p.parse_args()
    killed = a.kill > 0  # 0: the trial had no kill (the heal left the VIP elsewhere)
    up = next((t for t in replies(a.client) if t > a.start), None)
    # After the kill, lvs-01's VIP lingers until the bench removes it (a dead box takes it
    # along): only lvs-02's answers count.
    from_peer = replies(a.client, a.mac2)
    from_holder = replies(a.client, a.mac1)
    back = next((t for t in from_peer if t > a.kill), None) if killed else None
    dead = first_stonith(a.lvs02, a.kill) if killed else None
    vip = first_address(a.monitor, a.vip, a.kill) if killed else None
    arp = next((t for t in announcements(a.client, a.mac2, a.vip) if t > a.kill), None) \
        if killed else None
    # 0: the standby moved nothing (pair.sh), so neither move is timed.
    moved = next((t for t in from_peer if t > a.standby), None) if a.standby > 0 else None
    back_home = next((t for t in from_holder if t > a.takeover), None) if a.takeover > 0 \
        else None
    via_peer = next((t for t in from_peer if t > a.down), None)
    one, both_until = heal(address_events(a.monitor1, a.vip), address_events(a.monitor, a.vip),
                           a.up, a.settled)
    gap = longest_gap(sorted(from_peer + from_holder), a.up, a.settled)
    rows = [
        ("start_to_vip_answers", up, a.start),
        ("standby_to_vip_answers", moved, a.standby),
        ("takeover_to_vip_answers", back_home, a.takeover),
        ("linkdown_to_vip_answers", via_peer, a.down),
        ("heal_to_one_holder", one, a.up),
        ("heal_both_held", both_until if both_until else a.settled, a.up),
        ("heal_longest_gap", a.up + gap, a.up),
        ("kill_to_detection", dead, a.kill),
        ("detection_to_vip_up", vip, dead),
        ("detection_to_client_arp", arp, dead),
        ("detection_to_vip_answers", back, dead),
        ("kill_to_vip_answers", back, a.kill),
    ]
    for row, t, since in rows:
        ms = "" if t is None or since is None else f"{(t - since) * 1000:.1f}"
        print(f"{row},{a.kind},{a.trial},{ms}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
