#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# v1 STONITH with an external/* plugin script, the cluster-glue layout, no libstonith:
# lvs-01 has `stonith_host lvs-01 external/hbtest lvs-01 lvs-02`; lvs-02 holds the VIP.
# The plugin records every call (op, host, its `hostlist` parameter) and does what its mode
# file says. Checked:
# - at comm up the device's status is checked (getconfignames, then status);
# - lvs-02 cut off (its heartbeats dropped on lvs-01, so it is alive and keeps the VIP):
#   lvs-01 declares it dead and resets it first; while the reset fails (3.0.6's lines:
#   "Host lvs-02 not reset!", "STONITH of lvs-02 failed.  Retrying...") it is tried again
#   every 5 s and the VIP is not started on lvs-01;
# - once the reset works (the test powers lvs-02 off: daemon killed, VIP gone, then lets the
#   plugin return), "node lvs-02 now reset." and only then the VIP comes up on lvs-01.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
if [ ! -d /usr/lib/stonith/plugins ]; then
    echo "SKIP: no /usr/lib/stonith/plugins to mount the test plugin on (cluster-glue)"
    exit 77
fi
cluster_begin hbstonith lvs-01 lvs-02 client
VIP=192.168.219.100
plugdir=$state/nodes/lvs-01/stonith
mkdir -p "$plugdir/external"
calls=$state/stonith-calls
: >"$calls"
echo fail >"$state/stonith-mode"
cat >"$plugdir/external/hbtest" <<PLUG
#!/bin/sh
# A cluster-glue external plugin that records its calls; reset does what stonith-mode says.
echo "\$* hostlist=\$hostlist" >>"$calls"
case "\$1" in
getconfignames) echo hostlist ;;
status) exit 0 ;;
gethosts) for h in \$hostlist; do echo "\$h"; done ;;
reset)
    [ "\$(cat "$state/stonith-mode")" = ok ] || exit 1
    echo "\$2" >"$state/stonith-request"
    # Power-off is the test's to do: wait (bounded) until it says the node is down.
    i=0
    while [ ! -e "$state/stonith-done" ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done
    [ -e "$state/stonith-done" ] ;;
*) exit 1 ;;
esac
PLUG
chmod 755 "$plugdir/external/hbtest"
rm -f "$state/stonith-request" "$state/stonith-done"

HARESOURCES="lvs-02 IPaddr::$VIP/24/ens32" cluster_vip_pair
echo "stonith_host lvs-01 external/hbtest lvs-01 lvs-02" >>"$state/conf-lvs-01/ha.cf"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-02 holds the VIP" wait_until 20 has_addr lvs-02 "$VIP"
# --check-config looks for the plugin where the daemon will run it (the node's view).
check "--check-config finds the plugin" \
    netns_node_exec "$P" lvs-01 "$HB_STAGE/usr/libexec/heartbeat/heartbeat" --check-config
sed -i 's|external/hbtest|external/nosuch|' "$state/conf-lvs-01/ha.cf"
out=$(netns_node_exec "$P" lvs-01 "$HB_STAGE/usr/libexec/heartbeat/heartbeat" --check-config 2>&1)
check "…and refuses one that is not there" grep -q "no plugin script '/usr/lib/stonith/plugins/external/nosuch'" <<<"$out"
sed -i 's|external/nosuch|external/hbtest|' "$state/conf-lvs-01/ha.cf"
check "the device is checked at comm up" \
    cluster_wait "$P" lvs-01 'Checking status of STONITH device \[external/hbtest\]' 5
check "…through its parameter names, then status" \
    wait_until 3 grep -q '^status  *hostlist=lvs-01 lvs-02$' "$calls"

# Cut lvs-02 off from lvs-01 (alive, still holding the VIP): lvs-01 must reset it first.
netns_exec "$P" lvs-01 nft -f - <<'NFT'
table inet hbtest_cut {
    chain in { type filter hook input priority 0; udp dport 694 drop; }
}
NFT
check "lvs-01 declares lvs-02 dead" cluster_wait "$P" lvs-01 'node lvs-02: is dead' 6
check "…and resets it with the device" \
    cluster_wait "$P" lvs-01 'Resetting node lvs-02 with \[external/hbtest\]' 3
check "a failed reset is logged as 3.0.6 logs it" \
    cluster_wait "$P" lvs-01 'Host lvs-02 not reset!' 3
check "…and retried" cluster_wait "$P" lvs-01 'STONITH of lvs-02 failed\.  Retrying\.\.\.' 3
sleep 6
resets=$(grep -c '^reset lvs-02 ' "$calls")
check "tried again 5 s later ($resets resets asked)" test "$resets" -ge 2
check "the VIP is not started on lvs-01 while lvs-02 is not reset" lacks_addr lvs-01 "$VIP"

echo ok >"$state/stonith-mode"
check "the next try reaches the device" wait_until 8 test -e "$state/stonith-request"
check "…for lvs-02" test "$(cat "$state/stonith-request")" = lvs-02
sleep 0.5
check "…and nothing is taken over before it returns" lacks_addr lvs-01 "$VIP"
# The power-off: lvs-02's daemon and everything it ran are gone.
kill -9 "$(cluster_pid "$P" lvs-02)"
netns_exec "$P" lvs-02 ip addr del "$VIP/24" dev ens32 2>/dev/null
touch "$state/stonith-done"
check "lvs-01 logs the reset" cluster_wait "$P" lvs-01 'node lvs-02 now reset\.' 5
check "then takes the VIP over" wait_until 10 has_addr lvs-01 "$VIP"
n=$(grep -c '^gethosts ' "$calls")
check "each reset asked the device for its hosts first ($n gethosts)" test "$n" -ge 3
finish lvs-01
