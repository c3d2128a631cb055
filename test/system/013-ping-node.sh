#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Ping nodes with two of ours (tutorial topology): `ping 192.168.219.50` (the client) and
# `ping_group routers 192.168.219.50 192.168.219.99` (one member that answers, one that
# does not exist). Both daemons send ICMP echo with their signed heartbeat as payload; the
# client's kernel echoes it. cl_status shows them in 3.0.6's words (`ping`, nodetype
# `ping`, listnodes -p/-n, their links). When lvs-01 stops hearing the client (nftables
# drops the echo replies), lvs-01 declares the ping node dead within deadping + keepalive,
# lvs-02 still sees it, and the VIP stays where it is: a ping node's death alone moves
# nothing. Restored, it is `ping` again.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbping lvs-01 lvs-02 client
VIP=192.168.219.100
PINGS=$'ping 192.168.219.50\nping_group routers 192.168.219.50 192.168.219.99\ndeadping 2'
export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32"
for h in lvs-01 lvs-02; do
    cluster_conf "$state/conf-$h" "1 sha1 secret" "env BIN=$HB_STAGE/usr/libexec/heartbeat
$PINGS"
done
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
CL=$HB_STAGE/usr/bin/cl_status
cl() { netns_node_exec "$P" "$1" "$CL" "${@:2}" 2>/dev/null; }
is() { [ "$(cl "$1" "${@:3}")" = "$2" ]; }

check "lvs-01: the client answers: nodestatus 192.168.219.50 is ping" \
    wait_until 10 is lvs-01 ping nodestatus 192.168.219.50
check "lvs-02 too" wait_until 5 is lvs-02 ping nodestatus 192.168.219.50
check "the group answers through its one live member" wait_until 5 is lvs-01 ping nodestatus routers
check "nodetype is ping" is lvs-01 ping nodetype 192.168.219.50
check "nodetype of a normal node is still normal" is lvs-01 normal nodetype lvs-02
out=$(cl lvs-01 listnodes -p | sort | tr '\n' ' ')
check "listnodes -p lists the ping nodes (got: $out)" test "$out" = "192.168.219.50 routers "
out=$(cl lvs-01 listnodes -n | sort | tr '\n' ' ')
check "listnodes -n lists the normal nodes (got: $out)" test "$out" = "lvs-01 lvs-02 "
out=$(cl lvs-01 listhblinks routers | tr -d '\t' | sort | tr '\n' ' ')
check "the group's links are its hosts (got: $out)" test "$out" = "192.168.219.50 192.168.219.99 "
check "link 192.168.219.50 of the group is up" is lvs-01 up hblinkstatus routers 192.168.219.50
check "the log says it in 3.0.6's words" \
    cluster_wait "$P" lvs-01 'Status update for node 192\.168\.219\.50: status ping' 1
check "the VIP is on lvs-01" wait_until 10 has_addr lvs-01 "$VIP"

# lvs-01 stops hearing the client's echo replies; heartbeats between the directors go on.
drop_echo_replies lvs-01 hbping
cut=$(now_ms)
check "lvs-01 declares the ping node dead" wait_until 5 is lvs-01 dead nodestatus 192.168.219.50
took=$(($(now_ms) - cut))
echo "ping node declared dead ${took} ms after its replies stopped (deadping 2000, keepalive 500)"
check "…within deadping + keepalive (+ polling)" test "$took" -le 3000
check "…and the group with it" is lvs-01 dead nodestatus routers
check "lvs-02 still hears it" is lvs-02 ping nodestatus 192.168.219.50
sleep 1
check "the VIP stays on lvs-01 (a ping node's death moves nothing)" has_addr lvs-01 "$VIP"
check "…and lvs-02 took nothing" lacks_addr lvs-02 "$VIP"
check "lvs-01 and lvs-02 still see each other active" is lvs-01 active nodestatus lvs-02

allow_echo_replies lvs-01 hbping
check "restored: the ping node is back" wait_until 5 is lvs-01 ping nodestatus 192.168.219.50

finish lvs-01 lvs-02
