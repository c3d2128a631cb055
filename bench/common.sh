# shellcheck shell=bash
# common.sh — what the namespace benchmarks share: the system tests' libraries, our staged
# build (HB_STAGE, default build/stage), the real heartbeat 3.0.6, root, and the clean-up
# of their namespaces however they end. Source it, then call bench_begin PREFIX.
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/../test/system/lib/netns.sh
. "$BENCH_ROOT/test/system/lib/netns.sh"
# shellcheck source=SCRIPTDIR/../test/system/lib/cluster.sh
. "$BENCH_ROOT/test/system/lib/cluster.sh"

# bench_begin PREFIX : check the prerequisites; P=PREFIX; its namespaces go on exit, with
# those of every prefix bench_track names and every process bench_own records.
BENCH_PREFIXES=()
BENCH_PIDS=()
bench_begin() {
    netns_require_root
    HB_STAGE=${HB_STAGE:-$BENCH_ROOT/build/stage}
    cluster_require_stage
    cluster_require_reference
    P=$1
    BENCH_PREFIXES+=("$P")
    trap bench_end EXIT
    trap 'exit 130' INT TERM
}
bench_track() { BENCH_PREFIXES+=("$1"); }
bench_own() { BENCH_PIDS+=("$1"); }

# bench_end : what bench_begin's trap runs: our load generators by PID, then the namespaces.
bench_end() {
    local pid p
    for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${BENCH_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for p in "${BENCH_PREFIXES[@]}"; do netns_cleanup "$p"; done
}

# bench_pair_conf KIND : /etc/ha.d for lvs-01 and lvs-02 of KIND (ours|real) with
# $HARESOURCES, and a client that takes gratuitous ARP at once (as cluster_vip_pair).
bench_pair_conf() {
    local h
    if [ "$1" = ours ]; then
        cluster_vip_pair ours # ours' agents use our send_arp/findif (env BIN=...)
    else
        for h in lvs-01 lvs-02; do REAL=1 cluster_conf "$state/conf-$h" "1 sha1 secret"; done
        netns_exec "$P" client sysctl -qw net.ipv4.conf.all.arp_accept=1 \
            net.ipv4.conf.ens32.arp_accept=1 net.ipv4.neigh.ens32.locktime=0
    fi
}
