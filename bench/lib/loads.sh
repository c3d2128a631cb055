# shellcheck shell=bash
# loads.sh — bench/run's load ladder: for each load, which keepalive/deadtime pairs run
# SOAK seconds without a false failover or a late-heartbeat warning, ours and 3.0.6.
# Under the machine-wide loads every pair of the ladder, of both implementations, runs at
# the same time (ten two-node clusters, each on its own bridge), so a load costs SOAK once,
# not ten times, and ours and 3.0.6 always meet the same conditions; the daemons' own share
# of the machine is small (at 10 ms, twenty nodes send 2,000 datagrams a second between
# them). The flood is per cluster and its cost is the receivers' (20,000 datagrams a second
# at each node): ten clusters at once would be a CPU load of 400,000, so the flood climbs
# the ladder one cluster at a time, from the shortest pair up, each implementation
# stopping at its first clean pair; a flooded soak ends at its first death.
# Counted per cluster, in both nodes' logs, from the start of the load to 2 s after its
# end: "is dead" (a false failover: nothing failed), "Late heartbeat" (warntime passed) and
# "returning after partition"; a daemon that died is a failure too.
# Sourced by bench/run, which has sourced bench/common.sh.

# The ladder (keepalive/deadtime ms). warntime is the middle of the margin,
# (keepalive + deadtime) / 2: a gap that long has eaten half of what deadtime allows.
LOADS_LADDER=("500 1500" "100 500" "50 250" "20 100" "10 50")
# shellcheck disable=SC2034 # bench/run reads it
LOADS_ALL=(cpu cpu-rt-off memio loss10 burst200 flood)

_loads_prefix() { echo "hbl$1$2"; } # step index, o|r: one namespace family per cluster

# The clusters of the load at hand, as "STEP KIND" (STEP: index into the ladder, KIND o|r).
LOADS_ACTIVE=()
_loads_all() {
    local i k
    LOADS_ACTIVE=()
    for i in "${!LOADS_LADDER[@]}"; do
        for k in o r; do LOADS_ACTIVE+=("$i $k"); done
    done
}

# _loads_each CMD... : CMD PREFIX for every active cluster.
_loads_each() {
    local c
    for c in "${LOADS_ACTIVE[@]}"; do "$@" "$(_loads_prefix "${c% *}" "${c#* }")"; done
}

# _loads_start REALTIME PREFIX : one ladder cluster (its pair from its prefix), started.
_loads_start() {
    local realtime=$1 p=$2 i k ka dt h conf state
    i=${p#hbl}; k=${i: -1}; i=${i%?}
    read -r ka dt <<<"${LOADS_LADDER[$i]}"
    bench_track "$p"
    netns_setup "$p" lvs-01 lvs-02 client >/dev/null || return 1
    state=$(netns_state_dir "$p")
    for h in lvs-01 lvs-02; do
        conf="$state/conf-$h"
        HARESOURCES='' CLUSTER_KEEPALIVE=${ka}ms CLUSTER_DEADTIME=${dt}ms \
            CLUSTER_WARNTIME=$(((ka + dt) / 2))ms CLUSTER_INITDEAD=10 \
            REAL=$([ "$k" = r ] && echo 1 || echo 0) \
            cluster_conf "$conf" "1 sha1 secret" "realtime $realtime" || return 1
        if [ "$k" = r ]; then cluster_start_real "$p" "$h" "$conf"; else cluster_start_ours "$p" "$h" "$conf"; fi
    done
    disown -a
}

_loads_joined() { # PREFIX : both nodes saw each other active
    if ! cluster_wait "$1" lvs-01 'Status update for node lvs-02: status active' 30 ||
        ! cluster_wait "$1" lvs-02 'Status update for node lvs-01: status active' 30; then
        echo "  loads: cluster $1 did not come up" >&2
        return 1
    fi
}

_loads_mark() { # PREFIX : remember where both logs end now
    local h
    for h in lvs-01 lvs-02; do
        stat -c %s "$(cluster_log "$1" "$h")" >"$(netns_state_dir "$1")/mark-$h"
    done
}

# _loss_table PERCENT : the nft command (one line) that makes the bridge drop PERCENT % of
# the frames it forwards; _loss_untable: the one that ends it.
_loss_table() {
    local rule="numgen random mod 100 < $1 drop"
    [ "$1" -ge 100 ] && rule=drop
    echo "table bridge hbloss { chain loss { type filter hook forward priority 0; policy accept; $rule; }; }"
}
_loss_untable() { echo "delete table bridge hbloss"; }

_loss_on() { _loss_table "$1" | ip netns exec "$2-br" nft -f -; } # PERCENT PREFIX
_loss_off() { _loss_untable | ip netns exec "$1-br" nft -f - 2>/dev/null; } # PREFIX

# _burst_loop PREFIX SECONDS : every 1-3 s (random), 200 ms in which the link drops all.
# One nft per link reads the commands (nft -i): an `ip netns exec … nft` per toggle takes
# tens of milliseconds on a slow machine and, ten links at once next to twenty daemons,
# stretched 200 ms bursts to seconds. The loop and its nft run at SCHED_FIFO 60, above the
# daemons' 50: the load is the link's loss, not a generator waiting for a CPU (run 5, at
# normal priority, stretched them to 266 ms on average and up to 814 ms). Each burst's start
# and end go to stderr.
_burst_loop() {
    local p=$1 end=$((EPOCHSECONDS + $2)) n=0
    chrt -f -p 60 "$BASHPID" >/dev/null || echo "burst generator: no real-time priority" >&2
    {
        while [ "$EPOCHSECONDS" -lt "$end" ] && [ $n -lt 1000 ]; do
            sleep "$((1 + RANDOM % 2)).$(printf '%03d' $((RANDOM % 1000)))"
            _loss_table 100
            echo "burst $EPOCHREALTIME" >&2
            sleep 0.2
            _loss_untable
            echo "end $EPOCHREALTIME" >&2
            n=$((n + 1))
        done
        echo "$n bursts" >&2
    } | ip netns exec "$p-br" nft -i >/dev/null
}

# _loads_apply LOAD SECONDS DIR : start LOAD in the background (PIDs to bench_own).
_loads_apply() {
    local load=$1 s=$2 dir=$3
    case "$load" in
        cpu | cpu-rt-off)
            stress-ng --cpu 2 --timeout "${s}s" >"$dir/stress.out" 2>&1 &
            bench_own $! ;;
        memio)
            mkdir -p /var/tmp/hb-bench-hdd
            stress-ng --vm 2 --vm-bytes 60% --io 1 --hdd 1 --hdd-bytes 1g \
                --temp-path /var/tmp/hb-bench-hdd --timeout "${s}s" >"$dir/stress.out" 2>&1 &
            bench_own $!
            # …and the page cache evicted every second: text pages of a daemon that has not
            # locked itself into memory come back from the disk the hdd workers keep busy.
            (for ((n = 0; n < s; n++)); do echo 1 >/proc/sys/vm/drop_caches; sleep 1; done) &
            bench_own $! ;;
        loss10) _loads_each _loss_on 10 ;;
        burst200)
            local p
            for p in $(_loads_each echo); do
                _burst_loop "$p" "$s" >"$dir/burst-$p.out" 2>&1 &
                bench_own $!
            done ;;
        flood)
            local p
            for p in $(_loads_each echo); do
                ip netns exec "$p-client" "$BENCH_FLOOD" 192.168.219.255 694 20000 "$s" lvs-01 \
                    >"$dir/flood-$p.out" 2>&1 &
                bench_own $!
            done ;;
    esac
}

# _loads_count LOAD DIR PREFIX : one CSV row of what the cluster logged since the mark (the
# counted lines are kept in DIR; the logs themselves are not: under the flood 3.0.6 writes
# megabytes a second). The last column is how much both nodes logged, in KiB.
_loads_count() {
    local load=$1 dir=$2 p=$3 i k ka dt h log from dead=0 late=0 part=0 gone=0 kib=0 state
    i=${p#hbl}; k=${i: -1}; i=${i%?}
    read -r ka dt <<<"${LOADS_LADDER[$i]}"
    state=$(netns_state_dir "$p")
    for h in lvs-01 lvs-02; do
        log=$(cluster_log "$p" "$h")
        from=$(cat "$state/mark-$h")
        tail -c +"$((from + 1))" "$log" | grep -E ': is dead|Late heartbeat|returning after partition' \
            >"$dir/$p-$h.log"
        dead=$((dead + $(grep -c ': is dead' "$dir/$p-$h.log")))
        late=$((late + $(grep -c 'Late heartbeat' "$dir/$p-$h.log")))
        part=$((part + $(grep -c 'returning after partition' "$dir/$p-$h.log")))
        kib=$((kib + ($(stat -c %s "$log") - from) / 1024))
        _netns_alive "$(cluster_pid "$p" "$h")" || gone=$((gone + 1))
    done
    echo "$load,$([ "$k" = r ] && echo real || echo ours),$ka,$dt,$dead,$late,$part,$gone,$kib"
}

# _loads_failed_by SECONDS : waits SECONDS; true as soon as the one active cluster has
# logged a death or lost a daemon (checked every second).
_loads_failed_by() {
    local end=$((SECONDS + $1)) p h log
    p=$(_loads_each echo)
    while [ $SECONDS -lt "$end" ]; do
        sleep 1
        for h in lvs-01 lvs-02; do
            log=$(cluster_log "$p" "$h")
            tail -c +"$(($(cat "$(netns_state_dir "$p")/mark-$h") + 1))" "$log" |
                grep -q ': is dead' && return 0
            _netns_alive "$(cluster_pid "$p" "$h")" || return 0
        done
    done
    return 1
}

# _loads_soak LOAD SOAK DIR OUT : the active clusters started, joined, SOAK s under LOAD,
# counted into OUT/loads.csv, gone.
_loads_soak() {
    local load=$1 soak=$2 dir=$3 out=$4 pid before ok=1
    _loads_each _loads_start "$([ "$load" = cpu-rt-off ] && echo off || echo on)" || ok=0
    [ $ok = 1 ] && { _loads_each _loads_joined || ok=0; }
    if [ $ok = 1 ]; then
        sleep 3
        _loads_each _loads_mark
        before=${#BENCH_PIDS[@]}
        _loads_apply "$load" "$soak" "$dir"
        if [ "$load" != flood ] || [ ${#LOADS_ACTIVE[@]} -ne 1 ]; then
            sleep "$soak"
        elif _loads_failed_by "$soak"; then
            # The one flooded cluster failed: the rest of the soak would tell nothing more
            # (3.0.6 fails every pair within seconds), so its flood stops here.
            for pid in "${BENCH_PIDS[@]:$before}"; do kill "$pid" 2>/dev/null; done
        fi
        for pid in "${BENCH_PIDS[@]:$before}"; do wait "$pid" 2>/dev/null; done
        BENCH_PIDS=("${BENCH_PIDS[@]:0:$before}")
        [ "$load" = loss10 ] && _loads_each _loss_off
        sleep 2
        _loads_each _loads_count "$load" "$dir" | tee -a "$out/loads.csv" | sed 's/^/    /' >&2
        cat "$dir"/flood-*.out "$dir/stress.out" 2>/dev/null | sed 's/^/    /' | sort | uniq -c | head -5 >&2
        rm -f "$dir"/flood-*.out
    fi
    _loads_each netns_cleanup
}

# loads_run OUT SOAK LOAD... : appends load,kind,keepalive_ms,deadtime_ms,dead,late,
# partition,died,log_kib per cluster to OUT/loads.csv; the logs of the soak go to OUT/loads-LOAD/.
loads_run() {
    local out=$1 soak=$2 load dir i k clean row rows
    shift 2
    BENCH_FLOOD=${BENCH_FLOOD:-$BENCH_ROOT/build/bin/flood_bench}
    for load in "$@"; do
        dir=$out/loads-$load
        mkdir -p "$dir"
        if [ "$load" != flood ]; then
            echo "  load $load: ${#LOADS_LADDER[@]} pairs x 2 implementations at once, ${soak}s" >&2
            _loads_all
            _loads_soak "$load" "$soak" "$dir" "$out"
            continue
        fi
        for k in o r; do
            for ((i = ${#LOADS_LADDER[@]} - 1; i >= 0; i--)); do
                echo "  load flood: ${LOADS_LADDER[$i]} ms, $([ $k = o ] && echo ours || echo 3.0.6) alone, ${soak}s" >&2
                LOADS_ACTIVE=("$i $k")
                rows=$(wc -l <"$out/loads.csv")
                _loads_soak flood "$soak" "$dir" "$out"
                [ "$(wc -l <"$out/loads.csv")" -gt "$rows" ] || continue
                row=$(tail -n 1 "$out/loads.csv")
                clean=0
                case "$row" in flood,*,0,0,0,0,*) clean=1 ;; esac
                [ $clean = 1 ] && break
            done
        done
    done
}
