# shellcheck shell=bash
# idle.sh — bench/run's idle row: CPU and memory of a two-node cluster over SECONDS, ours
# and 3.0.6 at the same time (each pair in its own namespaces) on the tutorial's timings
# (keepalive 2 s, deadtime 30 s, sha1, the VIP). Counts every process of a node (3.0.6 runs
# four). CPU time comes from /proc/PID/schedstat (time on a CPU, in nanoseconds: clock
# ticks, 10 ms each, are too coarse for a daemon that runs a few milliseconds a minute);
# the processes of a node must live through the window (a resource script's would be lost).
# RSS is read at the end; PSS (smaps_rollup) too, since 3.0.6's four processes share pages.
# Sourced by bench/run (after common.sh).

# _idle_usage NS -> "cpu_ns rss_kb pss_kb nproc" summed over the namespace's processes
_idle_usage() {
    local ticks=0 rss=0 pss=0 n=0 pid t r s
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        read -r t _ <"/proc/$pid/schedstat" 2>/dev/null || continue
        r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        s=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
        ticks=$((ticks + t)); rss=$((rss + ${r:-0})); pss=$((pss + ${s:-0})); n=$((n + 1))
    done
    echo "$ticks $rss $pss $n"
}

# _idle_machine [BEFORE] : "busy total" jiffies of the whole machine (/proc/stat), or with
# BEFORE, the sample row of how busy it was since then (per cent of all CPUs' time).
_idle_machine() {
    local busy total b0 t0
    read -r busy total < <(awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i;
        print t - $5 - $6, t }' /proc/stat)
    if [ $# -eq 0 ]; then echo "$busy $total"; return; fi
    read -r b0 t0 <<<"$1"
    awk -v b=$((busy - b0)) -v t=$((total - t0)) \
        'BEGIN { printf "idle_machine_busy_pct,machine,all,%.3f\n", t ? b / t * 100 : 0 }'
}

# idle_run SECONDS SAMPLES : rows idle_cpu_pct, idle_rss_kib, idle_pss_kib, idle_procs per
# node ("trial" = the node).
idle_run() {
    local seconds=$1 samples=$2 kind p h state t0 t1 r s n
    declare -A start
    for kind in ours real; do
        p=hbidle${kind:0:1}
        bench_track "$p"
        netns_setup "$p" lvs-01 lvs-02 client >/dev/null || return 1
        state=$(netns_state_dir "$p")
        for h in lvs-01 lvs-02; do
            HARESOURCES="lvs-01 IPaddr::192.168.219.100/24/ens32:0/192.168.219.255" \
                CLUSTER_KEEPALIVE=2 CLUSTER_DEADTIME=30 CLUSTER_WARNTIME=10 CLUSTER_INITDEAD=120 \
                REAL=$([ "$kind" = real ] && echo 1 || echo 0) \
                cluster_conf "$state/conf-$h" "1 sha1 secret" \
                "$([ "$kind" = ours ] && echo "env BIN=$HB_STAGE/usr/libexec/heartbeat")"
            "cluster_start_$kind" "$p" "$h" "$state/conf-$h"
        done
    done
    disown -a
    for kind in ours real; do
        p=hbidle${kind:0:1}
        cluster_wait "$p" lvs-01 'Status update for node lvs-02: status active' 60 ||
            { echo "  idle: the $kind pair did not come up" >&2; return 1; }
    done
    sleep 20 # past start-up (3.0.6 takes its resources ~10 s after both are active)
    for kind in ours real; do
        for h in lvs-01 lvs-02; do
            read -r t0 _ _ _ < <(_idle_usage "hbidle${kind:0:1}-$h")
            start[$kind-$h]=$t0
        done
    done
    local busy0
    busy0=$(_idle_machine)
    sleep "$seconds"
    _idle_machine "$busy0" | tee -a "$samples" | sed 's/^/  /' >&2
    for kind in ours real; do
        for h in lvs-01 lvs-02; do
            read -r t1 r s n < <(_idle_usage "hbidle${kind:0:1}-$h")
            awk -v t=$((t1 - ${start[$kind-$h]})) -v sec="$seconds" -v k="$kind" -v h="$h" \
                -v r="$r" -v s="$s" -v n="$n" 'BEGIN {
                    printf "idle_cpu_pct,%s,%s,%.5f\n", k, h, t / 1e9 / sec * 100
                    printf "idle_rss_kib,%s,%s,%d\nidle_pss_kib,%s,%s,%d\nidle_procs,%s,%s,%d\n",
                        k, h, r, k, h, s, k, h, n }'
        done
    done | tee -a "$samples" | sed 's/^/  /' >&2
    netns_cleanup hbidleo
    netns_cleanup hbidler
}
