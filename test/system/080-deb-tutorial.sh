#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tutorial, verbatim, on our .deb: two Debian 12 machines (roots from Debian's packages)
# in the tutorial's network namespaces run the tutorial's command blocks exactly as written —
# with `apt-get install` of our package where the tutorial installs Debian's heartbeat — then
# one extra sed shortens the timings (the only change the tests allow). systemd cannot run
# as PID 1 here (systemd-nspawn --boot does not start on this machine), so after the
# tutorial's `systemctl start heartbeat` the test runs the unit's own ExecStartPre and
# ExecStart lines, and says so. Then: the VIP is on lvs-01 and answers the client, and it
# moves to lvs-02 when lvs-01's heartbeat stops (SIGTERM, as systemd stops the unit).
# Usage: SCRIPT DEB
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/tutorial.sh"
DEB=${1:-}
tutorial_begin hbdebtut "$DEB"
netns_exec "$P" client sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.ens32.arp_accept=1 \
    net.ipv4.neigh.ens32.locktime=0

# A Debian 12 machine with what our package depends on already there (apt then needs no
# network), and systemd's tools for the tutorial's systemctl lines.
base=$(debroot_tar base "${tutorial_root_packages[@]}") ||
    { echo "FAIL: could not build the Debian 12 root"; exit 1; }

# The tutorial's commands for one director, as written (the package file in place of the
# archive's heartbeat).
tutorial() {
    cat <<'TUTORIAL'
set -ex
export DEBIAN_FRONTEND=noninteractive
apt-get install -y /tmp/heartbeat.deb
TUTORIAL
    tutorial_configure
    cat <<'TUTORIAL'
systemctl enable heartbeat
systemctl start heartbeat
TUTORIAL
}

# The unit's start, as systemd would run it: ExecStartPre, then ExecStart in the background.
unit_start() {
    local host=$1 unit=/lib/systemd/system/heartbeat.service pre start
    pre=$(debroot_exec "$host" sed -n 's/^ExecStartPre=//p' "$unit")
    start=$(debroot_exec "$host" sed -n 's/^ExecStart=//p' "$unit")
    echo "$host: systemd cannot run here; running the unit's ExecStartPre=$pre and ExecStart=$start"
    # shellcheck disable=SC2086 # the unit's command lines are words
    debroot_exec "$host" $pre >"$state/$host-checkconfig.out" 2>&1 || return 1
    # shellcheck disable=SC2086
    debroot_bg "$host" "daemon-$host" $start
}
unit_stop() {
    # KillMode=mixed: SIGTERM to the main process (from PIDFile=), which releases resources.
    local pid
    pid=$(debroot_exec "$1" cat /run/heartbeat.pid 2>/dev/null) || return 1
    kill -TERM "$pid"
}
has_vip() { netns_exec "$P" "$1" ip -4 -o addr show dev ens32 | grep -q " $VIP/24 .*ens32:0"; }
lacks_vip() { ! has_vip "$1"; }

for h in lvs-01 lvs-02; do
    debroot_node "$P" "$h" "$base" || { echo "FAIL: $h's root did not start"; exit 1; }
    cp "$DEB" "$(debroot_path "$h")/tmp/heartbeat.deb"
    tutorial >"$state/tutorial-$h.sh"
    debroot_exec "$h" sh -s <"$state/tutorial-$h.sh" >"$state/tutorial-$h.out" 2>&1
    rc=$?
    # `systemctl start` is the one line that cannot work without systemd as PID 1.
    check "$h: the tutorial's commands run (all but systemctl start: rc $rc)" \
        bash -c "grep -q 'System has not been booted with systemd' '$state/tutorial-$h.out' || [ $rc -eq 0 ]"
    check "$h: systemctl enable heartbeat enabled the unit" \
        test -L "$(debroot_path "$h")/etc/systemd/system/multi-user.target.wants/heartbeat.service"
    check "$h: the tutorial's authkeys works (auth 1 / 1 crc)" \
        bash -c "grep -qx 'auth 1' '$(debroot_path "$h")/etc/ha.d/authkeys' && grep -qx '1 crc' '$(debroot_path "$h")/etc/ha.d/authkeys'"
    check "$h: cl_status is set-group-id haclient" \
        test "$(debroot_exec "$h" stat -c %A:%G /usr/bin/cl_status)" = "-r-xr-sr-x:haclient"
    # The one change allowed: shorter timings.
    debroot_exec "$h" "${tutorial_short_timings[@]}"
done
for h in lvs-01 lvs-02; do
    check "$h: the unit's ExecStartPre (--check-config) passes and ExecStart runs" unit_start "$h"
done
check "the VIP comes up on lvs-01" wait_until 20 has_vip lvs-01
check "…and only there" lacks_vip lvs-02
pings() { netns_exec "$P" client ping -c1 -W1 "$VIP" >/dev/null 2>&1; }
check "the client reaches the VIP" wait_until 5 pings
check "cl_status on lvs-02 sees lvs-01 active" wait_until 5 tutorial_sees_active lvs-02 lvs-01
sleep 1
check "lvs-01's heartbeat stops (SIGTERM, as systemctl stop)" unit_stop lvs-01
check "the VIP moves to lvs-02" wait_until 10 has_vip lvs-02
check "…and leaves lvs-01" wait_until 5 lacks_vip lvs-01
check "the client reaches the VIP through lvs-02" wait_until 5 pings
[ "$CHECKS_FAILED" -eq 0 ] || for h in lvs-01 lvs-02; do
    echo "---- $h tutorial output (last 15 lines)"; tail -15 "$state/tutorial-$h.out"
    echo "---- $h daemon (last 15 lines)"; tail -15 "$state/daemon-$h.out" 2>/dev/null
done
finish
