#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `serial TTY` over pty pairs joined by socat (a null-modem cable stand-in; this machine has
# no serial ports to spare). Checked:
# - two of ours, serial the only medium (baud 38400): active both ways, the link named by
#   the tty and up;
# - the cable pulled (socat stopped: the ptys hang up): the medium goes down and is retried,
#   the peer is declared dead; the cable back: the same daemons find each other again;
# - ours with Debian's 3.0.6 (its serial plugin on a pty): active both ways;
# - a ring of three (lvs-01 ─ lvs-02 ─ lvs-03, lvs-02 between two ports): lvs-01 and lvs-03
#   have no cable between them and hear each other through lvs-02, which passes their
#   messages on (ttl one less). 3.0.6 declares that ring copy (should_ring_copy_msg) but
#   never calls it, so a 3.0.6 lvs-02 would leave them apart.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v socat >/dev/null || { echo "SKIP: socat is not installed"; exit 77; }
cluster_begin hbserial lvs-01 lvs-02 lvs-03
CABLES=()
trap 'for c in "${CABLES[@]}"; do kill "$c" 2>/dev/null; done; netns_cleanup "$P"' EXIT

# cable NAME : a pty pair $state/NAME-a <-> $state/NAME-b; sets CABLE (socat's pid).
cable() {
    rm -f "$state/$1-a" "$state/$1-b"
    socat pty,raw,echo=0,link="$state/$1-a" pty,raw,echo=0,link="$state/$1-b" 2>/dev/null &
    CABLE=$!
    CABLES+=("$CABLE")
    wait_until 5 test -e "$state/$1-b" -a -e "$state/$1-a"
}
unplug() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# conf HOST REAL MEDIA : the node's files with MEDIA (lines) instead of bcast, three nodes.
conf() {
    if [ "$2" = real ]; then
        REAL=1 cluster_conf "$state/conf-$1" "1 sha1 secret" "node lvs-03"
    else
        cluster_conf "$state/conf-$1" "1 sha1 secret" "node lvs-03"
    fi
    python3 - "$state/conf-$1/ha.cf" "$3" <<'PY'
import sys
path, media = sys.argv[1], sys.argv[2]
text = open(path).read().replace("bcast ens32\n", "baud 38400\n" + media + "\n", 1)
open(path, "w").write(text)
PY
}
cl() { netns_node_exec "$P" "$1" "$HB_STAGE/usr/bin/cl_status" "${@:2}" 2>/dev/null; }
is() { [ "$(cl "$1" "${@:3}")" = "$2" ]; }
restart_logs() { for h in "$@"; do rm -f "$(cluster_log "$P" "$h")"; done; }

# 1. Two of ours on one cable.
cable c12 && C12=$CABLE
conf lvs-01 ours "serial $state/c12-a"
conf lvs-02 ours "serial $state/c12-b"
restart_logs lvs-01 lvs-02
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "the tty is opened at 38400 baud" \
    cluster_wait "$P" lvs-01 "Starting serial heartbeat on tty $state/c12-a \\(38400 baud\\)" 5
check "lvs-01 sees lvs-02 active over the cable" \
    cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 15
check "lvs-02 sees lvs-01 active" cluster_wait "$P" lvs-02 'Status update for node lvs-01: status active' 5
check "the link is named by the tty, and up" wait_until 5 is lvs-01 up hblinkstatus lvs-02 "$state/c12-a"
check "the line is locked the UUCP way, by the daemon" \
    netns_node_exec "$P" lvs-01 grep -qx " *$(cluster_pid "$P" lvs-01)" /var/lock/LCK..c12-a


unplug "$C12"
check "the cable pulled: the medium goes down" \
    cluster_wait "$P" lvs-01 "medium serial $state/c12-a is down" 5
check "…and the peer is declared dead" cluster_wait "$P" lvs-01 'node lvs-02: is dead' 6
cable c12 && C12=$CABLE
check "the cable back: the same daemons hear each other again" \
    cluster_wait "$P" lvs-01 'node lvs-02.*(status active|is active|returning|restored|status up)' 15
check "…active" wait_until 10 is lvs-01 active nodestatus lvs-02
netns_stop_node "$P" lvs-01 20
netns_stop_node "$P" lvs-02 20

# 2. Ours and Debian's 3.0.6.
if [ -x "$REAL_HEARTBEAT" ]; then
    conf lvs-02 real "serial $state/c12-b"
    restart_logs lvs-01 lvs-02
    cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
    cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"
    check "ours sees the real 3.0.6 active over the cable" \
        cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 20
    check "3.0.6 sees ours active" \
        cluster_wait "$P" lvs-02 'Status update for node lvs-01: status active' 10
    real_link() {
        [ "$(netns_node_exec "$P" lvs-02 /usr/bin/cl_status hblinkstatus lvs-01 "$state/c12-b" \
            2>/dev/null)" = up ]
    }
    check "3.0.6's cl_status: the link (named by its tty) up" wait_until 5 real_link
    netns_node_exec "$P" lvs-02 /usr/bin/cl_status listhblinks lvs-01 2>&1 | sed 's/^/  3.0.6 lists: /'
    netns_stop_node "$P" lvs-01 20
    netns_stop_node "$P" lvs-02 20
else
    echo "note: no real heartbeat 3.0.6 here; the mixed serial pair is not run"
fi

# 3. A ring of three: lvs-02 between two cables; lvs-01 and lvs-03 only through it.
cable c23 && C23=$CABLE
conf lvs-01 ours "serial $state/c12-a"
conf lvs-02 ours "serial $state/c12-b
serial $state/c23-a"
conf lvs-03 ours "serial $state/c23-b"
restart_logs lvs-01 lvs-02 lvs-03
for h in lvs-01 lvs-02 lvs-03; do cluster_start_ours "$P" "$h" "$state/conf-$h"; done
check "ring: lvs-01 sees lvs-03 active through lvs-02" \
    cluster_wait "$P" lvs-01 'Status update for node lvs-03: status active' 20
check "ring: lvs-03 sees lvs-01 active through lvs-02" \
    cluster_wait "$P" lvs-03 'Status update for node lvs-01: status active' 10
sleep 3
check "ring: still active after 3 s" \
    bash -c "[ \"\$1\" = active ] && [ \"\$2\" = active ]" _ \
    "$(cl lvs-01 nodestatus lvs-03)" "$(cl lvs-03 nodestatus lvs-01)"
unplug "$C23"
check "ring: lvs-03's cable pulled, lvs-01 declares it dead" \
    cluster_wait "$P" lvs-01 'node lvs-03: is dead' 6
check "…while lvs-02 stays" is lvs-01 active nodestatus lvs-02
finish lvs-01 lvs-02 lvs-03
