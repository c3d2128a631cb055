#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test): failover time of the tutorial's VIP, ours and the real heartbeat
# 3.0.6 on the same configuration (keepalive 500 ms, deadtime 2 s, warntime 1 s, initdead
# 10 s, bcast ens32, auto_failback on, sha1; lvs-01 holds IPaddr 192.168.219.100), each
# pair in network namespaces, RUNS times each (default 5), a fresh cluster every run.
# A run: start both nodes, wait for the VIP on lvs-01 (the real pair needs ~12-15 s: its
# fixed 10 s wait before acquiring), let the client ping it, wait 6-6.5 s (past the
# start-up dead-time bonus; the random part puts the kill anywhere in the keepalive
# cycle), then kill -9 lvs-01's daemon and drop its VIP (the box is gone), and time from
# the kill until the VIP is on lvs-02 (ip addr, polled every 0.1 s) and until the client's
# `ping -c1 -W1` of the VIP succeeds (at most 15 s). Prints the times per run, the
# medians and the ratios ours/real.
# Usage (root): bench/failover.sh [RUNS] — needs a build with `system.stage` done, or HB_STAGE.
set -u
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"
command -v ifconfig >/dev/null || { echo "needs net-tools (ifconfig, used by 3.0.6's IPaddr)" >&2; exit 1; }
runs=${1:-5}
case "$runs" in '' | *[!0-9]* | 0) echo "usage: $0 [RUNS]" >&2; exit 2 ;; esac
bench_begin hbbfo
VIP=192.168.219.100
export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255"

# one_run KIND : one fresh cluster of KIND (ours|real); sets up_ms (start to VIP on lvs-01),
# vip_ms (kill to VIP on lvs-02) and ping_ms (kill to the client's first answered ping),
# each "-" when it did not happen in time. Progress goes to stderr.
one_run() {
    local kind=$1 h t0 now pid
    up_ms=- vip_ms=- ping_ms=-
    netns_setup "$P" lvs-01 lvs-02 client >/dev/null || { echo "netns setup failed" >&2; exit 1; }
    state=$(netns_state_dir "$P")
    bench_pair_conf "$kind"
    t0=$(now_ms)
    for h in lvs-01 lvs-02; do "cluster_start_$kind" "$P" "$h" "$state/conf-$h"; done
    if ! wait_until 40 has_addr lvs-01 "$VIP"; then
        echo "  $kind: the VIP did not come up on lvs-01 within 40 s" >&2
        dump_logs "$P" lvs-01 lvs-02 >&2
        netns_cleanup "$P"
        return
    fi
    up_ms=$(($(now_ms) - t0))
    # the client talks to lvs-01 first, so its neighbour entry holds lvs-01's MAC
    netns_exec "$P" client ping -c1 -W1 "$VIP" >/dev/null ||
        echo "  $kind: warning: the client could not ping the VIP on lvs-01" >&2
    # Past the start-up dead-time bonus, plus 0-499 ms at random: the kill then lands at a
    # random point of the 500 ms keepalive cycle (a fixed wait would often hit the same one).
    sleep "6.$(printf '%03d' $((RANDOM % 500)))"
    pid=$(cluster_pid "$P" lvs-01)
    disown "$pid" 2>/dev/null  # no "Killed" job notice from bash
    kill -9 "$pid"
    t0=$(now_ms)
    netns_exec "$P" lvs-01 ip addr del "$VIP/24" dev ens32
    # Poll every 0.1 s for 15 s at most. Pings start once the VIP is on lvs-02: before
    # that none can be answered, and each would block for its full -W1 second, making the
    # result jump in steps of ~1 s.
    while now=$(now_ms) && [ $((now - t0)) -lt 15000 ]; do
        if [ "$vip_ms" = - ] && has_addr lvs-02 "$VIP"; then vip_ms=$(($(now_ms) - t0)); fi
        if [ "$vip_ms" != - ] && netns_exec "$P" client ping -c1 -W1 "$VIP" >/dev/null; then
            ping_ms=$(($(now_ms) - t0))
            break
        fi
        sleep 0.1
    done
    [ "$ping_ms" != - ] || { echo "  $kind: no failover within 15 s" >&2; dump_logs "$P" lvs-02 >&2; }
    netns_cleanup "$P"
}

# median N... : the median of the numbers given ("-" entries ignored), or "-" if none.
median() {
    printf '%s\n' "$@" | grep -E '^[0-9]+$' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
                                  else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B : A/B with two decimals, or n/a.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b > 0)
        printf "%.2f\n", a / b; else print "n/a" }'
}

# ours and real alternate, so a slow spell of the machine hits both alike.
declare -A UP VIPT PING
UP=([ours]="" [real]="") VIPT=([ours]="" [real]="") PING=([ours]="" [real]="")
for ((r = 1; r <= runs; r++)); do
    for kind in ours real; do
        one_run "$kind"
        echo "$kind run $r/$runs: start to VIP on lvs-01 ${up_ms} ms; after kill -9:" \
            "VIP on lvs-02 ${vip_ms} ms, client ping answered ${ping_ms} ms"
        UP[$kind]+="$up_ms " VIPT[$kind]+="$vip_ms " PING[$kind]+="$ping_ms "
    done
done

# shellcheck disable=SC2086  # the per-run lists are meant to be split into words
{
    om=$(median ${PING[ours]}) rm=$(median ${PING[real]})
    ov=$(median ${VIPT[ours]}) rv=$(median ${VIPT[real]})
    ou=$(median ${UP[ours]}) ru=$(median ${UP[real]})
}
echo
echo "failover (kill -9 of the holder → VIP answers the client's ping), deadtime 2 s, keepalive 0.5 s, $runs runs"
printf 'ours:  %-36s median %s ms\n' "${PING[ours]}ms" "$om"
printf 'real:  %-36s median %s ms\n' "${PING[real]}ms" "$rm"
echo "ratio ours/real (median): $(ratio "$om" "$rm")"
echo "kill -9 → VIP on lvs-02 (ip addr): ours median $ov ms, real median $rv ms, ratio $(ratio "$ov" "$rv")"
echo "start → VIP on lvs-01:             ours median $ou ms, real median $ru ms, ratio $(ratio "$ou" "$ru")"
