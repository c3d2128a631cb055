#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Standby and takeover through the daemon's FIFO, driven by the ORIGINAL hb_standby and
# hb_takeover scripts of Debian's heartbeat 3.0.6 (/usr/share/heartbeat/), run on OUR node:
#  - two of ours: `hb_standby` on lvs-01 moves its VIP to lvs-02, released before taken;
#    `hb_takeover` on lvs-01 brings it back; `hb_takeover failback` on lvs-02 takes only
#    lvs-02's own group;
#  - ours + a real 3.0.6 peer: `hb_takeover` on ours makes the real node's rc.d/hb_takeover
#    go standby, and `hb_standby` on ours hands ours' VIP to the real node.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_require_reference
HB_STANDBY=/usr/share/heartbeat/hb_standby
HB_TAKEOVER=/usr/share/heartbeat/hb_takeover
if [ ! -x "$HB_STANDBY" ] || [ ! -x "$HB_TAKEOVER" ]; then
    echo "SKIP: Debian's hb_standby/hb_takeover missing"
    exit 77
fi
MODE=${1:-ours}
if [ "$MODE" = tools ]; then
    # Our own hb_standby / hb_takeover, which wait until the move is done.
    cluster_require_stage
    HB_STANDBY=$HB_STAGE/usr/share/heartbeat/hb_standby
    HB_TAKEOVER=$HB_STAGE/usr/share/heartbeat/hb_takeover
    export CL_STATUS=$HB_STAGE/usr/bin/cl_status
fi
VIP1=192.168.219.100
VIP2=192.168.219.200
export HARESOURCES="lvs-01 IPaddr::$VIP1/24/ens32:0/192.168.219.255
lvs-02 IPaddr::$VIP2/24/ens32:1/192.168.219.255"
if [ "$MODE" = mixed ]; then
    cluster_begin hbstbym lvs-01 lvs-02 client
    cluster_vip_pair mixed
    start_lvs_02() { cluster_start_real "$@"; }
elif [ "$MODE" = tools ]; then
    cluster_begin hbstbyt lvs-01 lvs-02 client
    cluster_vip_pair
    start_lvs_02() { cluster_start_ours "$@"; }
else
    cluster_begin hbstby lvs-01 lvs-02 client
    cluster_vip_pair
    start_lvs_02() { cluster_start_ours "$@"; }
fi
for h in lvs-01 lvs-02; do
    echo "auto_failback off" >>"$state/conf-$h/ha.cf"
    # Debian's scripts source /etc/ha.d/shellfuncs (resource-agents), kept by an upgrade.
    [ -e "$state/conf-$h/shellfuncs" ] || cp /etc/ha.d/shellfuncs "$state/conf-$h/"
done

# only_on ADDR HOST OTHER : ADDR is on HOST and not on OTHER.
only_on() { has_addr "$2" "$1" && lacks_addr "$3" "$1"; }

cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
start_lvs_02 "$P" lvs-02 "$state/conf-lvs-02"
check "start: .100 on lvs-01" wait_until 25 only_on "$VIP1" lvs-01 lvs-02
check "start: .200 on lvs-02" wait_until 10 only_on "$VIP2" lvs-02 lvs-01
sleep 3
fifo_mode=$(netns_node_exec "$P" lvs-01 stat -c '%F %a %U' /var/lib/heartbeat/fifo)
check "our FIFO is /var/lib/heartbeat/fifo, root's alone (got: $fifo_mode)" test "$fifo_mode" = "fifo 600 root"

if [ "$MODE" = mixed ]; then
    out=$(netns_node_exec "$P" lvs-01 "$HB_TAKEOVER" 2>&1)
    echo "hb_takeover on ours said: $out"
    check "hb_takeover on ours: the real node goes standby, ours holds .200" \
        watch_move "$VIP2" lvs-01 lvs-02 15
    check "never on both (samples: $BOTH)" test "$BOTH" -eq 0
    check "the real node logged the request" cluster_wait "$P" lvs-02 "Running /etc/ha.d/+rc.d/hb_takeover" 2
    sleep 3
    netns_node_exec "$P" lvs-01 "$HB_STANDBY" >/dev/null 2>&1
    check "hb_standby on ours: the real node holds .100" watch_move "$VIP1" lvs-02 lvs-01 15
    check "…and .200" wait_until 10 only_on "$VIP2" lvs-02 lvs-01
    finish lvs-01 lvs-02
    exit
fi

if [ "$MODE" = tools ]; then
    # The scripts return when the move is done: the VIP must already be where it goes.
    t0=$(now_ms)
    out=$(netns_node_exec "$P" lvs-01 env CL_STATUS="$CL_STATUS" "$HB_STANDBY" 2>&1)
    rc=$?
    echo "hb_standby said (after $(($(now_ms) - t0)) ms): $out"
    check "hb_standby exits 0 and says it is done" test "$rc $(echo "$out" | tail -1)" = "0 Done: this node now holds none resources."
    check "…and .100 is on lvs-02 already" only_on "$VIP1" lvs-02 lvs-01
    check "…and .200 too" only_on "$VIP2" lvs-02 lvs-01
    out=$(netns_node_exec "$P" lvs-01 env CL_STATUS="$CL_STATUS" "$HB_TAKEOVER" failback 2>&1)
    rc=$?
    echo "hb_takeover failback said: $out"
    check "hb_takeover failback: done, lvs-01 holds its own group" test "$rc $(echo "$out" | tail -1)" = "0 Done: this node now holds local resources."
    check "….100 is back on lvs-01" only_on "$VIP1" lvs-01 lvs-02
    check "….200 stayed on lvs-02" only_on "$VIP2" lvs-02 lvs-01
    for args in "bogus" "all extra" "--help"; do
        # shellcheck disable=SC2086
        ours=$(netns_node_exec "$P" lvs-01 "$HB_STANDBY" $args 2>&1; echo "exit $?")
        # shellcheck disable=SC2086
        theirs=$(netns_node_exec "$P" lvs-01 /usr/share/heartbeat/hb_standby $args 2>&1; echo "exit $?")
        check "hb_standby $args: the original's words and exit code" \
            test "${ours//$HB_STANDBY/X}" = "${theirs///usr\/share\/heartbeat\/hb_standby/X}"
    done
    netns_stop_node "$P" lvs-02 30
    peer_dead() { [ "$(netns_node_exec "$P" lvs-01 "$CL_STATUS" nodestatus lvs-02)" = dead ]; }
    check "lvs-01 sees lvs-02 gone" wait_until 10 peer_dead
    out=$(netns_node_exec "$P" lvs-01 env CL_STATUS="$CL_STATUS" HB_WAIT=20 "$HB_STANDBY" 2>&1)
    rc=$?
    echo "hb_standby with the peer gone said: $out"
    check "hb_standby with no peer: refused at once, exit 1" test "$rc $out" = "1 $HB_STANDBY: no other node is active: nobody could take the resources; nothing done"
    check "…and lvs-01 keeps .100" only_on "$VIP1" lvs-01 lvs-02
    finish lvs-01 lvs-02
    exit
fi
out=$(netns_node_exec "$P" lvs-01 "$HB_STANDBY" 2>&1)
echo "hb_standby on lvs-01 said: $out"
check "hb_standby on lvs-01: .100 moves to lvs-02" watch_move "$VIP1" lvs-02 lvs-01 10
check "never on both (samples: $BOTH)" test "$BOTH" -eq 0
check "the standby is logged" cluster_wait "$P" lvs-01 "lvs-01 wants to go standby \[all\]" 2
sleep 2
netns_node_exec "$P" lvs-01 "$HB_TAKEOVER" >/dev/null 2>&1
check "hb_takeover on lvs-01: .100 comes back" watch_move "$VIP1" lvs-01 lvs-02 10
check "…and .200 with it (all)" wait_until 5 only_on "$VIP2" lvs-01 lvs-02
sleep 2
netns_node_exec "$P" lvs-02 "$HB_TAKEOVER" failback >/dev/null 2>&1
check "hb_takeover failback on lvs-02: .200 goes back to lvs-02" watch_move "$VIP2" lvs-02 lvs-01 10
sleep 1
check "…and .100 stays on lvs-01" only_on "$VIP1" lvs-01 lvs-02
out=$(netns_node_exec "$P" lvs-01 "$HB_STANDBY" bogus 2>&1; echo "exit $?")
check "the script's own usage errors are untouched (got: $(echo "$out" | tail -1))" test "$(echo "$out" | tail -1)" = "exit 1"
# Junk in the FIFO: logged and dropped, the daemon carries on.
netns_node_exec "$P" lvs-01 sh -c 'printf ">>>\nnot a field\n<<<\n%s\n" "$(head -c 100000 /dev/zero | tr "\0" x)" >>/var/lib/heartbeat/fifo'
check "a malformed FIFO message is logged" cluster_wait "$P" lvs-01 "dropped a malformed or oversized message" 3
netns_node_exec "$P" lvs-01 "$HB_STANDBY" local >/dev/null 2>&1
check "…and the FIFO still works: hb_standby local moves .100" watch_move "$VIP1" lvs-02 lvs-01 10

finish lvs-01 lvs-02
