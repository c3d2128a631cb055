#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tutorial's LVS-DR cluster grown to three directors under the real Pacemaker and
# Corosync of Debian 12: ha.d-examples/lvs-dr (timings shortened) is converted by
# hb2pacemaker for lvs-01, lvs-02 and a new lvs-03; each director runs corosync and
# pacemakerd in its own network, UTS and mount namespaces (never in the root ones: the
# packages are installed behind a policy-rc.d that forbids starting them). The cluster
# forms, the generated CIB loads, the group starts on lvs-01 through our OCF agents and the
# client reaches the web servers through the VIP; then lvs-01 dies (every process killed, its
# link down: a machine switched off) and the group moves to another director, which serves
# the client in its place. crm_mon -1 shows the group as the haresources line meant it.
#
# Fencing is off in this test only: a namespace cannot be power-cycled, and no fence agent
# reaches one. hb2pacemaker's output keeps it mandatory and tells the administrator to
# configure it (system.hb2pacemaker checks that); here the test switches it off itself.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
. "$HERE/lib/lvs.sh"
netns_require_root
cluster_require_stage
for tool in corosync pacemakerd crm crm_mon cibadmin corosync-cfgtool; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (corosync, pacemaker, crmsh)"; exit 77; }
done
id hacluster >/dev/null 2>&1 || { echo "SKIP: no hacluster user (the pacemaker package makes it)"; exit 77; }
for d in /usr/lib/ocf/resource.d/heartbeat-ng /usr/libexec/heartbeat /etc/corosync \
    /var/lib/corosync /var/lib/pacemaker; do
    [ -d "$d" ] || { mkdir -p "$d" && echo "made the empty mount point $d"; }
done

LVS_DIRECTORS="lvs-01 lvs-02 lvs-03" lvs_begin pcmk dr
DIRECTORS=(lvs-01 lvs-02 lvs-03)

# --- the administrator's side: /etc/ha.d of the tutorial, converted --------------------
ha=$state/ha.d
mkdir -p "$ha"
cp "$ROOT/ha.d-examples/lvs-dr/"{ha.cf,authkeys,haresources} "$ha/"
chmod 600 "$ha/authkeys"
lvs_rules "$ha/ipvsadm.rules"
# Shorter timings, as every system test has: deadtime 30 s would make a 14 s token.
sed -i -e 's/^keepalive.*/keepalive 1/' -e 's/^deadtime.*/deadtime 3/' \
    -e 's/^initdead.*/initdead 10/' "$ha/ha.cf"
out=$(unshare --mount --propagation private /bin/sh -c '
    mount --bind "$1" /etc/ha.d && shift && exec "$@"' h2p "$ha" \
    "$HB_STAGE/usr/sbin/hb2pacemaker" -o "$state/pcmk" --node-addr lvs-01=192.168.219.11 \
    --node-addr lvs-02=192.168.219.12 --add-node lvs-03=192.168.219.13 2>&1)
check "hb2pacemaker converts the tutorial's /etc/ha.d for three directors" \
    test -s "$state/pcmk/cib.crm" -a -s "$state/pcmk/corosync.conf"
[ -s "$state/pcmk/cib.crm" ] || { echo "$out" | sed 's/^/    /'; finish; }

# --- each director: its own /etc/corosync, /var/lib/{corosync,pacemaker}, our agents ----
# shellcheck disable=SC2016
PCMK_NODE='
set -e
nd=$1 stage=$2
mount --bind "$nd/corosync" /etc/corosync
mount --bind "$nd/corosync-lib" /var/lib/corosync
mount --bind "$nd/pacemaker" /var/lib/pacemaker
mount -t tmpfs -o mode=1777,size=64m "pcmk-shm" /dev/shm
mount --bind "$stage/usr/lib/ocf/resource.d/heartbeat-ng" /usr/lib/ocf/resource.d/heartbeat-ng
mount --bind "$stage/usr/libexec/heartbeat" /usr/libexec/heartbeat
mkdir -p /var/log/corosync /var/log/pacemaker /var/log/crmsh
chown hacluster:haclient /var/log/pacemaker
corosync -f >/var/log/corosync.out 2>&1 &
i=0
until corosync-cfgtool -s >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -le 100 ] || { echo "corosync did not come up" >&2; exit 1; }
    sleep 0.1
done
export PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_debug=no
exec pacemakerd
'
start_director() {
    local h=$1 nd=$state/nodes/$1 d
    rm -rf "$nd/corosync" "$nd/corosync-lib" "$nd/pacemaker"  # an earlier run's (NETNS_KEEP_STATE)
    mkdir -p "$nd/corosync" "$nd/corosync-lib"
    cp "$state/pcmk/corosync.conf" "$nd/corosync/"
    install -m 0400 "$state/pcmk/authkey" "$nd/corosync/authkey"
    for d in cib pengine blackbox cores; do mkdir -p "$nd/pacemaker/$d"; done
    chown -R hacluster:haclient "$nd/pacemaker"
    chmod -R 0750 "$nd/pacemaker"
    netns_run_node "$P" "$h" "$ha" /bin/sh -c "$PCMK_NODE" pcmk-node "$nd" "$HB_STAGE"
}
on() { local h=$1; shift; netns_node_exec "$P" "$h" "$@"; }
mon() { on "$1" crm_mon -1 2>/dev/null; }

for h in "${DIRECTORS[@]}"; do start_director "$h"; done
lvs_web_start web-01
lvs_web_start web-02

online() { mon "$1" | grep -q "Online: \[ lvs-01 lvs-02 lvs-03 \]"; }
check "the three directors form one cluster (crm_mon on lvs-03)" wait_until 90 online lvs-03

# The generated CIB, as the migration guide loads it; fencing off for this test only (see
# the header) — the only line the test adds.
sed '/^property cib-bootstrap-options: \\$/a\    stonith-enabled=false \\' "$state/pcmk/cib.crm" \
    >"$state/cib-test.crm"
out=$(on lvs-01 crm configure load update "$state/cib-test.crm" 2>&1)
rc=$?
check "crm configure load update takes the generated CIB" test "$rc" -eq 0
[ -n "$out" ] && echo "$out" | sed 's/^/    /'

group=$(sed -n 's/^group \(\S*\) .*/\1/p' "$state/pcmk/cib.crm" | head -1)
# started_on VIEWER HOST : VIEWER's crm_mon shows both members of the group started on HOST.
started_on() { mon "$1" | grep -A3 "Resource Group: $group:" | grep -c "Started $2\$" | grep -qx 2; }
check "the group $group starts on lvs-01 (its haresources node)" wait_until 60 started_on lvs-02 lvs-01
check "lvs-01 holds the VIP and its LVS table runs" lvs_holds lvs-01
check "no other director holds the VIP" eval 'lacks_addr lvs-02 "$VIP" && lacks_addr lvs-03 "$VIP"'
mon lvs-02 >"$state/crm_mon.txt"
sed 's/^/    /' "$state/crm_mon.txt"
members=$(grep -A2 "Resource Group: $group:" "$state/crm_mon.txt" | tail -n 2 |
    sed 's/^ *\* \(\S*\)\s*(\(\S*\)).*/\1 \2/' | paste -sd, -)
check "crm_mon -1: the table, then the VIP, both through our OCF agents (as haresources)" \
    test "$members" = "lvs-ipvsadm ocf:heartbeat-ng:ipvsadm-wrapper,ip-$VIP ocf:heartbeat-ng:IPaddr"
check "the client reaches both web servers through the VIP" eval \
    '[ "$(lvs_servers_seen 2)" = "web-01,web-02" ]'

# lvs-01 dies: every process of its namespace killed, then its link goes down.
t0=$(now_ms)
for pid in $(ip netns pids "$P-lvs-01"); do kill -KILL "$pid" 2>/dev/null; done
wait "$(cluster_pid "$P" lvs-01)" 2>/dev/null
netns_exec "$P" lvs-01 ip link set ens32 down
# moved : the group runs on lvs-02 or lvs-03 (both agree); sets new.
moved() {
    local h
    for h in lvs-02 lvs-03; do
        if started_on lvs-02 "$h" && started_on lvs-03 "$h"; then
            new=$h
            return 0
        fi
    done
    return 1
}
new=
check "the group moves to another director after lvs-01's death" wait_until 60 moved
if [ -n "$new" ]; then
    check "$new holds the VIP and its LVS table runs" wait_until 10 lvs_holds "$new"
    echo "    the VIP and table up on $new $(($(now_ms) - t0)) ms after lvs-01 was killed (token $(sed -n 's/^ *token: //p' "$state/pcmk/corosync.conf") ms)"
    check "the client reaches both web servers through $new" eval \
        'wait_until 10 eval "[ \"\$(lvs_servers_seen 2)\" = web-01,web-02 ]"'
    check "crm_mon -1 on $new shows lvs-01 offline" eval 'mon "$new" | grep -q "OFFLINE: \[ lvs-01 \]"'
fi
[ "$CHECKS_FAILED" -eq 0 ] || for h in "${DIRECTORS[@]}"; do
    echo "--- $h"; mon "$h" | sed 's/^/    /'
    tail -n 30 "$state/nodes/$h/log/pacemaker/pacemaker.log" 2>/dev/null | sed 's/^/    /'
done
finish
