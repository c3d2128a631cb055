#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Upgrading a running heartbeat 3.0.6 cluster to our .deb in place, one director at a time:
# two Debian 12 machines with Debian's heartbeat 1:3.0.6 set up by the tutorial's commands
# and running (the VIP on lvs-01); `apt install ./heartbeat.deb` on lvs-02, then on lvs-01,
# while a watcher samples every 100 ms who holds the VIP. Then: the VIP was never on both or
# on neither for longer than deadtime; every file in /etc/ha.d is byte for byte what it was;
# ours runs on both; `apt purge` removes what the package added (the users stay) and a
# reinstall works. The machines have no init system (systemd cannot run as PID 1 here):
# they behave as hosts without systemd — the maintainer scripts restart the service through
# /etc/init.d/heartbeat (a runlevel and a policy-rc.d that allows it, as on such a host).
# Usage: SCRIPT DEB
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/tutorial.sh"
DEB=${1:-}
tutorial_begin hbdebupg "$DEB"
DEADTIME_MS=2000

# Debian 12 with Debian's heartbeat 3.0.6 (and what its IPaddr needs: net-tools), plus what
# our package depends on, so apt needs no network.
root306=$(debroot_tar hb306 "${tutorial_root_packages[@]}" heartbeat net-tools) ||
    { echo "FAIL: could not build the Debian 12 root with heartbeat"; exit 1; }

setup_306() {
    cat <<'TUTORIAL'
set -e
TUTORIAL
    tutorial_configure
    cat <<'TUTORIAL'
echo "logfile /var/log/ha-log" >> /etc/ha.d/ha.cf
# A host without systemd: services may start (the test's only policy), and have a runlevel.
printf '#!/bin/sh\nexit 0\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
TUTORIAL
}
has_vip() { netns_exec "$P" "$1" ip -4 -o addr show dev ens32 | grep -q " $VIP/24 "; }
etc_sums() { debroot_exec "$1" sh -c 'cd /etc/ha.d && find . -type f | sort | xargs md5sum'; }
running_ours() {
    local pid
    pid=$(debroot_exec "$1" cat /run/heartbeat.pid 2>/dev/null) || return 1
    debroot_exec "$1" /usr/libexec/heartbeat/heartbeat -V 2>/dev/null | grep -q 'heartbeat C++' &&
        [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(debroot_path "$1")/usr/libexec/heartbeat/heartbeat" ] &&
        kill -0 "$pid" 2>/dev/null
}
upgrade() {
    debroot_exec "$1" env RUNLEVEL=2 DEBIAN_FRONTEND=noninteractive apt install -y /tmp/heartbeat.deb \
        >"$state/upgrade-$1.out" 2>&1
}

for h in lvs-01 lvs-02; do
    debroot_node "$P" "$h" "$root306" || { echo "FAIL: $h's root did not start"; exit 1; }
    cp "$DEB" "$(debroot_path "$h")/tmp/heartbeat.deb"
    setup_306 | debroot_exec "$h" sh -s >"$state/setup-$h.out" 2>&1 ||
        { echo "FAIL: setting up 3.0.6 on $h"; cat "$state/setup-$h.out"; exit 1; }
    debroot_exec "$h" "${tutorial_short_timings[@]}"
done
check "Debian's heartbeat is 1:3.0.6" \
    test "$(debroot_exec lvs-01 dpkg-query -W -f='${Version}' heartbeat)" = "1:3.0.6-13+b2"
for h in lvs-01 lvs-02; do
    # As its unit would start it (systemd cannot run here).
    debroot_bg "$h" "hb306-$h" /usr/libexec/heartbeat/heartbeat -f
done
check "3.0.6 puts the VIP on lvs-01 (its joint start waits ~10 s)" wait_until 40 has_vip lvs-01
for h in lvs-01 lvs-02; do etc_sums "$h" >"$state/etc-before-$h"; done

# The watcher: every 100 ms, who holds the VIP (bounded: 4 minutes).
netns_bg "$P" client watcher bash -c '
for ((i = 0; i < 2400; i++)); do
    a=$(ip netns exec '"$P"'-lvs-01 ip -4 -o addr show dev ens32 | grep -c " '"$VIP"'/24 ")
    b=$(ip netns exec '"$P"'-lvs-02 ip -4 -o addr show dev ens32 | grep -c " '"$VIP"'/24 ")
    echo "$(date +%s%3N) $a $b"
    sleep 0.1
done'

check "apt install ./heartbeat.deb on lvs-02 (lvs-01 still runs 3.0.6)" upgrade lvs-02
check "ours runs on lvs-02" wait_until 10 running_ours lvs-02
check "lvs-02 (ours) sees lvs-01 (3.0.6) active" wait_until 15 tutorial_sees_active lvs-02 lvs-01
sleep 4
check "apt install ./heartbeat.deb on lvs-01" upgrade lvs-01
check "ours runs on lvs-01" wait_until 10 running_ours lvs-01
check "the VIP is held by lvs-01 again (auto_failback on)" wait_until 20 has_vip lvs-01
sleep 3
netns_stop "$P" watcher 2
# Runs of samples with the VIP on both or on neither, longest of each.
longest() {
    awk -v want="$1" '{ st = ($2 + $3 == 2) ? "both" : ($2 + $3 == 0) ? "none" : "one"
        if (st == want) { if (!start) start = $1; if ($1 - start > max) max = $1 - start }
        else start = 0 } END { print max + 0 }' "$state/watcher.out"
}
both=$(longest both)
none=$(longest none)
echo "rolling upgrade: longest time on both directors ${both} ms, on neither ${none} ms (deadtime ${DEADTIME_MS} ms)"
check "the VIP was never on both for longer than deadtime" test "$both" -le "$DEADTIME_MS"
check "…nor on neither" test "$none" -le "$DEADTIME_MS"
for h in lvs-01 lvs-02; do
    etc_sums "$h" >"$state/etc-after-$h"
    check "$h: every file in /etc/ha.d is byte for byte what it was" \
        cmp -s "$state/etc-before-$h" "$state/etc-after-$h"
    check "$h: the package is ours" \
        test "$(debroot_exec "$h" dpkg-query -W -f='${Version}' heartbeat)" = "$(dpkg-deb -f "$DEB" Version)"
done
check "the upgrade asked nothing (no conffile prompt)" bash -c "! grep -qi 'conffile\\|\\*\\*\\* ' '$state'/upgrade-*.out"
check "the postinst says 3.0.6's IPaddr stays in use" grep -q 'resource.d/IPaddr (from heartbeat 3.0.6) is used' "$state/upgrade-lvs-01.out"

# Purge on lvs-02: what the package added goes, the accounts stay; then a reinstall works.
files=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$')
check "apt purge heartbeat on lvs-02" \
    debroot_exec lvs-02 env RUNLEVEL=2 DEBIAN_FRONTEND=noninteractive apt purge -y heartbeat
left=$(for f in $files; do [ -e "$(debroot_path lvs-02)$f" ] && echo "$f"; done)
check "…removes every file the package installed (left: ${left:-none})" test -z "$left"
check "…and the daemon's state in /var/lib/heartbeat" \
    test ! -e "$(debroot_path lvs-02)/var/lib/heartbeat/hb_uuid"
no_override() { ! grep -q cl_status "$(debroot_path lvs-02)/var/lib/dpkg/statoverride"; }
check "…and the cl_status statoverride" no_override
check "…but keeps hacluster and haclient" debroot_exec lvs-02 getent passwd hacluster
check "…and the administrator's /etc/ha.d files" test -s "$(debroot_path lvs-02)/etc/ha.d/ha.cf"
check "the VIP stays on lvs-01 meanwhile" has_vip lvs-01
check "a reinstall works" upgrade lvs-02
check "…and runs ours again" wait_until 10 running_ours lvs-02
[ "$CHECKS_FAILED" -eq 0 ] || for h in lvs-01 lvs-02; do
    echo "---- $h upgrade output (last 20 lines)"; tail -20 "$state/upgrade-$h.out"
done
finish
