#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/run's plot of one kill -9 failover, ours above 3.0.6 on the same time axis: the
client's echo requests answered per 50 ms (it sends one every 10 ms, so 5 is everything),
coloured by the director that answered (by Ethernet source address), the kill at 0. Each
panel shows the trial whose client outage is the median of its implementation. Writes
DIR/failover.dat and DIR/failover.png with gnuplot (gnuplot-nox: pngcairo)."""
import csv
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from events import replies  # noqa: E402

BIN = 0.05
SPAN = (-1.0, 3.5)


def median_trial(out, kind):
    outages = []
    with open(os.path.join(out, "samples.csv")) as f:
        for row, k, trial, ms in csv.reader(f):
            if row == "kill_to_vip_answers" and k == kind and ms:
                outages.append((float(ms), trial))
    if not outages:
        return None, None
    outages.sort()
    ms, trial = outages[(len(outages) - 1) // 2]
    return trial, ms


def bins(out, kind, trial):
    d = os.path.join(out, f"{kind}-{trial}")
    times = dict(line.strip().split("=", 1) for line in open(os.path.join(d, "times")) if "=" in line)
    kill = float(times["kill"])
    n = int(round((SPAN[1] - SPAN[0]) / BIN))
    counts = {1: [0] * n, 2: [0] * n}
    for who in (1, 2):
        for t in replies(os.path.join(d, "ccap.out"), times[f"mac{who}"]):
            i = int((t - kill - SPAN[0]) // BIN)
            if 0 <= i < n:
                counts[who][i] += 1
    return counts, n


def main(out):
    data = os.path.join(out, "failover.dat")
    titles = {}
    with open(data, "w") as f:
        for kind, label in (("ours", "ours"), ("real", "heartbeat 3.0.6")):
            trial, ms = median_trial(out, kind)
            if trial is None:
                print(f"plot: no {kind} trial with an outage", file=sys.stderr)
                return 1
            counts, n = bins(out, kind, trial)
            titles[kind] = f"{label}: trial {trial}, client outage {ms:.0f} ms (its median)"
            f.write(f"# {kind} trial {trial}: t_s lvs01 lvs02\n")
            for i in range(n):
                t = SPAN[0] + (i + 0.5) * BIN
                f.write(f"{t:.3f} {counts[1][i]} {counts[2][i]}\n")
            f.write("\n\n")
    png = os.path.join(out, "failover.png")
    script = f"""
set terminal pngcairo size 900,560 font ",10"
set output "{png}"
set multiplot layout 2,1 title "kill -9 of the VIP's holder (lvs-01) at t = 0; keepalive 500 ms, deadtime 2 s"
set style fill solid 0.9 noborder
set boxwidth {BIN} absolute
set xrange [{SPAN[0]}:{SPAN[1]}]
set yrange [0:6.5]
set ytics 0,1,5
set ylabel "answers per 50 ms"
set arrow 1 from 0,0 to 0,5.5 nohead dashtype 2 lc rgb "black"
set label 1 "kill -9" at 0.05,5.2
set key top center horizontal
set title "{titles['ours']}"
plot "{data}" index 0 using 1:($2+$3) with boxes lc rgb "#d95f02" title "lvs-02", \\
     "" index 0 using 1:2 with boxes lc rgb "#1b9e77" title "lvs-01"
set title "{titles['real']}"
set xlabel "seconds since the kill"
plot "{data}" index 1 using 1:($2+$3) with boxes lc rgb "#d95f02" title "lvs-02", \\
     "" index 1 using 1:2 with boxes lc rgb "#1b9e77" title "lvs-01"
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
