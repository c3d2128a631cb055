#!/bin/bash
# Self-test of lib/netns.sh (no heartbeat needed): topology, per-node hostname,
# mount isolation, stop, and that cleanup leaves no namespace behind.
# Exit 0 pass, 1 fail, 77 skip (not root / no netns).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
. "$HERE/lib/netns.sh"
netns_require_root

P=${PREFIX:-nsself}
trap 'netns_cleanup "$P"' EXIT
trap 'exit 130' INT TERM
fails=0
quiet() { "$@" >/dev/null 2>&1; }
check() { # DESCRIPTION CMD...
    local d=$1
    shift
    if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fails=$((fails + 1)); fi
}

netns_setup "$P" lvs-01 lvs-02 client web-01 || { echo "FAIL setup"; exit 1; }
state=$(netns_state_dir "$P")

for ip in 11 12 21; do
    check "client reaches .$ip" quiet netns_exec "$P" client ping -c1 -W2 "192.168.219.$ip"
done
check "interface is ens32" quiet netns_exec "$P" lvs-01 ip link show ens32

for h in lvs-01 lvs-02; do
    mkdir -p "$state/conf-$h"
    echo "$h" >"$state/conf-$h/marker"
    netns_run_node "$P" "$h" "$state/conf-$h" sleep 60
done
sleep 0.5
check "uname -n is lvs-01" test "$(netns_node_exec "$P" lvs-01 uname -n)" = lvs-01
check "own /etc/ha.d" test "$(netns_node_exec "$P" lvs-02 cat /etc/ha.d/marker)" = lvs-02
check "root /etc/ha.d untouched" test ! -e /etc/ha.d/marker
netns_node_exec "$P" lvs-01 sh -c 'echo x >/var/lib/heartbeat/probe; echo y >/run/probe'
check "/var/lib/heartbeat private" test -e "$state/nodes/lvs-01/lib/probe" -a ! -e /var/lib/heartbeat/probe \
    -a ! -e "$state/nodes/lvs-02/lib/probe"
check "/run private" test ! -e /run/probe
check "root hostname unchanged" test "$(uname -n)" != lvs-01

pid=$(cat "$state/pids/lvs-01.pid")
netns_stop_node "$P" lvs-01 5
check "stop_node ends the process" test ! -d "/proc/$pid"
netns_cleanup "$P"
check "no namespace left" test -z "$(ip netns list | awk '{print $1}' | grep "^$P-")"
check "state dir removed" test ! -d "$state"
[ "$fails" -eq 0 ] && echo PASS || echo "FAILED: $fails"
[ "$fails" -eq 0 ]
