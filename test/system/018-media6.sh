#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 heartbeat media: `ucast6` (to the peer's global address) and `mcast6` (a link-local
# group, hops 1), each alone on ens32, between two of ours and between ours and the real
# heartbeat 3.0.6 (Debian's ucast6/mcast6 plugins). Each pair must see each other active
# over link ens32, in cl_status on both sides (ours and 3.0.6's own cl_status), with no
# complaint about the other's packets in either log; then the peer's death is noticed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_require_reference
cluster_begin hbmedia6 lvs-01 lvs-02
A1=2001:db8:219::11
A2=2001:db8:219::12
GROUP=ff02::694:1
# The namespaces start with IPv6 off (netns.sh): on for ens32 here.
for h in lvs-01 lvs-02; do
    netns_exec "$P" "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
        net.ipv6.conf.ens32.disable_ipv6=0
done
netns_exec "$P" lvs-01 ip -6 addr add "$A1/64" dev ens32 nodad
netns_exec "$P" lvs-02 ip -6 addr add "$A2/64" dev ens32 nodad
has_ll() { netns_exec "$P" "$1" ip -6 addr show dev ens32 scope link | grep -q 'inet6 fe80'; }
check "lvs-01 has a link-local address" wait_until 5 has_ll lvs-01
check "lvs-02 has a link-local address" wait_until 5 has_ll lvs-02
# mcast6 sends from the link-local address: wait until its duplicate detection is over.
ll_ready() { ! netns_exec "$P" "$1" ip -6 addr show dev ens32 scope link | grep -q tentative; }
check "lvs-01's link-local address is usable" wait_until 5 ll_ready lvs-01
check "lvs-02's link-local address is usable" wait_until 5 ll_ready lvs-02

# conf HOST REAL MEDIUM_LINE : that node's /etc/ha.d with MEDIUM_LINE as its only medium.
conf() {
    if [ "$2" = real ]; then
        REAL=1 cluster_conf "$state/conf-$1" "1 sha1 secret"
    else
        cluster_conf "$state/conf-$1" "1 sha1 secret"
    fi
    sed -i "s|^bcast ens32\$|$3|" "$state/conf-$1/ha.cf"
}
cl() { # cl HOST REAL ARGS… : that node's cl_status (3.0.6's own for the real one)
    local bin=$HB_STAGE/usr/bin/cl_status
    [ "$2" = real ] && bin=/usr/bin/cl_status
    netns_node_exec "$P" "$1" "$bin" "${@:3}" 2>/dev/null
}
is() { [ "$(cl "$1" "$2" "${@:4}")" = "$3" ]; }
quiet_log() { # quiet_log HOST : nothing about bad packets from the peer
    ! grep -Eq 'dropped packet|authentication failed|bad node|replay|Late heartbeat|bad (sequence|generation)' \
        "$(cluster_log "$P" "$1")"
}

# pair NAME KIND2 MEDIUM01 MEDIUM02 : lvs-01 (ours) and lvs-02 (KIND2: ours|real), one medium.
pair() {
    local name=$1 kind=$2
    conf lvs-01 ours "$3"
    conf lvs-02 "$kind" "$4"
    rm -f "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-02)"
    cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
    if [ "$kind" = real ]; then
        cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"
    else
        cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
    fi
    check "$name: lvs-01 sees lvs-02 active" \
        cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 15
    check "$name: lvs-02 sees lvs-01 active" \
        cluster_wait "$P" lvs-02 'Status update for node lvs-01: status active' 15
    check "$name: ours: link lvs-02:ens32 up" wait_until 5 is lvs-01 ours up hblinkstatus lvs-02 ens32
    check "$name: lvs-02 ($kind): link lvs-01:ens32 up" \
        wait_until 5 is lvs-02 "$kind" up hblinkstatus lvs-01 ens32
    sleep 3
    check "$name: still active both ways after 3 s" \
        bash -c "[ \"\$1\" = active ] && [ \"\$2\" = active ]" _ \
        "$(cl lvs-01 ours nodestatus lvs-02)" "$(cl lvs-02 "$kind" nodestatus lvs-01)"
    check "$name: ours found nothing wrong in the peer's packets" quiet_log lvs-01
    check "$name: lvs-02 ($kind) found nothing wrong in ours" quiet_log lvs-02
    kill -9 "$(cluster_pid "$P" lvs-02)"
    check "$name: ours declares lvs-02 dead" cluster_wait "$P" lvs-01 'node lvs-02: is dead' 6
    netns_stop_node "$P" lvs-01 20
    netns_stop_node "$P" lvs-02 5
}

pair "ucast6, two of ours" ours "ucast6 ens32 $A2" "ucast6 ens32 $A1"
pair "ucast6, ours and 3.0.6" real "ucast6 ens32 $A2" "ucast6 ens32 $A1"
pair "mcast6, two of ours" ours "mcast6 ens32 $GROUP 694 1 0" "mcast6 ens32 $GROUP 694 1 0"
pair "mcast6, ours and 3.0.6" real "mcast6 ens32 $GROUP 694 1 0" "mcast6 ens32 $GROUP 694 1 0"
finish lvs-01 lvs-02
