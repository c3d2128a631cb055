#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test): what a client of the tutorial's LVS-DR cluster sees, ours against
# the tutorial's own set-up in the same lab, RUNS times each (default 5), alternating, a
# fresh cluster every run (keepalive 500 ms, deadtime 2 s, initdead 10 s, sha1).
#   ours      two of our daemons; haresources: the VIP and ipvsadm-wrapper (the table
#             follows the VIP; HTTP_GET every 500 ms, fall 2, rise 2)
#   tutorial  two real heartbeat 3.0.6 daemons moving only the VIP; the same table loaded
#             statically on both directors at "boot" and never checked (the tutorial's
#             ipvsadm-restore oneshot; this kernel has no IPVS, so the static table is our
#             nftables one without checks — which, unlike IPVS without sync, keeps
#             connections across a failover; IPVS would reset them)
# A run: start, wait for the VIP, 6-6.5 s (past the start-up dead-time bonus, then a random
# point of the keepalive cycle), the client asks http://VIP/ every 20 ms (new connection,
# 1 s timeout; an outage is known to ±20 ms) while a slow download runs; lvs-01 dies (kill -9
# of heartbeat, link down); later web-01's server stops for 8 s (a request every 100 ms).
# Measured per run:
#   failover outage   first failed request to the first good one after it
#   web death         requests that failed while web-01 was down (of how many), and the
#                     span from the first failed to the last failed one
# Prints every run, then medians with min-max and the ratio ours/tutorial; writes the samples
# as CSV (OUT, default /tmp/lvs-bench.csv).
# Usage (root): bench/lvs.sh [RUNS] [OUT] — needs build/stage (or HB_STAGE).
set -u
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=SCRIPTDIR/../test/system/lib/lvs.sh
. "$BENCH_ROOT/test/system/lib/lvs.sh"
runs=${1:-5}
out=${2:-/tmp/lvs-bench.csv}
case "$runs" in '' | *[!0-9]* | 0) echo "usage: $0 [RUNS] [OUT]" >&2; exit 2 ;; esac
command -v ifconfig >/dev/null || { echo "needs net-tools (ifconfig, used by 3.0.6's IPaddr)" >&2; exit 1; }
bench_begin hbblvs

# start_static HOST : the tutorial's boot-time table on HOST, outside heartbeat.
start_static() {
    netns_exec "$P" "$1" env HA_RSCTMP="$state/rsc-$1" "$LVS_AGENT" "$state/static.rules" start >/dev/null
}

# one_run KIND : sets failover_ms, resets, download, web_failed, web_total, web_span_ms.
one_run() {
    local kind=$1 h pid t0 killed stopped restarted
    failover_ms=- resets=- download=- web_failed=- web_total=- web_span_ms=-
    lvs_begin "$P" dr >/dev/null
    if [ "$kind" = ours ]; then
        lvs_confs
    else
        export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255"
        for h in lvs-01 lvs-02; do REAL=1 cluster_conf "$state/conf-$h" "1 sha1 secret"; done
        netns_exec "$P" client sysctl -qw net.ipv4.conf.all.arp_accept=1 \
            net.ipv4.conf.ens32.arp_accept=1 net.ipv4.neigh.ens32.locktime=0
        lvs_rules "$state/static.rules" none
    fi
    lvs_web_start web-01 && lvs_web_start web-02
    if [ "$kind" = tutorial ]; then
        mkdir -p "$state/rsc-lvs-01" "$state/rsc-lvs-02"
        start_static lvs-01 && start_static lvs-02
    fi
    t0=$(now_ms)
    for h in lvs-01 lvs-02; do
        if [ "$kind" = ours ]; then cluster_start_ours "$P" "$h" "$state/conf-$h"; else cluster_start_real "$P" "$h" "$state/conf-$h"; fi
    done
    disown -a
    if ! wait_until 40 has_addr lvs-01 "$VIP"; then
        echo "  $kind: no VIP on lvs-01 within 40 s" >&2
        dump_logs "$P" lvs-01 lvs-02 >&2
        netns_cleanup "$P"
        return
    fi
    while [ $(($(now_ms) - t0)) -lt 1000 ]; do sleep 0.1; done
    t0=$(now_ms)
    sleep "6.$(printf '%03d' $((RANDOM % 500)))"

    LVS_INTERVAL=0.02 lvs_loop failover 10
    netns_bg "$P" client download "${LVS_CLIENT[@]}" download \
        --url "http://$VIP/slow?bytes=2000000&rate=250000" --bytes 2000000 --timeout 40
    local dl_pid=$NETNS_LAST_PID
    sleep 1
    killed=$(now_ms)
    pid=$(cluster_pid "$P" lvs-01)
    kill -9 "$pid"
    netns_exec "$P" lvs-01 ip link set ens32 down
    lvs_wait_loop failover
    wait "$dl_pid" 2>/dev/null
    failover_ms=$(lvs_kv failover outage_ms "$killed")
    resets=$(lvs_kv failover reset "$killed")
    download=$(grep -q '^download ok' "$state/download.out" && echo intact || echo broken)

    lvs_loop webdeath 11
    sleep 1
    stopped=$(now_ms)
    lvs_web_stop web-01
    sleep 8
    restarted=$(now_ms)
    lvs_web_start web-01
    lvs_wait_loop webdeath
    web_total=$(lvs_kv webdeath requests "$stopped" "$restarted")
    web_failed=$((web_total - $(lvs_kv webdeath ok "$stopped" "$restarted")))
    web_span_ms=$(awk -v a="$stopped" -v b="$restarted" '$1 >= a && $1 <= b && $3 != "ok" {
        if (!f) f = $1; l = $1 } END { print (f ? l - f : 0) }' "$state/webdeath.rec")
    netns_cleanup "$P"
}

median() {
    printf '%s\n' "$@" | grep -E '^[0-9]+$' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
                                  else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread() { printf '%s\n' "$@" | grep -E '^[0-9]+$' | sort -n | sed -n '1p;$p' | paste -sd- -; }
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b > 0)
        printf "%.2f\n", a / b; else print "n/a" }'
}

echo "kind,run,failover_outage_ms,resets,download,web_failed,web_requests,web_fail_span_ms" >"$out"
declare -A FO WF WS DL
for ((r = 1; r <= runs; r++)); do
    for kind in ours tutorial; do
        one_run "$kind"
        echo "$kind run $r/$runs: director failover outage ${failover_ms} ms (resets $resets," \
            "download $download); web-01 down 8 s: $web_failed of $web_total requests failed," \
            "first to last failure ${web_span_ms} ms"
        echo "$kind,$r,$failover_ms,$resets,$download,$web_failed,$web_total,$web_span_ms" >>"$out"
        FO[$kind]+="$failover_ms " WF[$kind]+="$web_failed " WS[$kind]+="$web_span_ms "
        DL[$kind]+="$download "
    done
done

echo
echo "LVS-DR through the VIP, $runs runs each (deadtime 2 s; checks every 500 ms, fall 2), samples in $out"
printf '%-44s %-22s %-22s %s\n' "" "ours" "tutorial (3.0.6, static)" "ours/tutorial"
# shellcheck disable=SC2086
for row in FO WS WF; do
    case $row in
        FO) name="director failover: client outage (ms)"; declare -n v=FO ;;
        WS) name="web server dies: first to last failure (ms)"; declare -n v=WS ;;
        WF) name="web server dies 8 s: failed requests"; declare -n v=WF ;;
    esac
    om=$(median ${v[ours]}) tm=$(median ${v[tutorial]})
    printf '%-44s %-22s %-22s %s\n' "$name" "$om ($(spread ${v[ours]}))" "$tm ($(spread ${v[tutorial]}))" "$(ratio "$om" "$tm")"
    unset -n v
done
echo "download through the failover: ours ${DL[ours]}; tutorial ${DL[tutorial]}"
