#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Split brain healed to exactly one owner: two of ours with the tutorial's VIP; nftables
# drops the heartbeat traffic between them, so each declares the other dead and both hold
# the VIP; when the partition heals, lvs-02 (not the VIP's preferred node) releases it at
# once, lvs-01 keeps it and announces it again. Prints how long both held it after the
# heal (heartbeat 3.0.6: 22–48 s, then a gap with none). Also: lvs-01's link down → the VIP
# moves to lvs-02.
# `052-partition.sh mixed`: lvs-02 is the real heartbeat 3.0.6. It handles the heal its own
# way (gives everything up, says `shutdone`, restarts); ours keeps the VIP and announces it
# again once the peer has let go, so the pair still ends with one owner.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
MODE=${1:-ours}
command -v nft >/dev/null || { echo "SKIP: nft (nftables) missing"; exit 77; }
VIP=192.168.219.100
export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255"
if [ "$MODE" = mixed ]; then
    cluster_require_reference
    cluster_begin hbsplitm lvs-01 lvs-02 client
    cluster_vip_pair mixed
    start_lvs_02() { cluster_start_real "$@"; }
    heal_wait=12  # 3.0.6 gives up 2 s after it sees the heal, then stops its resources
else
    cluster_begin hbsplit lvs-01 lvs-02 client
    cluster_vip_pair
    start_lvs_02() { cluster_start_ours "$@"; }
    heal_wait=5
fi

has_vip() { has_addr "$1" "$VIP"; }
lacks_vip() { lacks_addr "$1" "$VIP"; }

tcp_serve lvs-01 8080
tcp_serve lvs-02 8080
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
start_lvs_02 "$P" lvs-02 "$state/conf-lvs-02"
check "the VIP is on lvs-01" wait_until 25 has_vip lvs-01
# Both resource managers settled (3.0.6 says `transition` until the two are stable).
settled() {
    local h s
    for h in lvs-01 lvs-02; do
        s=$(netns_node_exec "$P" "$h" "$HB_STAGE/usr/bin/cl_status" rscstatus 2>/dev/null)
        [ -n "$s" ] && [ "$s" != transition ] || return 1
    done
}
check "both nodes settled before the partition" wait_until 15 settled

netns_exec "$P" lvs-02 nft -f - <<'NFT'
table inet hbsplit {
    chain input { type filter hook input priority 0; udp dport 694 drop; }
    chain output { type filter hook output priority 0; udp dport 694 drop; }
}
NFT
check "partitioned: lvs-02 declares lvs-01 dead" cluster_wait "$P" lvs-02 'node lvs-01: is dead' 6
check "partitioned: lvs-02 takes the VIP too (split brain)" wait_until 5 has_vip lvs-02
check "partitioned: lvs-01 keeps it" has_vip lvs-01

netns_exec "$P" lvs-02 nft delete table inet hbsplit
healed=$(now_ms)
check "after the heal lvs-02 releases the VIP" wait_until "$heal_wait" lacks_vip lvs-02
both_ms=$(($(now_ms) - healed))
echo "both held the VIP for at most ${both_ms} ms after the partition healed (lvs-02: $MODE; keepalive 500 ms; two 3.0.6: 22-48 s)"
# Either side may have been the one to declare the other dead (a short partition can look
# like one only to one of them); the side that did logs the heal.
check "the heal is logged" bash -c "grep -q 'returning after partition' '$(cluster_log "$P" lvs-01)' '$(cluster_log "$P" lvs-02)'"
check "lvs-01 still (or again) holds it" wait_until 3 has_vip lvs-01
sleep 2
check "two seconds later lvs-01 holds it" has_vip lvs-01
check "two seconds later lvs-02 does not" lacks_vip lvs-02
check "the client's neighbour entry is lvs-01's MAC (announced again)" wait_until 4 client_sees "$VIP" "$(mac_of lvs-01)"
check "the client reaches the VIP" wait_until 3 netns_exec "$P" client ping -c1 -W1 "$VIP"

if [ "$MODE" = mixed ]; then
    # 3.0.6 restarts itself after the heal (it execs a new, daemonised heartbeat) and joins
    # again with a higher generation; it must not take the VIP back.
    check "the real lvs-02 restarts and rejoins" \
        cluster_wait "$P" lvs-01 'Heartbeat restart on node lvs-02' 40
    sleep 4
    check "after the rejoin the VIP is still only on lvs-01" bash -c \
        "ip netns exec $P-lvs-01 ip -4 -o addr show dev ens32 | grep -q ' $VIP/24 ' && ! ip netns exec $P-lvs-02 ip -4 -o addr show dev ens32 | grep -q ' $VIP/24 '"
    finish lvs-01 lvs-02
    exit
fi

# lvs-01's link goes down: it cannot hear or be heard; lvs-02 takes the VIP.
netns_exec "$P" lvs-01 ip link set ens32 down
down=$(now_ms)
check "link down on lvs-01: the VIP moves to lvs-02" wait_until 8 has_vip lvs-02
check "…and answers the client's ping" wait_until 4 netns_exec "$P" client ping -c1 -W1 "$VIP"
check "…and a TCP connection" wait_until 2 tcp_answered_by "$VIP" 8080 lvs-02
echo "link down on lvs-01 to the VIP answering via lvs-02: $(($(now_ms) - down)) ms (deadtime 2000)"
check "…and the client's neighbour entry is lvs-02's MAC" wait_until 3 client_sees "$VIP" "$(mac_of lvs-02)"

finish lvs-01 lvs-02
