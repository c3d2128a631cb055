# shellcheck shell=bash
# big.sh — bench/run's big takeovers: one group of 256 IPaddr resources, and 64 groups of
# one (16 in --quick), held by lvs-01; kill -9 of it; timed from lvs-02 declaring it dead (the `stonith`
# message on the wire) to the last of the addresses up there (netlink notifications).
# The addresses are 10.20.x.y/16 on ens32 (each IPaddr names the interface and netmask, so
# neither implementation searches the routes). Sourced by bench/run (after common.sh).

# _big_want SHAPE : how many addresses: group256 is one group of 256, groupsN N groups of one
# (groups64 in the full run, groups16 in --quick).
_big_want() { if [ "$1" = group256 ]; then echo 256; else echo "${1#groups}"; fi; }

# _big_haresources SHAPE : one group of 256 (one line, continued) or N lines of one.
_big_haresources() {
    local i
    if [ "$1" = group256 ]; then
        printf 'lvs-01'
        for ((i = 0; i < 256; i++)); do
            printf ' \\\n    IPaddr::10.20.%d.%d/16/ens32' $((i / 200)) $((i % 200 + 1))
        done
        printf '\n'
    else
        for ((i = 0; i < $(_big_want "$1"); i++)); do
            printf 'lvs-01 IPaddr::10.20.%d.%d/16/ens32\n' $((i / 200)) $((i % 200 + 1))
        done
    fi
}

_big_count() { netns_exec "$P" "$1" ip -4 -o addr show dev ens32 | grep -c ' inet 10\.20\.'; }
_big_has_all() { [ "$(_big_count "$1")" -ge "$2" ]; }

# big_trial KIND SHAPE N OUT SAMPLES
big_trial() {
    local kind=$1 shape=$2 n=$3 out=$4 samples=$5 want dir pid t_kill
    want=$(_big_want "$shape")
    HARESOURCES=$(_big_haresources "$shape")
    export HARESOURCES
    netns_setup "$P" lvs-01 lvs-02 client >/dev/null || { echo "netns setup failed" >&2; exit 1; }
    state=$(netns_state_dir "$P")
    bench_pair_conf "$kind"
    dir=$out/$shape-$kind-$n
    mkdir -p "$dir"
    netns_bg "$P" lvs-02 scap tcpdump -i ens32 -tt -n -l -A udp port 694
    netns_bg "$P" lvs-02 amon ip -ts monitor address
    sleep 1
    for h in lvs-01 lvs-02; do "cluster_start_$kind" "$P" "$h" "$state/conf-$h"; done
    disown -a
    if ! wait_until 600 _big_has_all lvs-01 "$want"; then
        echo "  $shape $kind $n: lvs-01 did not take its $want addresses in 600 s" >&2
        netns_cleanup "$P"
        return
    fi
    sleep "4.$(printf '%03d' $((RANDOM % 500)))"
    pid=$(cluster_pid "$P" lvs-01)
    t_kill=$(date +%s.%N)
    kill -9 "$pid"
    wait_until 600 _big_has_all lvs-02 "$want" ||
        echo "  $shape $kind $n: lvs-02 has $(_big_count lvs-02) of $want after 600 s" >&2
    sleep 0.5
    for name in scap amon; do netns_stop "$P" "$name" 5; done
    cp "$state/scap.out" "$state/amon.out" "$dir/"
    cp "$(cluster_log "$P" lvs-02)" "$dir/ha-log-lvs-02" 2>/dev/null
    python3 "$BENCH_ROOT/bench/lib/events.py" big --kind "$kind" --trial "$n" --row "${shape}_takeover" \
        --lvs02 "$dir/scap.out" --monitor "$dir/amon.out" --want "$want" --kill "$t_kill" |
        tee -a "$samples" | sed "s/^/  /" >&2
    netns_cleanup "$P"
}
