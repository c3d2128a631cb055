# shellcheck shell=bash
# big.sh — bench/run's big takeovers: one group of 256 IPaddr resources, and 64 groups of
# one (16 in --quick); kill -9 of their holder; timed from the peer declaring it dead (the
# `stonith` message on the wire) to the last of the addresses up there (netlink
# notifications). The addresses are 10.20.x.y/16 on ens32 (each IPaddr names the interface
# and netmask, so neither implementation searches the routes).
#
# One pair per shape and implementation, all four up at once and started once: 3.0.6 needs
# about 13 minutes here to start 256 addresses and three to take them over, so a fresh pair
# per trial would cost three hours. The pairs run auto_failback off; each trial kills the
# holder, the peer takes over, and the killed machine "reboots": every process of its node
# goes, its addresses with them, and its daemon starts again and joins without taking the
# group back — so the next trial kills the other director. Both nodes capture and monitor
# for the whole run; each trial keeps the part written after its kill. Sourced by bench/run
# (after common.sh and pair.sh).

declare -A BIG_HOLDER=() # SHAPE-KIND -> the director holding the addresses ("" if failed)

# _big_want SHAPE : how many addresses: group256 is one group of 256, groupsN N groups of one
# (groups64 in the full run, groups16 in --quick).
_big_want() { if [ "$1" = group256 ]; then echo 256; else echo "${1#groups}"; fi; }

# _big_prefix SHAPE KIND : the namespaces' prefix of that pair ([a-zA-Z0-9] only).
_big_prefix() { echo "hbbg${1#group}${2:0:1}"; }

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
_big_other() { if [ "$1" = lvs-01 ]; then echo lvs-02; else echo lvs-01; fi; }
# _big_joins PEER HOST : how often PEER has logged HOST active; _big_rejoined PEER HOST N: more
# than N times.
_big_joins() { grep -c "Status update for node $2: status active" "$(cluster_log "$P" "$1")"; }
_big_rejoined() { [ "$(_big_joins "$1" "$2")" -gt "$3" ]; }

# big_start SHAPE KIND : sets up and starts that pair (its group's home is lvs-01).
big_start() {
    local shape=$1 kind=$2 h
    P=$(_big_prefix "$shape" "$kind")
    bench_track "$P"
    HARESOURCES=$(_big_haresources "$shape")
    export HARESOURCES
    netns_setup "$P" lvs-01 lvs-02 client >/dev/null || { echo "netns setup failed" >&2; exit 1; }
    state=$(netns_state_dir "$P")
    bench_pair_conf "$kind"
    sed -i 's/^auto_failback on$/auto_failback off/' "$state"/conf-lvs-0[12]/ha.cf
    for h in lvs-01 lvs-02; do
        netns_bg "$P" "$h" "scap-$h" tcpdump -i ens32 -tt -n -l -A udp port 694
        netns_bg "$P" "$h" "amon-$h" ip -ts monitor address
    done
    sleep 1
    for h in lvs-01 lvs-02; do "cluster_start_$kind" "$P" "$h" "$state/conf-$h"; done
    disown -a
}

# big_wait_started SHAPE KIND LIMIT : waits (at most LIMIT s) for that pair's lvs-01 to hold
# all its addresses; records the holder, or "" (its trials then count as missing).
big_wait_started() {
    local shape=$1 kind=$2 limit=$3 want
    P=$(_big_prefix "$shape" "$kind")
    want=$(_big_want "$shape")
    BIG_HOLDER[$shape-$kind]=lvs-01
    wait_until "$limit" _big_has_all lvs-01 "$want" && return
    echo "  $shape $kind: lvs-01 has $(_big_count lvs-01) of $want addresses after $limit s" >&2
    BIG_HOLDER[$shape-$kind]=
}

# _big_reboot HOST MNT KIND : HOST's machine crashed and comes back: every process of its
# node (those in the daemon's mount namespace MNT: not the captures) goes, its addresses
# with them; the daemon starts again and we wait (at most 120 s) until the peer sees it active.
_big_reboot() {
    local host=$1 mnt=$2 kind=$3 peer joined pid i
    peer=$(_big_other "$host")
    for ((i = 0; i < 50; i++)); do
        local left=0
        for pid in $(ip netns pids "$P-$host"); do
            [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$mnt" ] || continue
            kill -KILL "$pid" 2>/dev/null
            left=1
        done
        [ $left = 0 ] && break
        sleep 0.1
    done
    netns_exec "$P" "$host" ip addr flush dev ens32 to 10.20.0.0/16
    joined=$(_big_joins "$peer" "$host")
    "cluster_start_$kind" "$P" "$host" "$state/conf-$host"
    disown -a
    wait_until 120 _big_rejoined "$peer" "$host" "$joined" ||
        echo "  $host did not show as active on $peer within 120 s" >&2
}

# big_trial SHAPE KIND N OUT SAMPLES : kill -9 of the pair's holder, timed; then its reboot.
big_trial() {
    local shape=$1 kind=$2 n=$3 out=$4 samples=$5 want dir holder peer pid mnt t_kill name
    local -A at=()
    P=$(_big_prefix "$shape" "$kind")
    state=$(netns_state_dir "$P")
    want=$(_big_want "$shape")
    holder=${BIG_HOLDER[$shape-$kind]}
    if [ -z "$holder" ]; then
        echo "${shape}_takeover,$kind,$n," | tee -a "$samples" | sed "s/^/  /" >&2
        return
    fi
    peer=$(_big_other "$holder")
    dir=$out/$shape-$kind-$n
    mkdir -p "$dir"
    for name in scap amon; do at[$name]=$(stat -c %s "$state/$name-$peer.out"); done
    sleep "2.$(printf '%03d' $((RANDOM % 1000)))" # anywhere in the keepalive's phase
    pid=$(_pair_master "$holder")
    mnt=$(readlink "/proc/$pid/ns/mnt")
    t_kill=$(date +%s.%N)
    kill -9 "$pid"
    wait_until 1800 _big_has_all "$peer" "$want" ||
        echo "  $shape $kind $n: $peer has $(_big_count "$peer") of $want after 1800 s" >&2
    sleep 0.5
    for name in scap amon; do
        tail -c "+$((at[$name] + 1))" "$state/$name-$peer.out" >"$dir/$name.out"
    done
    cp "$(cluster_log "$P" "$peer")" "$dir/ha-log-$peer" 2>/dev/null
    python3 "$BENCH_ROOT/bench/lib/events.py" big --kind "$kind" --trial "$n" --row "${shape}_takeover" \
        --capture "$dir/scap.out" --monitor "$dir/amon.out" --want "$want" --kill "$t_kill" |
        tee -a "$samples" | sed "s/^/  /" >&2
    _big_reboot "$holder" "$mnt" "$kind"
    BIG_HOLDER[$shape-$kind]=$peer
    sleep 3 # the rejoined node settles (3.0.6 negotiates the groups after it is active)
}
