#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several media at once, each with its own link status: ucast and mcast between two of our
# daemons, plus a bcast on an interface that does not exist. The missing one is reported
# and retried; the others carry the heartbeats; losing the ucast path (nftables drop)
# marks only that link dead while the node stays active.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v nft >/dev/null || { echo "SKIP: nft (nftables) missing"; exit 77; }
cluster_begin hbmedia lvs-01 lvs-02
# cluster_conf writes `bcast ens32`; these later lines replace nothing but add media, so
# write the media section ourselves.
for h in lvs-01 lvs-02; do
    peer=192.168.219.12
    [ "$h" = lvs-02 ] && peer=192.168.219.11
    cluster_conf "$state/conf-$h" "1 sha1 secret"
    sed -i '/^bcast ens32$/d' "$state/conf-$h/ha.cf"
    sed -i "s/^udpport 694$/udpport 694\nucast ens32 $peer\nmcast ens32 225.0.0.7 695 1 0\nbcast nosuch0/" \
        "$state/conf-$h/ha.cf"
    cluster_start_ours "$P" "$h" "$state/conf-$h"
done

check "the missing interface is reported" \
    cluster_wait "$P" lvs-01 'medium bcast nosuch0 is down: interface nosuch0 does not exist' 5
check "ucast medium started" cluster_wait "$P" lvs-01 'UDP ucast heartbeat started on port 694 interface ens32' 5
check "mcast medium started" cluster_wait "$P" lvs-01 'UDP mcast heartbeat started on port 695 interface ens32' 5
check "peers active over the remaining media" \
    cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 10
sleep 6
# Cut only the unicast path (udp 694 between the two) in lvs-01's namespace.
netns_exec "$P" lvs-01 nft -f - <<'NFT'
table inet hbtest {
    chain input { type filter hook input priority 0; udp dport 694 drop; }
    chain output { type filter hook output priority 0; udp dport 694 drop; }
}
NFT
check "lvs-01 marks one link of lvs-02 dead" cluster_wait "$P" lvs-01 'Link lvs-02:ens32 dead\.' 6
sleep 3
check "lvs-02 stays active for lvs-01 (the mcast link carries it)" \
    bash -c "! grep -q 'node lvs-02: is dead' '$(cluster_log "$P" lvs-01)'"
check "lvs-01 stays active for lvs-02" \
    bash -c "! grep -q 'node lvs-01: is dead' '$(cluster_log "$P" lvs-02)'"
netns_exec "$P" lvs-01 nft delete table inet hbtest
check "the ucast link comes back" \
    bash -c "sleep 3; tail -n 5 '$(cluster_log "$P" lvs-01)' | grep -q 'Link lvs-02:ens32 up\.'"

finish lvs-01 lvs-02
