#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/run's table from its samples (CSV: row,kind,trial,ms): per row and implementation
the number of trials, the median and the spread (min-max), and the ratio ours/3.0.6 of the
medians. A trial whose event never came is counted as missing, never as a number."""
import csv
import statistics
import sys

ROWS = {
    "start_to_vip_answers": "joint start -> VIP answers the client",
    "standby_to_vip_answers": "hb_standby on the holder -> VIP answers from the peer",
    "takeover_to_vip_answers": "hb_takeover on it -> VIP answers from it again",
    "kill_to_detection": "kill -9 of the holder -> peer declares it dead",
    "detection_to_vip_up": "declared dead -> VIP up on the peer (takeover)",
    "kill_to_vip_answers": "kill -9 of the holder -> VIP answers (client outage)",
}
RESOLUTION = {
    "start_to_vip_answers": "10 ms (client pings every 10 ms)",
    "standby_to_vip_answers": "10 ms",
    "takeover_to_vip_answers": "10 ms",
    "kill_to_detection": "capture (us)",
    "detection_to_vip_up": "capture + netlink (us)",
    "kill_to_vip_answers": "10 ms (client pings every 10 ms)",
}


def main(path):
    samples = {}
    missing = {}
    with open(path) as f:
        for row, kind, _trial, ms in csv.reader(f):
            key = (row, kind)
            if ms:
                samples.setdefault(key, []).append(float(ms))
            else:
                missing[key] = missing.get(key, 0) + 1

    def cell(row, kind):
        v = samples.get((row, kind), [])
        lost = missing.get((row, kind), 0)
        if not v:
            return f"- (n=0, {lost} missing)", None
        med = statistics.median(v)
        text = f"{med:.0f} ({min(v):.0f}-{max(v):.0f}, n={len(v)}"
        text += f", {lost} missing)" if lost else ")"
        return text, med

    print(f"| row | ours ms: median (min-max, n) | 3.0.6 ms | ours/3.0.6 | resolution |")
    print("|---|---|---|---|---|")
    for row, title in ROWS.items():
        ours, om = cell(row, "ours")
        real, rm = cell(row, "real")
        ratio = f"{om / rm:.2f}" if om is not None and rm else "n/a"
        print(f"| {title} | {ours} | {real} | {ratio} | {RESOLUTION[row]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
