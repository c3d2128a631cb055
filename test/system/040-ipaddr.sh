#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The IPaddr and IPaddr2 agents, findif and send_arp from the installed layout, on lvs-01 of
# the tutorial's network: every argument form through start/status/stop (twice each), the
# labels and broadcasts `ip addr` shows, findif's choice of interface, bad arguments, and
# the gratuitous ARP that makes the client re-point the VIP at once.
# check "…" eval '…': the single-quoted conditions expand when check runs them.
# shellcheck disable=SC2016,SC2034
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump missing"; exit 77; }
cluster_begin hbipaddr lvs-01 client

libexec=$HB_STAGE/usr/libexec/heartbeat
rd=$HB_STAGE/usr/libexec/heartbeat/resource.d
for f in "$libexec/hb_findif" "$libexec/hb_send_arp" "$rd/IPaddr" "$rd/IPaddr2"; do
    [ -x "$f" ] || { echo "FAIL: $f is not installed"; exit 1; }
done
rsctmp=$state/rsctmp
VIP=192.168.219.100

# agent NAME SPEC ACTION [ENV=VALUE...]: runs the installed agent on lvs-01; sets out, err, rc.
agent() {
    local name=$1 spec=$2 action=$3
    shift 3
    out=$(netns_exec "$P" lvs-01 env HA_BIN="$libexec" HA_RSCTMP="$rsctmp" "$@" \
        "$rd/$name" "$spec" "$action" 2>"$state/agent.err")
    rc=$?
    err=$(cat "$state/agent.err")
}
# The `ip -o` line of ADDRESS on lvs-01's ens32 (empty when it is not there).
addr_line() { netns_exec "$P" lvs-01 ip -o -4 addr show dev ens32 | grep -F " inet $1/"; }

is_rc() { [ "$rc" -eq "$1" ]; }
says() { grep -Eq -- "$1" <<<"$out"; }
says_running() { says 'running' && ! says '[Nn]ot +running'; }
complains() { [ -n "$err" ] && grep -Eq -- "$1" <<<"$err"; }
addr_matches() { addr_line "$1" | grep -Eq -- "$2"; }
addr_absent() { [ -z "$(addr_line "$1")" ]; }

# cycle AGENT SPEC ADDRESS ERE: start, start again, status, stop, stop again, status; the
# `ip -o addr` line of ADDRESS must match ERE while it runs.
cycle() {
    local name=$1 spec=$2 address=$3 ere=$4
    agent "$name" "$spec" start ARP_REPEAT=1 ARP_INTERVAL_MS=0
    check "$name $spec: start succeeds" is_rc 0
    check "$name $spec: start logs the ip command" says '^INFO: ip -f inet addr add '
    check "$name $spec: ip addr shows $ere" addr_matches "$address" "$ere"
    agent "$name" "$spec" start
    check "$name $spec: second start succeeds without change" \
        eval 'is_rc 0 && ! says "addr add" && ! says send_arp'
    agent "$name" "$spec" status
    check "$name $spec: status says running, exit 0" eval 'is_rc 0 && says_running'
    agent "$name" "$spec" stop
    check "$name $spec: stop succeeds" is_rc 0
    check "$name $spec: the address is gone" addr_absent "$address"
    agent "$name" "$spec" stop
    check "$name $spec: second stop succeeds" is_rc 0
    agent "$name" "$spec" status
    check "$name $spec: status says stopped, exit 3" eval 'is_rc 3 && ! says running'
}

# ---- argument forms ------------------------------------------------------------------
cycle IPaddr 192.168.219.100 192.168.219.100 \
    'inet 192\.168\.219\.100/24 brd 192\.168\.219\.255 scope global secondary ens32:0\\'
cycle IPaddr 192.168.219.101/24 192.168.219.101 \
    'inet 192\.168\.219\.101/24 brd 192\.168\.219\.255 .*ens32:0\\'
cycle IPaddr 192.168.219.102/25/ens32 192.168.219.102 \
    'inet 192\.168\.219\.102/25 brd 192\.168\.219\.127 .*ens32:0\\'
cycle IPaddr 192.168.219.103/24/ens32/192.168.219.254 192.168.219.103 \
    'inet 192\.168\.219\.103/24 brd 192\.168\.219\.254 .*ens32:0\\'
cycle IPaddr 192.168.219.104/255.255.255.0/192.168.219.250 192.168.219.104 \
    'inet 192\.168\.219\.104/24 brd 192\.168\.219\.250 .*ens32:0\\'
cycle IPaddr 192.168.219.100/24/ens32:0/192.168.219.255 192.168.219.100 \
    'inet 192\.168\.219\.100/24 brd 192\.168\.219\.255 scope global secondary ens32:0\\'
cycle IPaddr2 192.168.219.105/24 192.168.219.105 \
    'inet 192\.168\.219\.105/24 brd 192\.168\.219\.255 scope global secondary ens32\\'
cycle IPaddr2 192.168.219.106/24/ens32:web 192.168.219.106 \
    'inet 192\.168\.219\.106/24 brd 192\.168\.219\.255 .*ens32:web\\'
cycle IPaddr2 192.168.219.107/32/ens32 192.168.219.107 'inet 192\.168\.219\.107/32 scope'

# IPaddr takes the first free label: a second address gets ens32:1.
agent IPaddr 192.168.219.100/24 start ARP_REPEAT=0
agent IPaddr 192.168.219.101/24 start ARP_REPEAT=0
check "IPaddr: the second address gets label ens32:1" \
    addr_matches 192.168.219.101 'ens32:1\\'
agent IPaddr 192.168.219.100/24 stop
agent IPaddr 192.168.219.101 stop
check "IPaddr: stop without a NIC finds the address" addr_absent 192.168.219.101

# ---- findif --------------------------------------------------------------------------
findif_says() { [ "$(netns_exec "$P" lvs-01 "$libexec/hb_findif" "$1" 2>&1)" = "$2" ]; }
check "findif: $VIP -> ens32 24 .255" findif_says "$VIP" 'ens32 24 192.168.219.255'
check "findif: given CIDR and broadcast are kept" \
    findif_says "$VIP/26/192.168.219.99" 'ens32 26 192.168.219.99'
netns_exec "$P" lvs-01 ip route add 192.168.219.128/25 dev ens32 scope link
check "findif: the longest connected prefix wins" \
    findif_says 192.168.219.200 'ens32 25 192.168.219.255'
netns_exec "$P" lvs-01 ip route del 192.168.219.128/25 dev ens32 scope link
ocf_findif_says() {
    [ "$(netns_exec "$P" lvs-01 env OCF_RESKEY_ip="$VIP" "$libexec/hb_findif" "$@")" = "$(printf \
        'ens32\tnetmask %s\tbroadcast 192.168.219.255' "$ocf_mask")" ]
}
ocf_mask=255.255.255.0
check "findif, resource-agents' form (OCF_RESKEY_ip): tab-separated, dotted netmask" \
    ocf_findif_says
ocf_mask=24
check "findif, resource-agents' form with -C: netmask in bits" ocf_findif_says -C
findif_refuses() {
    local o
    o=$(netns_exec "$P" lvs-01 "$libexec/hb_findif" 10.9.9.9 2>&1)
    [ $? -eq 1 ] && grep -q 'no interface serves 10.9.9.9' <<<"$o"
}
check "findif: no route -> exit 1 with a message" findif_refuses

# ---- bad arguments -------------------------------------------------------------------
agent IPaddr 192.168.219.300/24 start
check "bad address: exit 2 with a message" eval 'is_rc 2 && complains "not an IPv4 address"'
agent IPaddr 192.168.219.100/24/192.168.219.255/ens32 start
check "broadcast before NIC: exit 2" eval 'is_rc 2 && complains "must be an interface"'
agent IPaddr 192.168.219.100/24/nosuch0 start
check "missing interface: exit 1 with a message" \
    eval 'is_rc 1 && complains "nosuch0. does not exist"'
agent IPaddr 10.9.9.9 start
check "no interface serves it: exit 1 with findif's message" \
    eval 'is_rc 1 && complains "no interface serves 10.9.9.9"'
agent IPaddr "$VIP" restart
check "unknown action: exit 3 with usage" eval 'is_rc 3 && complains "^usage: IPaddr "'
check "nothing was configured by the bad calls" \
    eval 'addr_absent 192.168.219.100 && addr_absent 10.9.9.9'

# ---- gratuitous ARP ------------------------------------------------------------------
mac=$(netns_exec "$P" lvs-01 cat /sys/class/net/ens32/address)
netns_exec "$P" client sysctl -qw net.ipv4.conf.all.arp_accept=1
netns_exec "$P" client ip neigh replace "$VIP" lladdr 02:00:00:00:00:99 dev ens32 nud stale
netns_bg "$P" client tcpdump tcpdump -i ens32 -n -e -l -tt arp
check "tcpdump listens on the client's ens32" netns_wait_for 'listening on' "$state/tcpdump.err" 10
neigh_is_lvs01() { netns_exec "$P" client ip neigh show "$VIP" dev ens32 | grep -qi "lladdr $mac"; }
# count_arp KIND ADDRESS: requests or replies for ADDRESS from lvs-01's MAC, broadcast.
count_arp() {
    local pattern
    if [ "$1" = request ]; then
        pattern="Request who-has $2 tell $2,"
    else
        pattern="Reply $2 is-at $mac,"
    fi
    grep -F "$mac > ff:ff:ff:ff:ff:ff" "$state/tcpdump.out" | grep -cF "$pattern"
}
wait_arp_done() { # the pid file goes when send_arp ends (bounded)
    local i
    for ((i = 0; i < 100; i++)); do
        [ -e "$rsctmp/send_arp-$1" ] || return 0
        sleep 0.1
    done
    return 1
}
neigh_is_seed() {
    netns_exec "$P" client ip neigh show "$VIP" dev ens32 | grep -q "lladdr 02:00:00:00:00:99"
}
check "client has the stale neighbour entry" neigh_is_seed

agent IPaddr "$VIP/24/ens32:0/192.168.219.255" start
check "takeover: IPaddr start succeeds" is_rc 0
check "takeover: send_arp is run with IPaddr's defaults" \
    says "send_arp -i 500 -r 10 -p $rsctmp/send_arp-$VIP ens32 $VIP auto $VIP ffffffffffff"
got=1
for ((i = 0; i < 20; i++)); do
    neigh_is_lvs01 && { got=0; break; }
    sleep 0.1
done
check "takeover: the client's entry for the VIP points at lvs-01 within 2 s" test "$got" -eq 0
check "takeover: send_arp ends and removes its pid file" wait_arp_done "$VIP"
sleep 0.3
check "takeover: 10 ARP requests (sender = target = VIP)" \
    test "$(count_arp request "$VIP")" -eq 10
check "takeover: 10 ARP replies from lvs-01's MAC" test "$(count_arp reply "$VIP")" -eq 10
span_ok() { # first to last packet: 19 gaps of 250 ms
    grep -F "$VIP" "$state/tcpdump.out" | awk 'NR == 1 { f = $1 } { l = $1 }
        END { d = l - f; exit !(d >= 4.5 && d <= 8) }'
}
check "takeover: the 20 packets are spread over ~4.75 s" span_ok

before=$(count_arp request "$VIP")
agent IPaddr "$VIP/24/ens32:0/192.168.219.255" start
sleep 1
check "already running: start sends no ARP" test "$(count_arp request "$VIP")" -eq "$before"

agent IPaddr "$VIP/24/ens32:0/192.168.219.255" stop
check "stop of the takeover address succeeds" is_rc 0

VIP2=192.168.219.106
agent IPaddr2 "$VIP2/24/ens32" start
check "IPaddr2: send_arp -i 200 -r 5" says "send_arp -i 200 -r 5 "
check "IPaddr2: send_arp ends" wait_arp_done "$VIP2"
# tcpdump writes what it saw a little later, more so on a busy machine: wait for it (bounded).
arp_counts_are() { [ "$(count_arp request "$1")" -eq "$2" ] && [ "$(count_arp reply "$1")" -eq "$2" ]; }
check "IPaddr2: 5 requests and 5 replies" wait_until 3 arp_counts_are "$VIP2" 5
agent IPaddr2 "$VIP2/24/ens32" stop

# A stop during the ARP burst ends the burst: the address must not be announced any more.
VIP3=192.168.219.108
agent IPaddr2 "$VIP3/24/ens32" start ARP_INTERVAL_MS=400 ARP_REPEAT=50
sleep 0.5
arp_pid=$(cat "$rsctmp/send_arp-$VIP3" 2>/dev/null)
check "burst: send_arp is running" eval '[ -n "$arp_pid" ] && _netns_alive "$arp_pid"'
agent IPaddr2 "$VIP3/24/ens32" stop
check "burst: stop succeeds" is_rc 0
check "burst: stop ended send_arp" eval '[ -n "$arp_pid" ] && ! _netns_alive "$arp_pid"'
check "burst: the pid file is gone" test ! -e "$rsctmp/send_arp-$VIP3"
sent=$(count_arp request "$VIP3")
sleep 1
check "burst: no more ARP after stop" test "$(count_arp request "$VIP3")" -eq "$sent"

# A pid file is trusted only for the burst it names: here the pid file of .10 holds the pid
# of the burst for .108, whose address text it begins. Stopping .10 must not end it.
VIP4=192.168.219.10
agent IPaddr2 "$VIP3/24/ens32" start ARP_INTERVAL_MS=400 ARP_REPEAT=50
sleep 0.3
arp_pid=$(cat "$rsctmp/send_arp-$VIP3" 2>/dev/null)
echo "$arp_pid" >"$rsctmp/send_arp-$VIP4"
agent IPaddr2 "$VIP4/24/ens32" stop
check "foreign pid file: stop of an address not configured succeeds" is_rc 0
check "foreign pid file: the burst of the other address goes on" \
    eval '[ -n "$arp_pid" ] && _netns_alive "$arp_pid"'
check "foreign pid file: it is removed" test ! -e "$rsctmp/send_arp-$VIP4"
agent IPaddr2 "$VIP3/24/ens32" stop
check "foreign pid file: the burst ends with its own address's stop" \
    eval '! _netns_alive "$arp_pid"'

finish
