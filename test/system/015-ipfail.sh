#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real ipfail (Debian's heartbeat 3.0.6 package, /usr/libexec/heartbeat/ipfail),
# respawned by our daemon on both directors as in most heartbeat v1 guides:
#   ping 192.168.219.50            (the client side)
#   respawn hacluster /usr/libexec/heartbeat/ipfail
# The VIP is on lvs-01. When lvs-01 stops hearing the ping node (nftables drops the echo
# replies) while the directors still hear each other, ipfail on lvs-01 sees that lvs-02
# reaches more ping nodes and asks for standby: the VIP moves to lvs-02. When the replies
# come back, auto_failback on brings it back to lvs-01.
# `015-ipfail.sh mixed`: lvs-02 is the real heartbeat 3.0.6, with its own ipfail.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
IPFAIL=/usr/libexec/heartbeat/ipfail
if [ ! -x "$IPFAIL" ] || ! id hacluster >/dev/null 2>&1; then
    echo "SKIP: the real ipfail (Debian's heartbeat package) or the hacluster user is missing"
    exit 77
fi
MODE=${1:-ours}
VIP=192.168.219.100
export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32"
PINGS="ping 192.168.219.50
deadping 2
respawn hacluster $IPFAIL"
if [ "$MODE" = mixed ]; then
    cluster_require_reference
    cluster_begin hbipfailm lvs-01 lvs-02 client
    cluster_conf "$state/conf-lvs-01" "1 sha1 secret" "env BIN=$HB_STAGE/usr/libexec/heartbeat
$PINGS"
    REAL=1 cluster_conf "$state/conf-lvs-02" "1 sha1 secret" "$PINGS"
    start_lvs_02() { cluster_start_real "$@"; }
else
    cluster_begin hbipfail lvs-01 lvs-02 client
    for h in lvs-01 lvs-02; do
        cluster_conf "$state/conf-$h" "1 sha1 secret" "env BIN=$HB_STAGE/usr/libexec/heartbeat
$PINGS"
    done
    start_lvs_02() { cluster_start_ours "$@"; }
fi
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
start_lvs_02 "$P" lvs-02 "$state/conf-lvs-02"
CL=$HB_STAGE/usr/bin/cl_status
is() { [ "$(netns_node_exec "$P" "$1" "$CL" "${@:3}" 2>/dev/null)" = "$2" ]; }

check "the VIP is on lvs-01" wait_until 25 has_addr lvs-01 "$VIP"
check "ipfail runs on lvs-01, started by our daemon" \
    cluster_wait "$P" lvs-01 "Starting child client \"$IPFAIL\"" 5
check "…signed on to our API as ipfail" wait_until 10 is lvs-01 online clientstatus lvs-01 ipfail
check "…and on lvs-02 ($MODE)" wait_until 20 is lvs-02 online clientstatus lvs-02 ipfail
check "both see the ping node" wait_until 5 is lvs-01 ping nodestatus 192.168.219.50
sleep 3  # ipfail compares ping counts once both have joined

drop_echo_replies lvs-01 hbipfail
cut=$(now_ms)
check "lvs-01 loses the ping node" wait_until 5 is lvs-01 dead nodestatus 192.168.219.50
check "ipfail moves the VIP to lvs-02" wait_until 20 has_addr lvs-02 "$VIP"
echo "ping node cut on lvs-01 to the VIP on lvs-02: $(($(now_ms) - cut)) ms (deadping 2000)"
check "…and off lvs-01" wait_until 5 lacks_addr lvs-01 "$VIP"
check "the directors still see each other" is lvs-01 active nodestatus lvs-02
check "lvs-01 went standby at its ipfail's request" \
    cluster_wait "$P" lvs-01 "lvs-01 wants to go standby \\[all\\]" 1

allow_echo_replies lvs-01 hbipfail
check "restored: lvs-01 sees the ping node again" wait_until 5 is lvs-01 ping nodestatus 192.168.219.50
check "auto_failback on brings the VIP back to lvs-01" wait_until 30 has_addr lvs-01 "$VIP"
check "…and off lvs-02" wait_until 5 lacks_addr lvs-02 "$VIP"

finish lvs-01 lvs-02
