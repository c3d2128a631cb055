#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rolling upgrade with resources: ours as lvs-01 (preferred for VIP .100), the real
# heartbeat 3.0.6 as lvs-02 (preferred for VIP .200). Joint start gives each its VIP (at
# 3.0.6's pace); kill -9 of ours → the real one takes .100; ours back → the real one hands
# .100 back (auto_failback on, 3.0.6's standby protocol); kill -9 of the real one → ours
# takes .200; the real one back → ours hands .200 back. Never one VIP on both while they
# hear each other. Prints the timings.
# `051-failover-mixed.sh legacy`: the same with `auto_failback legacy` on both, where the
# groups move by 3.0.6's ip-request / ip-request-resp exchange.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_require_reference
MODE=${1:-on}
case "$MODE" in
on) cluster_begin hbmixed lvs-01 lvs-02 client; rscstatus=local ;;
legacy) cluster_begin hbmixedl lvs-01 lvs-02 client; rscstatus=none ;;  # 3.0.6 tracks nothing in legacy
*) echo "usage: $0 [on|legacy]" >&2; exit 2 ;;
esac
VIP1=192.168.219.100
VIP2=192.168.219.200
export HARESOURCES="lvs-01 IPaddr::$VIP1/24/ens32:0/192.168.219.255
lvs-02 IPaddr::$VIP2/24/ens32:1/192.168.219.255"
cluster_vip_pair mixed
for h in lvs-01 lvs-02; do echo "auto_failback $MODE" >>"$state/conf-$h/ha.cf"; done


t0=$(now_ms)
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"
check "joint start: .100 on ours (lvs-01)" wait_until 25 has_addr lvs-01 "$VIP1"
check "joint start: .200 on the real lvs-02" wait_until 10 has_addr lvs-02 "$VIP2"
echo "joint start to both VIPs: $(($(now_ms) - t0)) ms (auto_failback $MODE; with on/off a 3.0.6 peer waits a fixed 10 s)"
sleep 2
check ".100 only on lvs-01" lacks_addr lvs-02 "$VIP1"
check ".200 only on lvs-02" lacks_addr lvs-01 "$VIP2"
out=$(netns_node_exec "$P" lvs-02 /usr/bin/cl_status rscstatus 2>&1)
check "the real node's rscstatus is $rscstatus (got: $out)" test "$out" = "$rscstatus"

sleep 3
kill -9 "$(cluster_pid "$P" lvs-01)"
netns_exec "$P" lvs-01 ip addr del "$VIP1/24" dev ens32
t0=$(now_ms)
check "kill -9 of ours: the real node takes .100" wait_until 8 has_addr lvs-02 "$VIP1"
echo "kill -9 of ours to .100 on the real node: $(($(now_ms) - t0)) ms (deadtime 2000)"

mv "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-01).1"
t0=$(now_ms)
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
watch_move "$VIP1" lvs-01 lvs-02 15
check "ours back: the real node hands .100 back (auto_failback $MODE)" has_addr lvs-01 "$VIP1"
check "…and no longer holds it" lacks_addr lvs-02 "$VIP1"
check "never on both during the failback (samples: $BOTH)" test "$BOTH" -eq 0
echo "ours restarted to .100 back on ours: $(($(now_ms) - t0)) ms"

sleep 3
kill -9 "$(cluster_pid "$P" lvs-02)"
netns_exec "$P" lvs-02 ifconfig ens32:1 down 2>/dev/null || netns_exec "$P" lvs-02 ip addr del "$VIP2/24" dev ens32
t0=$(now_ms)
check "kill -9 of the real node: ours takes .200" wait_until 8 has_addr lvs-01 "$VIP2"
echo "kill -9 of the real node to .200 on ours: $(($(now_ms) - t0)) ms (deadtime 2000)"

mv "$(cluster_log "$P" lvs-02)" "$(cluster_log "$P" lvs-02).1"
t0=$(now_ms)
cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"
watch_move "$VIP2" lvs-02 lvs-01 25
check "the real node back: ours hands .200 back (auto_failback $MODE)" has_addr lvs-02 "$VIP2"
check "…and no longer holds it" lacks_addr lvs-01 "$VIP2"
check "never on both during that failback (samples: $BOTH)" test "$BOTH" -eq 0
check ".100 stayed on ours" has_addr lvs-01 "$VIP1"
echo "real node restarted to .200 back on it: $(($(now_ms) - t0)) ms"

finish lvs-01 lvs-02
