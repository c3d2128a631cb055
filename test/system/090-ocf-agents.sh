#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Our agents as OCF resource agents (ocf:heartbeat-ng:*), on lvs-01 of the tutorial's DR
# network, checked by Debian's own ocf-tester (resource-agents): IPaddr, IPaddr2 (IPv4 and
# IPv6), IPv6addr and ipvsadm-wrapper with the tutorial's rules. ocf-tester checks the
# meta-data against ra-api-1.dtd, then monitor/start/stop in every order with the OCF exit
# codes. Besides: the meta-data against resource-agents' metadata.rng; the installed links
# resolve to the heartbeat-style agents; a wrong parameter is OCF_ERR_CONFIGURED (6) and
# changes nothing; a probe by Pacemaker's monitor sees what heartbeat's call started.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
. "$HERE/lib/lvs.sh"
TESTER=/usr/sbin/ocf-tester
[ -x "$TESTER" ] || { echo "SKIP: ocf-tester missing (Debian's resource-agents)"; exit 77; }
command -v xmllint >/dev/null || { echo "SKIP: xmllint missing (libxml2-utils)"; exit 77; }
lvs_begin hbocf dr
lvs_web_start web-01
lvs_web_start web-02

libexec=$HB_STAGE/usr/libexec/heartbeat
ocf=$HB_STAGE/usr/lib/ocf/resource.d/heartbeat-ng
rsctmp=$state/rsctmp
mkdir -p "$rsctmp"
rules=$state/ipvsadm.rules
lvs_rules "$rules"
netns_exec "$P" lvs-01 sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
    net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.ens32.disable_ipv6=0
netns_exec "$P" lvs-01 ip -6 addr add 2001:db8:219::11/64 dev ens32 nodad

# on_node CMD... : CMD in lvs-01 with the OCF environment Pacemaker would give (and where
# the staged helpers are).
on_node() {
    netns_exec "$P" lvs-01 env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=t HA_BIN="$libexec" \
        HA_RSCTMP="$rsctmp" HA_LOGFILE="$state/ha-log" "$@"
}
# tester NAME AGENT PARAM=VALUE... : ocf-tester passes on AGENT (its report in the log).
tester() {
    local name=$1 agent=$2 args=() p out
    shift 2
    for p in "$@"; do args+=(-o "$p"); done
    out=$(on_node "$TESTER" -n "$name" "${args[@]}" "$ocf/$agent" 2>&1)
    echo "$out" | sed 's/^/    /'
    grep -q "passed all tests" <<<"$out"
}
addr_on() { netns_exec "$P" lvs-01 ip -o addr show dev ens32 | grep -qF " $1/"; }
meta_valid() { "$ocf/$1" meta-data | xmllint --noout --relaxng /usr/share/resource-agents/metadata.rng - 2>/dev/null; }
rc_of() {
    "$@" >/dev/null 2>&1
    echo $?
}

for a in IPaddr IPaddr2 IPv6addr ipvsadm-wrapper; do
    check "$a: installed as ocf:heartbeat-ng:$a, a link to the heartbeat-style agent" \
        test "$(readlink -f "$ocf/$a")" = "$(readlink -f "$libexec/resource.d/$a")"
    check "$a: meta-data valid against resource-agents' metadata.rng" meta_valid "$a"
done

check "ocf-tester passes IPaddr (ip, cidr_netmask, nic, iflabel, broadcast)" \
    tester vip IPaddr ip=$VIP cidr_netmask=24 nic=ens32 iflabel=0 broadcast=192.168.219.255
check "ocf-tester passes IPaddr with the address alone (nic and prefix found)" \
    tester vip IPaddr ip=$VIP
check "ocf-tester passes IPaddr2" tester vip IPaddr2 ip=$VIP cidr_netmask=24 nic=ens32
check "ocf-tester passes IPaddr2 with an IPv6 address" \
    tester vip6 IPaddr2 ip=2001:db8:219::100 cidr_netmask=64 nic=ens32
check "ocf-tester passes IPv6addr" tester vip6 IPv6addr ip=2001:db8:219::100 nic=ens32
check "ocf-tester passes ipvsadm-wrapper with the tutorial's rules" \
    tester lvs ipvsadm-wrapper rules="$rules"

# Wrong parameters: OCF_ERR_CONFIGURED, nothing added.
check "IPaddr start with a bad ip: 6" \
    test "$(rc_of on_node env OCF_RESKEY_ip=192.168.219.300 "$ocf/IPaddr" start)" = 6
check "IPaddr validate-all with iflabel but no nic: 6" \
    test "$(rc_of on_node env OCF_RESKEY_ip=$VIP OCF_RESKEY_iflabel=x "$ocf/IPaddr" validate-all)" = 6
check "IPaddr without ip: 6" test "$(rc_of on_node "$ocf/IPaddr" monitor)" = 6
check "IPv6addr with a broadcast: 6" test "$(rc_of on_node env OCF_RESKEY_ip=2001:db8:219::100 \
    OCF_RESKEY_broadcast=192.168.219.255 "$ocf/IPv6addr" validate-all)" = 6
check "ipvsadm-wrapper validate-all of a missing file: 6" \
    test "$(rc_of on_node env OCF_RESKEY_rules="$state/none" "$ocf/ipvsadm-wrapper" validate-all)" = 6
check "...and none of them added the VIP" eval '! addr_on $VIP'

# One agent, two callers: what heartbeat's call started, Pacemaker's monitor sees, and stops.
check "heartbeat's call starts the VIP" on_node "$libexec/resource.d/IPaddr" "$VIP/24/ens32" start
check "the OCF monitor sees it running (0)" \
    test "$(rc_of on_node env OCF_RESKEY_ip=$VIP "$ocf/IPaddr" monitor)" = 0
check "the OCF stop removes it" on_node env OCF_RESKEY_ip=$VIP "$ocf/IPaddr" stop
check "...and heartbeat's status says stopped" eval \
    '! on_node "$libexec/resource.d/IPaddr" "$VIP/24/ens32" status >/dev/null 2>&1 && ! addr_on $VIP'
check "the heartbeat call without an address still fails as before (2)" \
    test "$(rc_of netns_exec "$P" lvs-01 "$libexec/resource.d/IPaddr" start)" = 2

finish
