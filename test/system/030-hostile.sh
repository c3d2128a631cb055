#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input: from a third namespace (client), bursts of every class — datagrams that
# crash heartbeat 3.0.6's parser, garbage, truncated and bit-flipped copies, oversized,
# replays of captured traffic, forgeries with a wrong key — at two of our running daemons,
# by broadcast and unicast. They must survive all of it, keep each other active, and log
# about it only at a limited rate. The same first crafted datagram is then sent to a pair of
# real heartbeat 3.0.6 daemons, and the outcome printed as a reference measurement.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump missing"; exit 77; }
cluster_begin hbhostile lvs-01 lvs-02 client
for h in lvs-01 lvs-02; do
    cluster_conf "$state/conf-$h" "1 sha1 secret"
    cluster_start_ours "$P" "$h" "$state/conf-$h"
done
check "pair up" cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 10

# Capture a few seconds of the pair's real traffic for the replay and truncation classes.
netns_bg "$P" client tcpdump tcpdump -i ens32 -n -U -w "$state/live.pcap" 'udp port 694'
sleep 3
netns_stop "$P" tcpdump 5
pids_before="$(cluster_pid "$P" lvs-01) $(cluster_pid "$P" lvs-02)"

started=$(now_ms)
for cls in crashers garbage truncated oversized replay forged; do
    for target in 192.168.219.255 192.168.219.11 192.168.219.12; do
        netns_exec "$P" client python3 "$HERE/lib/hostile.py" "$cls" "$target" \
            "$state/live.pcap" 700 || check "sending $cls" false
    done
done
echo "bursts took $(($(now_ms) - started)) ms"
sleep 3

for h in lvs-01 lvs-02; do
    pid=$(cluster_pid "$P" "$h")
    check "$h survived (pid $pid still running)" kill -0 "$pid"
done
check "same processes as before the bursts" test "$pids_before" = "$(cluster_pid "$P" lvs-01) $(cluster_pid "$P" lvs-02)"
for h in lvs-01 lvs-02; do
    log=$(cluster_log "$P" "$h")
    check "$h declared nobody dead" bash -c "! grep -q 'is dead' '$log'"
    check "$h logged no status change to dead" bash -c "! grep -q 'status dead' '$log'"
    n=$(grep -c 'dropped packet' "$log")
    echo "$h logged $n 'dropped packet' lines for ~12000 bad datagrams"
    # 5 lines per 10 s window: the bursts last a few seconds.
    check "$h rate-limits its log about bad packets ($n lines)" test "$n" -le 30
    check "$h logged that it refused packets" test "$n" -ge 1
done
# Still a working pair: a kill is still noticed.
sleep 1
kill -9 "$(cluster_pid "$P" lvs-02)"
check "after the attack, lvs-01 still detects a real death" \
    cluster_wait "$P" lvs-01 'node lvs-02: is dead' 6
netns_stop "$P" lvs-01 10
netns_stop "$P" lvs-02 2

# Reference measurement with the real heartbeat 3.0.6 (printed, not asserted here).
if [ -x "$REAL_HEARTBEAT" ] && [ -d /etc/ha.d/resource.d ]; then
    for h in lvs-01 lvs-02; do
        rm -f "$(cluster_log "$P" "$h")"
        REAL=1 cluster_conf "$state/real-$h" "1 sha1 secret"
        cluster_start_real "$P" "$h" "$state/real-$h"
    done
    if cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 15; then
        sleep 1
        netns_exec "$P" client python3 -c '
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b"###\n3:abc,%%%\n", ("192.168.219.255", 694))'
        sleep 2
        alive=0
        for h in lvs-01 lvs-02; do
            kill -0 "$(cluster_pid "$P" "$h")" 2>/dev/null && alive=$((alive + 1))
        done
        echo "reference: heartbeat 3.0.6 nodes still running after ONE 15-byte unauthenticated datagram: $alive of 2"
    fi
fi

finish lvs-01 lvs-02
