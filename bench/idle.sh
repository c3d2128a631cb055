#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test): idle CPU and memory of a two-node cluster over SECONDS (default
# 60), ours and the real heartbeat 3.0.6 on the same configuration (the tutorial's ha.cf
# timings, keepalive 2 s, sha1), each pair in its own network namespaces, one after the
# other in the same run. Counts every process of a node (the real one runs four).
# Prints CPU % and RSS per node and the ratios ours/real. CPU comes from clock ticks
# (utime+stime, 1/CLK_TCK s each): an idle daemon uses a few per minute, so give it
# SECONDS of 300 or more when the CPU ratio matters.
# Usage (root): bench/idle.sh [SECONDS] — needs a build with `system.stage` done, or HB_STAGE.
set -u
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"
seconds=${1:-60}
bench_begin hbbench
hz=$(getconf CLK_TCK)

# node_usage NS -> "ticks rss_kb nproc" summed over the namespace's processes
node_usage() {
    local ticks=0 rss=0 n=0 pid t r
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
        r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        ticks=$((ticks + t)); rss=$((rss + ${r:-0})); n=$((n + 1))
    done
    echo "$ticks $rss $n"
}

# measure KIND -> prints "cpu_percent rss_kb nprocs" averaged over both nodes
measure() {
    local kind=$1 h state t0 t1 cpu rss n
    netns_setup "$P" lvs-01 lvs-02 >/dev/null || exit 1
    state=$(netns_state_dir "$P")
    for h in lvs-01 lvs-02; do
        CLUSTER_KEEPALIVE=2 CLUSTER_DEADTIME=30 CLUSTER_WARNTIME=10 CLUSTER_INITDEAD=120 \
            REAL=$([ "$kind" = real ] && echo 1 || echo 0) \
            cluster_conf "$state/conf-$h" "1 sha1 secret"
        if [ "$kind" = real ]; then
            cluster_start_real "$P" "$h" "$state/conf-$h"
        else
            cluster_start_ours "$P" "$h" "$state/conf-$h"
        fi
    done
    cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 30 ||
        { echo "pair did not come up" >&2; exit 1; }
    sleep 15  # let start-up settle (the real one acquires resources after ~10 s)
    read -r t0 _ _ < <(node_usage "$P-lvs-01")
    read -r u0 _ _ < <(node_usage "$P-lvs-02")
    sleep "$seconds"
    read -r t1 r1 n1 < <(node_usage "$P-lvs-01")
    read -r u1 r2 n2 < <(node_usage "$P-lvs-02")
    cpu=$(awk -v a=$((t1 - t0)) -v b=$((u1 - u0)) -v hz="$hz" -v s="$seconds" \
        'BEGIN {printf "%.4f", (a + b) / 2 / hz / s * 100}')
    rss=$(((r1 + r2) / 2))
    n=$(((n1 + n2) / 2))
    netns_cleanup "$P"
    echo "$cpu $rss $n"
}

echo "idle cluster, ${seconds}s per implementation, keepalive 2 s, deadtime 30 s, sha1"
read -r ocpu orss on < <(measure ours)
printf 'ours  per node: CPU %7.4f %%   RSS %6d KiB   processes %d\n' "$ocpu" "$orss" "$on"
read -r rcpu rrss rn < <(measure real)
printf 'real  per node: CPU %7.4f %%   RSS %6d KiB   processes %d\n' "$rcpu" "$rrss" "$rn"
awk -v oc="$ocpu" -v rc="$rcpu" -v om="$orss" -v rm="$rrss" 'BEGIN {
    printf "ratio ours/real: CPU %s, RSS %.2f\n",
        (rc > 0 ? sprintf("%.2f", oc / rc) : "n/a (real used no measurable CPU)"), om / rm }'
