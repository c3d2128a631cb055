#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 VIPs through the daemon: haresources `lvs-01 IPv6addr::2001:db8:219::100/64/ens32
# IPaddr2::2001:db8:219::101/64/ens32` (the "::" of the addresses kept whole), two of ours.
# lvs-01 holds both; kill -9 of lvs-01 (its addresses removed, as a dead box takes them):
# lvs-02 takes both over, never tentative, and the client's neighbour entries for them move
# to lvs-02's MAC through the unsolicited advertisements, without the client soliciting.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v ping6 >/dev/null || { echo "SKIP: ping6 missing"; exit 77; }
cluster_begin hbip6fo lvs-01 lvs-02 client
NET=2001:db8:219
VIP=$NET::100
VIP2=$NET::101
ip -n "$P-br" link set br0 type bridge mcast_snooping 0
for h in lvs-01 lvs-02 client; do
    netns_exec "$P" "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
        net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.ens32.disable_ipv6=0 \
        net.ipv6.conf.ens32.accept_ra=0 net.ipv6.conf.ens32.router_solicitations=0
    netns_exec "$P" "$h" ip -6 addr add "$NET::$(_netns_octet "$h")/64" dev ens32 nodad
done
mac1=$(mac_of lvs-01)
mac2=$(mac_of lvs-02)
HARESOURCES="lvs-01 IPv6addr::$VIP/64/ens32 IPaddr2::$VIP2/64/ens32" cluster_vip_pair
has6() { netns_exec "$P" "$1" ip -o -6 addr show dev ens32 to "$2/128" | grep -q inet6; }
tentative6() { netns_exec "$P" "$1" ip -o -6 addr show dev ens32 to "$2/128" | grep -q tentative; }
neigh_is() { netns_exec "$P" client ip -6 neigh show "$1" dev ens32 | grep -qi "lladdr $2"; }

cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-01 holds the IPv6addr VIP" wait_until 20 has6 lvs-01 "$VIP"
check "…and the IPaddr2 one" wait_until 5 has6 lvs-01 "$VIP2"
not_tentative6() { ! tentative6 "$@"; }
lacks6() { ! has6 "$@"; }
reaches() { netns_exec "$P" client ping6 -c1 -w2 "$1" >/dev/null; }
check "…neither tentative (nodad)" not_tentative6 lvs-01 "$VIP"
check "…nor the second" not_tentative6 lvs-01 "$VIP2"
check "lvs-02 holds neither" lacks6 lvs-02 "$VIP"
check "…(nor the second)" lacks6 lvs-02 "$VIP2"
check "the client reaches the VIP" reaches "$VIP"
check "…and the second" reaches "$VIP2"
check "the client's entry for the VIP is lvs-01's MAC" neigh_is "$VIP" "$mac1"
sleep 3 # past the start-up dead-time bonus
kill -9 "$(cluster_pid "$P" lvs-01)"
netns_exec "$P" lvs-01 ip -6 addr del "$VIP/64" dev ens32
netns_exec "$P" lvs-01 ip -6 addr del "$VIP2/64" dev ens32
check "lvs-02 takes the IPv6addr VIP over" wait_until 8 has6 lvs-02 "$VIP"
check "…and the IPaddr2 one" wait_until 5 has6 lvs-02 "$VIP2"
check "the client's entry for the VIP moves to lvs-02's MAC unasked" wait_until 2 neigh_is "$VIP" "$mac2"
check "…and for the second" wait_until 2 neigh_is "$VIP2" "$mac2"
check "the client reaches the VIP through lvs-02" reaches "$VIP"
finish lvs-02
