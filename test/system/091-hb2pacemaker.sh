#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hb2pacemaker on the tutorial's two set-ups (ha.d-examples/lvs-dr and lvs-nat), grown to
# three directors: the generated CIB loads into an empty one with Debian's crmsh and
# crm_verify accepts it (--check), with fencing left mandatory and with --without-fencing.
# crmsh reads our agents' meta-data, so the staged agents are mounted where the package puts
# them, in a mount namespace of this test's own. Also: a file with an error writes nothing
# and names file and line; an earlier run's files are not replaced without --force. The pcs
# script, run by Debian's pcs on an empty CIB file, builds a CIB crm_verify accepts too.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
netns_require_root
cluster_require_stage
for tool in crm cibadmin crm_verify; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (pacemaker-cli-utils, crmsh)"; exit 77; }
done
H2P=$HB_STAGE/usr/sbin/hb2pacemaker
work=$(mktemp -d /tmp/hb2pcmk.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The mount points (empty) where the package installs the agents; made once, left in place.
for d in /usr/lib/ocf/resource.d/heartbeat-ng /usr/libexec/heartbeat; do
    [ -d "$d" ] || { mkdir -p "$d" && echo "made the empty mount point $d"; }
done

# example NAME : a copy of ha.d-examples/NAME in $work/NAME, its rules file where it names it.
example() {
    local dir=$work/$1
    mkdir -p "$dir"
    cp "$ROOT/ha.d-examples/$1/"{ha.cf,authkeys,haresources,ipvsadm.rules} "$dir/"
    chmod 600 "$dir/authkeys"
    sed -i "s|/etc/ha.d/ipvsadm.rules|$dir/ipvsadm.rules|" "$dir/haresources"
}
# staged CMD... : CMD with the staged agents where crmsh and pcs look for them.
staged() {
    unshare --mount --propagation private /bin/sh -c '
        mount --bind "$1/usr/lib/ocf/resource.d/heartbeat-ng" /usr/lib/ocf/resource.d/heartbeat-ng &&
        mount --bind "$1/usr/libexec/heartbeat" /usr/libexec/heartbeat || exit 99
        shift
        exec "$@"' staged "$HB_STAGE" "$@"
}
# h2p ARGS... : hb2pacemaker, staged; sets out, rc.
h2p() {
    out=$(staged "$H2P" "$@" 2>&1)
    rc=$?
}
says() { grep -q -- "$1" <<<"$out"; }
addrs=(--node-addr lvs-01=192.168.219.11 --node-addr lvs-02=192.168.219.12 --add-node lvs-03=192.168.219.13)

for name in lvs-dr lvs-nat; do
    example "$name"
    h2p -c "$work/$name" -o "$work/$name-out" "${addrs[@]}" --check
    check "$name: written and checked (fencing mandatory)" test "$rc" -eq 0
    check "$name: crm_verify accepts it, fencing aside" says "crm_verify accepts the configuration.*checked with fencing off"
    check "$name: cib.crm keeps fencing on" eval '! grep -q stonith-enabled "$work/$name-out/cib.crm"'
    check "$name: the manual steps say to configure fencing" grep -q "configure fencing" "$work/$name-out/manual-steps.txt"
    check "$name: three nodes, no two_node" eval 'grep -q "ring0_addr: 192.168.219.13" "$work/$name-out/corosync.conf" && ! grep -q two_node "$work/$name-out/corosync.conf"'
    check "$name: authkey 256 bytes, mode 0400" test "$(stat -c '%s %a' "$work/$name-out/authkey")" = "256 400"
    h2p -c "$work/$name" -o "$work/$name-nofence" "${addrs[@]}" --check --without-fencing
    check "$name --without-fencing: crm_verify accepts it as written" eval '[ "$rc" -eq 0 ] && says "crm_verify accepts the configuration (.*cib.xml)$"'
    [ "$rc" -eq 0 ] || echo "$out" | sed 's/^/    /'
    # The pcs script, run by Debian's pcs offline on an empty CIB (pcs -f): its CIB
    # (fencing off as written by --without-fencing) passes crm_verify, with the group's
    # members in the haresources line's order.
    if command -v pcs >/dev/null; then
        cib=$work/$name-pcs.xml
        cibadmin --empty >"$cib"
        out=$(staged sh "$work/$name-nofence/cib.pcs" "$cib" 2>&1)
        rc=$?
        check "$name: Debian's pcs runs cib.pcs" test "$rc" -eq 0
        [ "$rc" -eq 0 ] || echo "$out" | sed 's/^/    /'
        check "$name: crm_verify accepts what pcs built" crm_verify -x "$cib"
        members=$(xmllint --xpath '//group/primitive/@id' "$cib" 2>/dev/null | tr -s ' \n' ' ')
        check "$name: pcs built the group in the haresources order ($members)" \
            eval '[[ "$members" == " id=\"lvs-ipvsadm\" id=\"ip-192.168.219.100\""* ]]'
    else
        echo "note: pcs missing, cib.pcs not run (test/system/lib/install-reference.sh installs it)"
    fi
done
check "lvs-nat: two addresses after the table in one group" \
    grep -q "^group g-ip-192.168.219.100 lvs-ipvsadm ip-192.168.219.100 ip-192.168.56.100$" "$work/lvs-nat-out/cib.crm"

h2p -c "$work/lvs-dr" -o "$work/lvs-dr-out" "${addrs[@]}"
check "an earlier run's files are not replaced without --force" eval '[ "$rc" -eq 1 ] && says "exists"'
sed -i 's|IPaddr::192.168.219.100/24|IPaddr::192.168.219.300/24|' "$work/lvs-dr/haresources"
h2p -c "$work/lvs-dr" -o "$work/bad-out" "${addrs[@]}"
check "a bad address: exit 1, file and line named, nothing written" eval \
    '[ "$rc" -eq 1 ] && says "haresources:[0-9]*: error:" && [ ! -e "$work/bad-out/corosync.conf" ]'

finish
