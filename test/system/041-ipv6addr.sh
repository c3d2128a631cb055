#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 service addresses: the IPv6addr agent and IPaddr2 with IPv6, findif and send_ua from
# the installed layout, on the tutorial's network with IPv6 (2001:db8:219::/64). Every
# argument form through start/status/stop (twice each); nodad (the address is usable the
# moment start returns, never tentative); findif's IPv6 answers; IPaddr's refusal; the
# unsolicited neighbour advertisements on the wire; and the takeover that matters: the
# client's neighbour entry for the VIP moves from lvs-01's MAC to lvs-02's within a second
# of the start on lvs-02, without the client asking (the kernel takes an unsolicited
# advertisement with Override only for an entry it has, which is the case at a takeover).
# check "…" eval '…': the single-quoted conditions expand when check runs them.
# shellcheck disable=SC2016,SC2034
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v ping6 >/dev/null || { echo "SKIP: ping6 missing"; exit 77; }
cluster_begin hbipv6 lvs-01 lvs-02 client

libexec=$HB_STAGE/usr/libexec/heartbeat
rd=$libexec/resource.d
for f in "$libexec/hb_findif" "$libexec/hb_send_ua" "$rd/IPaddr" "$rd/IPaddr2" "$rd/IPv6addr"; do
    [ -x "$f" ] || { echo "FAIL: $f is not installed"; exit 1; }
done
NET=2001:db8:219
VIP=$NET::100
CLIENT=$NET::50

# IPv6 on, as netns_setup leaves it off: the fixed addresses without DAD (nodad) so nothing
# waits for it, DAD itself left on (accept_dad 1, one probe) so that an address added
# without nodad would be tentative, no router solicitations or kernel announcements
# (ndisc_notify 0: the advertisements seen are send_ua's). The bridge floods multicast
# (no snooping), as a plain switch does.
ip -n "$P-br" link set br0 type bridge mcast_snooping 0
for h in lvs-01 lvs-02 client; do
    netns_exec "$P" "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
        net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.ens32.disable_ipv6=0 \
        net.ipv6.conf.ens32.accept_dad=1 net.ipv6.conf.ens32.dad_transmits=1 \
        net.ipv6.conf.ens32.accept_ra=0 net.ipv6.conf.ens32.router_solicitations=0 \
        net.ipv6.conf.all.ndisc_notify=0 net.ipv6.conf.ens32.ndisc_notify=0
    netns_exec "$P" "$h" ip -6 addr add "$NET::$(_netns_octet "$h")/64" dev ens32 nodad ||
        { echo "FAIL setup: IPv6 address on $h"; exit 1; }
done
mac1=$(mac_of lvs-01)
mac2=$(mac_of lvs-02)

# agent NAME SPEC ACTION [ENV=VALUE...]: runs the installed agent on $on (default lvs-01),
# with that node's own pid file directory; sets out, err, rc.
on=lvs-01
agent() {
    local name=$1 spec=$2 action=$3
    shift 3
    out=$(netns_exec "$P" "$on" env HA_BIN="$libexec" HA_RSCTMP="$state/rsctmp-$on" "$@" \
        "$rd/$name" "$spec" "$action" 2>"$state/agent.err")
    rc=$?
    err=$(cat "$state/agent.err")
}
# The `ip -o -6` line of ADDRESS on HOST's ens32 (empty when it is not there).
addr_line() { netns_exec "$P" "${2:-lvs-01}" ip -o -6 addr show dev ens32 to "$1/128"; }

is_rc() { [ "$rc" -eq "$1" ]; }
says() { grep -Eq -- "$1" <<<"$out"; }
says_running() { says 'running' && ! says '[Nn]ot +running'; }
complains() { [ -n "$err" ] && grep -Eq -- "$1" <<<"$err"; }
addr_matches() { addr_line "$1" | grep -Eq -- "$2"; }
addr_absent() { [ -z "$(addr_line "$1" "${2:-lvs-01}")" ]; }
# Not tentative (DAD pending) and not dadfailed: usable now.
addr_settled() { [ -n "$(addr_line "$1")" ] && ! addr_matches "$1" 'tentative|dadfailed'; }
# A socket binds to ADDRESS on HOST: the kernel refuses a tentative address (EADDRNOTAVAIL).
binds() {
    netns_exec "$P" "${2:-lvs-01}" python3 -c '
import socket, sys
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind((sys.argv[1], 0))' "$1" 2>/dev/null
}

# cycle AGENT SPEC ADDRESS ERE: start, start again, status, stop, stop again, status; the
# `ip -o -6 addr` line of ADDRESS must match ERE while it runs, and the address must be
# usable the moment start returns.
cycle() {
    local name=$1 spec=$2 address=$3 ere=$4
    agent "$name" "$spec" start ARP_REPEAT=1 ARP_INTERVAL_MS=0
    check "$name $spec: start succeeds" is_rc 0
    check "$name $spec: start logs ip -f inet6 addr add … nodad" \
        says '^INFO: ip -f inet6 addr add [0-9a-f:]+/[0-9]+ dev ens32 nodad$'
    check "$name $spec: usable at once (not tentative, a socket binds to it)" \
        eval 'addr_settled "$address" && binds "$address"'
    check "$name $spec: ip addr shows $ere" addr_matches "$address" "$ere"
    agent "$name" "$spec" start
    check "$name $spec: second start succeeds without change" \
        eval 'is_rc 0 && ! says "addr add" && ! says send_ua'
    agent "$name" "$spec" status
    check "$name $spec: status says running, exit 0" eval 'is_rc 0 && says_running'
    agent "$name" "$spec" monitor
    check "$name $spec: monitor says running, exit 0" eval 'is_rc 0 && says_running'
    agent "$name" "$spec" stop
    check "$name $spec: stop succeeds" is_rc 0
    check "$name $spec: the address is gone" addr_absent "$address"
    agent "$name" "$spec" stop
    check "$name $spec: second stop succeeds" eval 'is_rc 0 && says "already stopped"'
    agent "$name" "$spec" status
    check "$name $spec: status says stopped, exit 3" eval 'is_rc 3 && says stopped && ! says running'
}

# ---- argument forms ------------------------------------------------------------------
g='scope global nodad'
cycle IPv6addr $NET::100 $NET::100 "inet6 2001:db8:219::100/64 $g"
cycle IPv6addr $NET::101/64 $NET::101 "inet6 2001:db8:219::101/64 $g"
cycle IPv6addr $NET::102/64/ens32 $NET::102 "inet6 2001:db8:219::102/64 $g"
cycle IPv6addr $NET::103/120 $NET::103 "inet6 2001:db8:219::103/120 $g"
cycle IPaddr2 $NET::104/64/ens32 $NET::104 "inet6 2001:db8:219::104/64 $g"
cycle IPaddr2 $NET::105 $NET::105 "inet6 2001:db8:219::105/64 $g"
cycle IPaddr2 2001:DB8:219:0:0:0:0:106/128/ens32 $NET::106 "inet6 2001:db8:219::106/128 $g"
# IPaddr2 keeps doing IPv4 beside it.
agent IPaddr2 192.168.219.107/24/ens32 start ARP_REPEAT=0
check "IPaddr2 with IPv4 still works" \
    eval 'is_rc 0 && netns_exec "$P" lvs-01 ip -o -4 addr show dev ens32 | grep -q " 192.168.219.107/24 "'
agent IPaddr2 192.168.219.107/24/ens32 stop

# heartbeat 3.0.6 splits haresources' IPv6addr::2001:db8:219::108/64/ens32 at every '::'.
split_agent() {
    out=$(netns_exec "$P" lvs-01 env HA_BIN="$libexec" HA_RSCTMP="$state/rsctmp-lvs-01" \
        ARP_REPEAT=0 "$rd/IPv6addr" "$@" 2>"$state/agent.err")
    rc=$?
}
split_agent 2001:db8:219 108/64/ens32 start
check "the address split at '::' is joined again: start" \
    eval 'is_rc 0 && addr_matches $NET::108 "inet6 2001:db8:219::108/64 "'
split_agent 2001:db8:219 108/64/ens32 stop
check "the address split at '::' is joined again: stop" eval 'is_rc 0 && addr_absent $NET::108'

# Without nodad the kernel would hold the address tentative: the checks above can fail.
netns_exec "$P" lvs-01 ip -6 addr add $NET::199/64 dev ens32
check "control: an address added without nodad is tentative at first" \
    eval 'addr_matches $NET::199 tentative && ! binds $NET::199'
netns_exec "$P" lvs-01 ip -6 addr del $NET::199/64 dev ens32

# ---- findif --------------------------------------------------------------------------
findif_says() { [ "$(netns_exec "$P" lvs-01 "$libexec/hb_findif" "$1" 2>&1)" = "$2" ]; }
check "findif: $VIP -> ens32 64" findif_says "$VIP" 'ens32 64'
check "findif: a given prefix is kept" findif_says "$VIP/80" 'ens32 80'
check "findif: a given NIC and prefix are kept" findif_says "$VIP/96/ens32" 'ens32 96'
netns_exec "$P" lvs-01 ip -6 route add $NET::80/121 dev ens32
check "findif: the longest on-link prefix wins" findif_says $NET::81 'ens32 121'
netns_exec "$P" lvs-01 ip -6 route del $NET::80/121 dev ens32
# A second pair of interfaces with only their link-local fe80::/64 routes.
netns_exec "$P" lvs-01 ip link add hbv0 type veth peer name hbv1
netns_exec "$P" lvs-01 ip link set hbv0 up
netns_exec "$P" lvs-01 ip link set hbv1 up
check "findif: the fe80::/64 of other interfaces never serves a global address" \
    findif_says "$VIP" 'ens32 64'
findif_refuses() { # ADDRESS ERE: exit 1 and a message
    local o
    o=$(netns_exec "$P" lvs-01 "$libexec/hb_findif" "$1" 2>&1)
    [ $? -eq 1 ] && grep -Eq -- "$2" <<<"$o"
}
check "findif: no on-link route -> exit 1 with a message" \
    findif_refuses 2001:db8:999::1 'no interface serves 2001:db8:999::1'
check "findif: a link-local address needs its NIC" findif_refuses fe80::1234 'link-local'
netns_exec "$P" lvs-01 ip link del hbv0
check "findif: IPv4 answers are unchanged" findif_says 192.168.219.100 'ens32 24 192.168.219.255'

# ---- bad arguments and refusals ------------------------------------------------------
agent IPaddr "$VIP/64/ens32" start
check "IPaddr refuses IPv6: exit 2, says to use IPaddr2 or IPv6addr" \
    eval 'is_rc 2 && complains "IPv4 addresses only.*IPaddr2 or IPv6addr"'
agent IPv6addr 192.168.219.100/24 start
check "IPv6addr refuses IPv4: exit 2" eval 'is_rc 2 && complains "is not an IPv6 address"'
agent IPv6addr "$VIP/64/ens32:0" start
check "IPv6addr refuses a label: exit 2" eval 'is_rc 2 && complains "take no label"'
agent IPv6addr "$VIP/64/nosuch0" start
check "IPv6addr on a missing interface: exit 1" eval 'is_rc 1 && complains "nosuch0. does not exist"'
agent IPv6addr 2001:db8:999::1 start
check "IPv6addr where no interface serves it: exit 1 with findif's message" \
    eval 'is_rc 1 && complains "no interface serves 2001:db8:999::1"'
agent IPv6addr "$VIP" restart
check "IPv6addr: unknown action: exit 3 with usage" eval 'is_rc 3 && complains "^usage: IPv6addr "'
check "nothing was configured by the bad calls" addr_absent "$VIP"
ua_refuses() {
    local o
    o=$(netns_exec "$P" lvs-01 "$libexec/hb_send_ua" -r 1 ens32 "$VIP" 2>&1)
    [ $? -eq 1 ] && grep -q "$VIP is not configured on 'ens32'" <<<"$o"
}
check "send_ua for an address not configured: exit 1, says so" ua_refuses
agent IPv6addr "$VIP/64/ens32" start ARP_REPEAT=0
check "ARP_REPEAT=0: no neighbour advertisement" \
    eval 'is_rc 0 && says "no neighbour advertisement" && ! says hb_send_ua'
agent IPv6addr "$VIP/64/ens32" stop

# ---- the advertisements on the wire, and the takeover --------------------------------
have_tcpdump=no
if command -v tcpdump >/dev/null; then
    have_tcpdump=yes
    netns_bg "$P" client tcpdump tcpdump -i ens32 -n -e -l -tt -vv icmp6
    check "tcpdump listens on the client's ens32" \
        netns_wait_for 'listening on' "$state/tcpdump.err" 10
else
    echo "note: tcpdump missing: the packets are not looked at, only the neighbour cache"
fi
# count_na MAC: advertisements for the VIP from MAC to all nodes, hop limit 255, from the
# VIP itself, Override alone (not Solicited, not Router), MAC as the target's link-layer
# address, checksum right (tcpdump prints the next line with the option).
count_na() {
    awk -v mac="$1" -v vip="$VIP" '
        want { if (index($0, "destination link-address option (2), length 8 (1): " mac)) n++
               want = 0 }
        $2 == mac && $4 == "33:33:00:00:00:01," && index($0, "hlim 255,") &&
        index($0, " " vip " > ff02::1: [icmp6 sum ok] ICMP6, neighbor advertisement, length 32, tgt is " vip ", Flags [override]") &&
        $NF == "[override]" { want = 1 }
        END { print n + 0 }' "$state/tcpdump.out"
}
# na_count_is MAC N: tcpdump has shown N of them (it writes a little after the packets).
na_count_is() { [ "$(count_na "$1")" -eq "$2" ]; }
# solicitations_between T0 T1 (ms): the client's neighbour solicitations for the VIP then.
solicitations_between() {
    local cmac
    cmac=$(mac_of client)
    awk -v mac="$cmac" -v vip="$VIP" -v t0="$1" -v t1="$2" '
        $2 == mac && index($0, "neighbor solicitation") && index($0, "who has " vip) &&
        $1 * 1000 >= t0 && $1 * 1000 <= t1 { n++ }
        END { print n + 0 }' "$state/tcpdump.out"
}
# wait_ua_done HOST: the pid file goes when send_ua ends (10 s at most).
wait_ua_done() { wait_until 10 test ! -e "$state/rsctmp-$1/send_ua-$VIP"; }
neigh_line() { netns_exec "$P" client ip -6 neigh show "$VIP" dev ens32; }
neigh_is() { neigh_line | grep -qi "lladdr $1"; }

on=lvs-01
agent IPv6addr "$VIP/64/ens32" start
check "lvs-01: start succeeds" is_rc 0
check "lvs-01: send_ua is run with the defaults (5 rounds, 200 ms)" \
    says "hb_send_ua -i 200 -r 5 -p $state/rsctmp-lvs-01/send_ua-$VIP ens32 $VIP\$"
check "lvs-01: send_ua ends and removes its pid file" wait_ua_done lvs-01
check "the client has no entry for the VIP yet (an advertisement creates none)" \
    eval '[ -z "$(neigh_line)" ]'
netns_exec "$P" client ping6 -n -c 1 -w 2 "$VIP" >/dev/null
check "the client reaches the VIP on lvs-01: its entry is lvs-01's MAC" neigh_is "$mac1"
if [ "$have_tcpdump" = yes ]; then
    check "5 advertisements from lvs-01: to ff02::1 from the VIP, hop limit 255, Override only, lvs-01's MAC as target link-layer address" \
        wait_until 3 na_count_is "$mac1" 5
    span_ok() { # first to last: 4 gaps of 200 ms
        grep -F "tgt is $VIP, Flags [override]" "$state/tcpdump.out" | awk '
            NR == 1 { f = $1 } { l = $1 } END { d = l - f; exit !(d >= 0.7 && d <= 1.6) }'
    }
    check "the 5 advertisements are spread over ~0.8 s" span_ok
fi

# takeover FROM TO MAC: stop on FROM, start on TO, then watch the client's entry (no client
# traffic meanwhile) for at most 3 s; MOVED_MS is start-to-move, STATE_LINE the entry.
takeover() {
    local from=$1 to=$2 mac=$3 i t0
    on=$from
    agent IPv6addr "$VIP/64/ens32" stop
    check "takeover $from -> $to: stop on $from succeeds" eval 'is_rc 0 && addr_absent "$VIP" "$from"'
    on=$to
    T0=$(now_ms)
    agent IPv6addr "$VIP/64/ens32" start
    START_MS=$(($(now_ms) - T0))
    check "takeover $from -> $to: start on $to succeeds (${START_MS} ms)" is_rc 0
    MOVED_MS=-1
    for ((i = 0; i < 60; i++)); do
        if neigh_is "$mac"; then
            MOVED_MS=$(($(now_ms) - T0))
            break
        fi
        sleep 0.05
    done
    STATE_LINE=$(neigh_line)
    echo "note: takeover $from -> $to: the client's entry moved $MOVED_MS ms after the start" \
        "began (the agent took $START_MS ms): $STATE_LINE"
    check "takeover $from -> $to: the client's entry is $to's MAC within 1 s" \
        eval '[ "$MOVED_MS" -ge 0 ] && [ "$MOVED_MS" -le 1000 ]'
    # An unsolicited advertisement leaves the entry STALE; an answer to a solicitation of
    # the client would have made it REACHABLE.
    check "takeover $from -> $to: the entry is STALE: moved by an unsolicited advertisement" \
        grep -qw STALE <<<"$STATE_LINE"
    if [ "$have_tcpdump" = yes ] && [ "$MOVED_MS" -ge 0 ]; then
        sleep 0.3 # tcpdump's lines come a little later
        check "takeover $from -> $to: the client sent no solicitation for the VIP before" \
            test "$(solicitations_between "$T0" $((T0 + MOVED_MS)))" -eq 0
    fi
    check "takeover $from -> $to: send_ua on $to ends" wait_ua_done "$to"
    netns_exec "$P" client ping6 -n -c 1 -w 2 "$VIP" >/dev/null
    check "takeover $from -> $to: the client reaches the VIP, still through $to's MAC" \
        eval 'neigh_is "$mac"'
}
takeover lvs-01 lvs-02 "$mac2"
if [ "$have_tcpdump" = yes ]; then
    check "5 advertisements from lvs-02 with lvs-02's MAC" wait_until 3 na_count_is "$mac2" 5
fi
takeover lvs-02 lvs-01 "$mac1"

# Control: the same takeover without advertisements leaves the client on the old MAC, so
# the moves above are send_ua's doing (the kernel announces nothing itself: ndisc_notify 0).
on=lvs-01
agent IPv6addr "$VIP/64/ens32" stop
on=lvs-02
agent IPv6addr "$VIP/64/ens32" start ARP_REPEAT=0
sleep 1
check "control: without advertisements the client's entry stays lvs-01's MAC for 1 s" \
    eval 'is_rc 0 && neigh_is "$mac1"'
agent IPv6addr "$VIP/64/ens32" stop

# ---- a stop during the burst ends it -------------------------------------------------
on=lvs-01
agent IPv6addr "$VIP/64/ens32" stop
VIP3=$NET::109
agent IPaddr2 "$VIP3/64/ens32" start ARP_INTERVAL_MS=400 ARP_REPEAT=50
sleep 0.5
ua_pid=$(cat "$state/rsctmp-lvs-01/send_ua-$VIP3" 2>/dev/null)
check "burst: send_ua is running" eval '[ -n "$ua_pid" ] && _netns_alive "$ua_pid"'
agent IPaddr2 "$VIP3/64/ens32" stop
check "burst: stop succeeds" is_rc 0
check "burst: stop ended send_ua" eval '[ -n "$ua_pid" ] && ! _netns_alive "$ua_pid"'
check "burst: the pid file is gone" test ! -e "$state/rsctmp-lvs-01/send_ua-$VIP3"
if [ "$have_tcpdump" = yes ]; then
    sleep 0.3 # what was sent before the stop, written by tcpdump
    sent=$(grep -cF "tgt is $VIP3," "$state/tcpdump.out")
    sleep 1
    check "burst: no more advertisements after stop" \
        test "$(grep -cF "tgt is $VIP3," "$state/tcpdump.out")" -eq "$sent"
fi

finish
