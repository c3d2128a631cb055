# shellcheck shell=bash
# pair.sh — bench/run's timing trial: one fresh pair (the tutorial's VIP, keepalive 500 ms,
# deadtime 2 s, auto_failback on, sha1) of ours or 3.0.6, and in turn
#   joint start → VIP answers the client;
#   hb_standby on the holder → VIP answers from the peer; hb_takeover there → back
#     (each implementation runs its own tools, in the background: only the events time them);
#   link down on the holder → VIP answers via the peer; link up again: the partition heals
#     → exactly one holder, how long both held the VIP, the client's longest gap in answers;
#   kill -9 of the holder → the peer declares it dead → VIP up there → VIP answers.
# The times come from the events (bench/lib/events.py): the client's capture of the VIP's
# echo replies (it pings every 10 ms), lvs-02's capture of heartbeat traffic (the `stonith`
# message both implementations send the moment they declare a peer dead) and both
# directors' netlink address notifications. Sourced by bench/run (after common.sh).

PAIR_VIP=192.168.219.100

_pair_holders() { # -> how many of the pair hold the VIP, then the holder's name if one
    local n=0 who=
    has_addr lvs-01 "$PAIR_VIP" && { n=$((n + 1)); who=lvs-01; }
    has_addr lvs-02 "$PAIR_VIP" && { n=$((n + 1)); who=lvs-02; }
    echo "$n $who"
}

# _pair_settle LIMIT : wait (at most LIMIT s) until exactly one director has held the VIP
# for 5 s in a row; prints it ("" if never).
_pair_settle() {
    local limit=$1 i stable=0 n who cur last=
    for ((i = 0; i < limit * 5; i++)); do
        read -r n who < <(_pair_holders)
        cur=
        [ "$n" = 1 ] && cur=$who
        if [ -n "$cur" ] && [ "$cur" = "$last" ]; then
            stable=$((stable + 1))
            [ $stable -ge 25 ] && { echo "$cur"; return 0; }
        elif [ -n "$cur" ]; then
            stable=1
        else
            stable=0
        fi
        last=$cur
        sleep 0.2
    done
    echo ""
}

now_s() { date +%s.%N; }

# _pair_master HOST : the PID of HOST's heartbeat. 3.0.6 re-execs itself after a healed
# partition and comes back as a new process ("heartbeat: master control process").
_pair_master() {
    local pid
    pid=$(cluster_pid "$P" "$1")
    _netns_alive "$pid" && { echo "$pid"; return; }
    for pid in $(ip netns pids "$P-$1"); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^heartbeat: master control' &&
            { echo "$pid"; return; }
    done
}

# _pair_tool NAME TOOL : runs TOOL on lvs-01 in the background (its pid added to
# tool_pids), after bash has written the time it starts to $state/t_NAME.
_pair_tool() {
    # shellcheck disable=SC2016 # expanded by the inner bash, in the node's namespaces
    netns_node_exec "$P" lvs-01 bash -c 'echo "$EPOCHREALTIME" >"$0"; exec "$1"' \
        "$state/t_$1" "$2" >/dev/null 2>&1 &
    tool_pids+=("$!")
}

# _pair_stamp NAME FALLBACK : the time _pair_tool NAME stamped (FALLBACK if none).
_pair_stamp() {
    local t
    t=$(cat "$state/t_$1" 2>/dev/null)
    case $t in
        [0-9]*.[0-9]*) echo "$t" ;;
        *) echo "$2" ;;
    esac
    rm -f "$state/t_$1"
}

# pair_trial KIND N OUT SAMPLES : one trial; its rows go to SAMPLES, its captures to OUT/KIND-N.
pair_trial() {
    local kind=$1 n=$2 out=$3 samples=$4 t_start t_kill t_standby t_takeover t_down t_up
    local t_settled pid dir tool_pids holder moved tools=/usr/share/heartbeat
    [ "$kind" = ours ] && tools=$HB_STAGE/usr/share/heartbeat
    export HARESOURCES="lvs-01 IPaddr::$PAIR_VIP/24/ens32:0/192.168.219.255"
    netns_setup "$P" lvs-01 lvs-02 client >/dev/null || { echo "netns setup failed" >&2; exit 1; }
    state=$(netns_state_dir "$P")
    bench_pair_conf "$kind"
    dir=$out/$kind-$n
    mkdir -p "$dir"
    netns_bg "$P" client ccap tcpdump -i ens32 -e -tt -n -l "(icmp and src $PAIR_VIP) or arp"
    netns_bg "$P" lvs-02 scap tcpdump -i ens32 -tt -n -l -A udp port 694
    netns_bg "$P" lvs-02 amon ip -ts monitor address
    netns_bg "$P" lvs-01 amon1 ip -ts monitor address
    netns_bg "$P" client pinger ping -n -i 0.01 "$PAIR_VIP"
    sleep 1 # the captures are listening
    t_start=$(now_s)
    for h in lvs-01 lvs-02; do "cluster_start_$kind" "$P" "$h" "$state/conf-$h"; done
    if ! wait_until 40 has_addr lvs-01 "$PAIR_VIP"; then
        echo "  $kind $n: the VIP did not come up on lvs-01 within 40 s" >&2
        netns_cleanup "$P"
        return
    fi
    # Past the start-up dead-time bonus; then standby to lvs-02 and takeover back.
    sleep 6
    t_standby=$(now_s)
    tool_pids=()
    _pair_tool standby "$tools/hb_standby"
    moved=1
    if ! wait_until 30 has_addr lvs-02 "$PAIR_VIP"; then
        echo "  $kind $n: hb_standby moved nothing in 30 s" >&2
        moved=0
    fi
    wait_until 30 lacks_addr lvs-01 "$PAIR_VIP"
    sleep 2
    t_takeover=$(now_s)
    _pair_tool takeover "$tools/hb_takeover"
    wait_until 30 has_addr lvs-01 "$PAIR_VIP" || echo "  $kind $n: hb_takeover moved nothing in 30 s" >&2
    wait_until 30 lacks_addr lvs-02 "$PAIR_VIP"
    wait "${tool_pids[@]}" # both tools have returned (only these: the daemons are children too)
    # The moment each tool started, stamped in lvs-01's namespaces just before it: entering
    # them costs the harness about 75 ms here, which is not the tool's.
    t_standby=$(_pair_stamp standby "$t_standby")
    t_takeover=$(_pair_stamp takeover "$t_takeover")
    # A standby that moved nothing times neither move (events.py: 0 = did not happen); the
    # rows count the trial as missing.
    [ "$moved" = 1 ] || { t_standby=0 t_takeover=0; }
    sleep "1.$(printf '%03d' $((RANDOM % 500)))"
    # The cable of the holder comes out; once the peer answers (and 1 s more), it goes back:
    # the partition heals with both holding the VIP.
    t_down=$(now_s)
    netns_exec "$P" lvs-01 ip link set ens32 down
    wait_until 15 has_addr lvs-02 "$PAIR_VIP" || echo "  $kind $n: link down moved nothing in 15 s" >&2
    sleep 1
    t_up=$(now_s)
    netns_exec "$P" lvs-01 ip link set ens32 up
    holder=$(_pair_settle 60)
    t_settled=$(now_s)
    # With auto_failback on the home node should end with it; give it the time to.
    [ "$holder" = lvs-02 ] && wait_until 30 lacks_addr lvs-02 "$PAIR_VIP" && holder=$(_pair_settle 30)
    [ -n "$holder" ] || echo "  $kind $n: no single holder within 60 s of the heal" >&2
    if [ "$holder" = lvs-01 ]; then
        # 0-499 ms at random past a settled pair: the kill lands anywhere in the keepalive cycle.
        sleep "1.$(printf '%03d' $((RANDOM % 500)))"
        pid=$(_pair_master lvs-01)
        disown "$pid" 2>/dev/null
        t_kill=$(now_s)
        kill -9 "$pid"
        netns_exec "$P" lvs-01 ip addr del "$PAIR_VIP/24" dev ens32 # the box is gone
        wait_until 15 has_addr lvs-02 "$PAIR_VIP" || echo "  $kind $n: no takeover within 15 s" >&2
    else
        t_kill=0 # no kill rows for this trial: the pair did not come back to lvs-01
        echo "  $kind $n: after the heal the VIP stayed on ${holder:-no single node}: no kill" >&2
    fi
    sleep 1.5 # the client's first answers, and the captures' last lines
    for name in pinger ccap scap amon amon1; do netns_stop "$P" "$name" 5; done
    cp "$state/ccap.out" "$state/scap.out" "$state/amon.out" "$state/amon1.out" "$dir/"
    cp "$(cluster_log "$P" lvs-01)" "$dir/ha-log-lvs-01" 2>/dev/null
    cp "$(cluster_log "$P" lvs-02)" "$dir/ha-log-lvs-02" 2>/dev/null
    printf 'kill=%s\nmac1=%s\nmac2=%s\n' "$t_kill" "$(mac_of lvs-01)" "$(mac_of lvs-02)" >"$dir/times"
    python3 "$BENCH_ROOT/bench/lib/events.py" --kind "$kind" --trial "$n" --vip "$PAIR_VIP" \
        --client "$dir/ccap.out" --lvs02 "$dir/scap.out" --monitor "$dir/amon.out" \
        --monitor1 "$dir/amon1.out" --mac1 "$(mac_of lvs-01)" --mac2 "$(mac_of lvs-02)" \
        --standby "$t_standby" --takeover "$t_takeover" --down "$t_down" --up "$t_up" \
        --settled "$t_settled" --start "$t_start" --kill "$t_kill" |
        tee -a "$samples" | sed "s/^/  /" >&2
    netns_cleanup "$P"
}
