#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Resource groups made of more than IPaddr, with two of ours:
#  1. one group = the tutorial's VIP, a heartbeat-style script that sources Debian's
#     /etc/ha.d/shellfuncs (resource-agents) and logs with ha_log, taking `::` arguments,
#     and an LSB init script found in /etc/init.d: started left to right, stopped right to
#     left, each with its arguments as separate argv entries and heartbeat's HA_*
#     environment; auto_failback off: after a failover the group stays where it is when
#     the preferred node returns;
#  2. a start script that hangs: killed at its timeout (env RSC_START_TIMEOUT), reported,
#     the group given up, and not one heartbeat late on either node meanwhile.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
[ -r /etc/ha.d/shellfuncs ] || { echo "SKIP: /etc/ha.d/shellfuncs (Debian's resource-agents) missing"; exit 77; }
cluster_begin hbrsc lvs-01 lvs-02 client
VIP=192.168.219.100

# A heartbeat-style resource script: `hbtest NAME WORD start|stop|status`. It keeps its
# state in /run (a tmpfs of the node's own), and records its argv and environment.
write_hbtest() {
    cat >"$1/resource.d/hbtest" <<'EOS'
#!/bin/sh
. /etc/ha.d/shellfuncs
state=/run/hbtest-$1
case "$3" in
start)
    ha_log "info: hbtest $1 starting ($#: $*) on $HA_CURHOST"
    printf '%s\n' "$#" "$1" "$2" "$HA_CURHOST" "${HA_NICEFAILBACK:-}" >"$state"
    ;;
stop) ha_log "info: hbtest $1 stopping"; rm -f "$state" ;;
status) if [ -e "$state" ]; then echo "hbtest $1 running"; else echo "hbtest $1 stopped"; fi ;;
*) echo "usage: $0 NAME WORD start|stop|status" >&2; exit 1 ;;
esac
exit 0
EOS
    chmod 755 "$1/resource.d/hbtest"
}

# An LSB init script (exit codes and "is running"/"is not running" wording).
write_lsb() {
    mkdir -p "$1"
    cat >"$1/lsbsvc" <<'EOS'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          lsbsvc
# Required-Start:    $network
# Required-Stop:     $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: test service for heartbeat's resource groups
### END INIT INFO
pidfile=/run/lsbsvc.pid
case "$1" in
start)
    [ -e "$pidfile" ] && exit 0
    echo $$ >"$pidfile"; echo "Starting lsbsvc"; exit 0 ;;
stop) rm -f "$pidfile"; echo "Stopping lsbsvc"; exit 0 ;;
status)
    if [ -e "$pidfile" ]; then echo "lsbsvc is running"; exit 0; fi
    echo "lsbsvc is not running"; exit 3 ;;
*) echo "Usage: $0 {start|stop|status}"; exit 2 ;;
esac
EOS
    chmod 755 "$1/lsbsvc"
}

has_vip() { has_addr "$1" "$VIP"; }
lacks_vip() { lacks_addr "$1" "$VIP"; }
runs() { netns_node_exec "$P" "$1" test -e /run/hbtest-alpha && netns_node_exec "$P" "$1" test -e /run/lsbsvc.pid; }
runs_none() { ! netns_node_exec "$P" "$1" test -e /run/hbtest-alpha && ! netns_node_exec "$P" "$1" test -e /run/lsbsvc.pid; }
# line_no HOST ERE : number of the first line of HOST's log matching ERE (0: none).
line_no() { grep -nE -- "$2" "$(cluster_log "$P" "$1")" | head -1 | cut -d: -f1 | grep . || echo 0; }
# in_order HOST ERE... : each ERE first appears after the one before it.
in_order() {
    local host=$1 prev=0 n
    shift
    for re in "$@"; do
        n=$(line_no "$host" "$re")
        [ "$n" -gt "$prev" ] || return 1
        prev=$n
    done
}

# ---- 1. heartbeat-style script, LSB script, auto_failback off --------------------------
export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255 hbtest::alpha::two-words lsbsvc"
cluster_vip_pair
for h in lvs-01 lvs-02; do
    conf="$state/conf-$h"
    echo "auto_failback off" >>"$conf/ha.cf"
    cp /etc/ha.d/shellfuncs "$conf/shellfuncs"  # what an upgrade keeps in /etc/ha.d
    write_hbtest "$conf"
    write_lsb "$state/nodes/$h/init.d"
done

cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "the group comes up on lvs-01" wait_until 10 runs lvs-01
check "…VIP included" has_vip lvs-01
check "nothing of it on lvs-02" runs_none lvs-02
args=$(netns_node_exec "$P" lvs-01 cat /run/hbtest-alpha | tr '\n' ' ')
check "hbtest got NAME and WORD as separate arguments, HA_CURHOST and HA_NICEFAILBACK (got: $args)" \
    test "$args" = "3 alpha two-words lvs-01 yes "
check "started left to right" in_order lvs-01 "Running .*IPaddr .* start" \
    "Running .*/resource.d/hbtest alpha two-words start" "Running /etc/init.d/lsbsvc start"
check "ha_log of the shellfuncs script reached heartbeat's log file" \
    cluster_wait "$P" lvs-01 "hbtest alpha starting \(3: alpha two-words start\) on lvs-01" 2
sleep 4

kill -9 "$(cluster_pid "$P" lvs-01)"  # lvs-01's /run goes with its mount namespace's last process
netns_exec "$P" lvs-01 ip addr del "$VIP/24" dev ens32
check "kill -9: lvs-02 takes the whole group" wait_until 8 runs lvs-02
check "…VIP included" has_vip lvs-02

mv "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-01).1"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
check "lvs-01 back: it joins" cluster_wait "$P" lvs-01 "Local Resource acquisition completed. \(none\)" 10
sleep 3
check "auto_failback off: the group stays on lvs-02" runs lvs-02
check "…VIP included" has_vip lvs-02
check "…and lvs-01 runs none of it" runs_none lvs-01
check "…nor holds the VIP" lacks_vip lvs-01

netns_stop "$P" lvs-02 30
check "lvs-02 stopped: lvs-01 takes the group" wait_until 8 runs lvs-01
check "lvs-02 stopped the group right to left" in_order lvs-02 "Running /etc/init.d/lsbsvc stop" \
    "Running .*/resource.d/hbtest alpha two-words stop" "Running .*IPaddr .* stop"
netns_stop "$P" lvs-01 30

# ---- 2. a start script that hangs ------------------------------------------------------
for h in lvs-01 lvs-02; do
    conf="$state/conf-$h"
    cat >"$conf/resource.d/hang" <<'EOS'
#!/bin/sh
case "$1" in
start) echo $$ >/run/hang.pid; echo "hang: starting and never finishing"; exec sleep 1000 ;;
stop) exit 0 ;;
status) echo "hang stopped" ;;
esac
EOS
    chmod 755 "$conf/resource.d/hang"
    echo "lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255 hang" >"$conf/haresources"
    echo "env RSC_START_TIMEOUT=2" >>"$conf/ha.cf"
    mv "$(cluster_log "$P" "$h")" "$(cluster_log "$P" "$h").2"
done
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "the hung start is killed at its timeout and reported" \
    cluster_wait "$P" lvs-01 "Resource script for .* \(start\) timed out after 2000 ms: killed" 10
hang_pid=$(netns_node_exec "$P" lvs-01 cat /run/hang.pid)
check "the hung script's process is gone (pid $hang_pid)" wait_until 5 bash -c "! kill -0 $hang_pid 2>/dev/null"
check "the group is given up: no VIP on lvs-01" wait_until 5 lacks_vip lvs-01
sleep 3
for h in lvs-01 lvs-02; do
    check "no late heartbeat or death on $h while the script hung" \
        bash -c "! grep -Eq 'Late heartbeat|is dead' '$(cluster_log "$P" "$h")'"
done

finish lvs-01 lvs-02
