#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults of the host rather than of the network, on the tutorial's VIP pair:
# - the state directory full (a filled tmpfs) or read-only: our daemon refuses to start,
#   says which file and why, and leaves the previous hb_generation as it was — a generation
#   used twice would make the peers take our messages for replays;
# - the wall clock jumps an hour forward on one node and an hour back on the other, then
#   two hours the other way (an LD_PRELOAD shim, test/system/clock_shift.cpp, shifts that
#   daemon's CLOCK_REALTIME only, never the machine's): no death, no late heartbeat, the VIP
#   stays where it is. Our timers run on CLOCK_MONOTONIC (steady_clock), which a suspend
#   also stops (CLOCK_BOOTTIME would not): a resumed node measures its peers' silence on the
#   time it ran, and says how long it was frozen;
# - the holder's whole node is suspended, as a paused VM: SIGSTOP of every process in it
#   for twice deadtime. The peer takes the VIP; after SIGCONT the pair ends with exactly one
#   holder (never two again) and both nodes active, without a crash.
# Usage: 056-host-faults.sh CLOCK_SHIFT_SO [mixed]   (mixed: lvs-02 is the real heartbeat
# 3.0.6; only lvs-01, ours, has its clock shifted; the state-directory part is skipped)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
SHIFT_SO=${1:?usage: $0 CLOCK_SHIFT_SO [mixed]}
MODE=${2:-ours}
VIP=192.168.219.100
export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255"
HB=$HB_STAGE/usr/libexec/heartbeat/heartbeat
[ -r "$SHIFT_SO" ] || { echo "FAIL: no clock shift library at $SHIFT_SO"; exit 1; }
if [ "$MODE" = mixed ]; then
    cluster_require_reference
    cluster_begin hbhostm lvs-01 lvs-02 client
    cluster_vip_pair mixed
else
    cluster_begin hbhost lvs-01 lvs-02 client
    cluster_vip_pair
fi
has_vip() { has_addr "$1" "$VIP"; }
one_holder() {
    if has_vip lvs-01; then ! has_vip lvs-02; else has_vip lvs-02; fi
}
# settles SECONDS : within SECONDS, exactly one holder at every look for 2 s in a row (a
# heal has its transitions: the owner restarts the VIP once to announce it again, a gap of
# tens of ms with none; a 3.0.6 peer gives everything up one resource at a time, then
# restarts itself).
settles() {
    local end=$((SECONDS + $1)) run=0
    while [ "$SECONDS" -lt "$end" ]; do
        if one_holder; then run=$((run + 1)); else run=0; fi
        [ "$run" -ge 20 ] && return 0
        sleep 0.1
    done
    return 1
}
# never_two_holders SECONDS : never both at a look, every 0.1 s.
never_two_holders() {
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        ! { has_vip lvs-01 && has_vip lvs-02; } || return 1
        sleep 0.1
    done
}
vip_on_lvs01_alone() { has_vip lvs-01 && ! has_vip lvs-02; }
node_pids() { ip netns pids "$P-$1"; }
log_lines() { wc -l <"$(cluster_log "$P" "$1")"; }
# logged_since HOST LINES ERE : HOST's log, after its first LINES lines, has a line matching.
logged_since() { tail -n "+$(($2 + 1))" "$(cluster_log "$P" "$1")" | grep -Eq "$3"; }

if [ "$MODE" != mixed ]; then
    nd=$state/nodes/lvs-01
    # A full state directory, on a first start (no hb_generation yet): the new file cannot
    # be written.
    netns_run_node "$P" lvs-01 "$state/conf-lvs-01" /bin/sh -c \
        'mount -t tmpfs -o size=64k hbfull /var/lib/heartbeat &&
         { dd if=/dev/zero of=/var/lib/heartbeat/filler bs=4k 2>/dev/null; true; } &&
         exec "$0" -f' "$HB"
    wait "$NETNS_LAST_PID"
    rc=$?
    check "state dir full: heartbeat refuses to start (exit $rc)" test "$rc" -ne 0
    check "state dir full: it names the file and the reason" grep -q \
        'Cannot get/increment generation number in /var/lib/heartbeat/hb_generation: No space left on device' "$nd/stderr"
    check "state dir full: nothing left running in the node" test -z "$(node_pids lvs-01)"

    # A read-only state directory with a generation in it: refused, the generation unchanged.
    printf '%15d\n' 41 >"$nd/lib/hb_generation"
    netns_run_node "$P" lvs-01 "$state/conf-lvs-01" /bin/sh -c \
        'mount -o remount,bind,ro /var/lib/heartbeat && exec "$0" -f' "$HB"
    wait "$NETNS_LAST_PID"
    rc=$?
    check "state dir read-only: heartbeat refuses to start (exit $rc)" test "$rc" -ne 0
    check "state dir read-only: it names the file and the reason" grep -q \
        'Cannot get/increment generation number in /var/lib/heartbeat/hb_generation: Read-only file system' "$nd/stderr"
    check "state dir read-only: hb_generation still holds 41" test "$(tr -d ' \n' <"$nd/lib/hb_generation")" = 41
    check "state dir read-only: nothing left running in the node" test -z "$(node_pids lvs-01)"
    rm -f "$nd/lib/hb_generation"
fi

# The pair, our daemons with their wall clock under the test's control.
start_shifted() {
    echo 0 >"$state/shift-$1"
    netns_run_node "$P" "$1" "$state/conf-$1" env LD_PRELOAD="$SHIFT_SO" \
        HB_CLOCK_SHIFT_FILE="$state/shift-$1" "$HB" -f
}
start_shifted lvs-01
if [ "$MODE" = mixed ]; then
    cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"
    shifted=(lvs-01)
else
    start_shifted lvs-02
    shifted=(lvs-01 lvs-02)
fi
check "the VIP is on lvs-01" wait_until 25 has_vip lvs-01
check "lvs-02 sees lvs-01 active" cluster_wait "$P" lvs-02 'Status update for node lvs-01: status active' 15
sleep 3 # both resource managers settle

# jump LVS01_SECONDS LVS02_SECONDS : set the shifts, then watch 3 x deadtime.
jump() {
    local l1 l2 pid stamp skew
    l1=$(log_lines lvs-01) l2=$(log_lines lvs-02)
    echo "$1" >"$state/shift-lvs-01"
    [ "$MODE" = mixed ] || echo "$2" >"$state/shift-lvs-02"
    sleep 0.5
    # The shift took: a line logged now carries the shifted time.
    pid=$(cluster_pid "$P" lvs-01)
    kill -USR1 "$pid"
    sleep 0.3
    kill -USR2 "$pid"
    # The default log layout (syslogmsgfmt true) starts with `Dec 06 10:08:55`.
    stamp=$(grep 'debug level now 1' "$(cluster_log "$P" lvs-01)" | tail -n 1 | awk '{print $1, $2, $3}')
    skew=$(($(date -d "$stamp" +%s) - $(date +%s)))
    check "lvs-01's clock reads $1 s off (log stamp $stamp: ${skew} s)" \
        test "$skew" -ge $(($1 - 5)) -a "$skew" -le $(($1 + 5))
    sleep 6
    for h in lvs-01 lvs-02; do
        local since=$l1
        [ "$h" = lvs-02 ] && since=$l2
        check "after the jump ($1 s / $2 s) $h declared nobody dead" \
            bash -c "! tail -n +$((since + 1)) '$(cluster_log "$P" "$h")' | grep -Eq 'is dead|status dead'"
        check "after the jump ($1 s / $2 s) $h logged no late heartbeat" \
            bash -c "! tail -n +$((since + 1)) '$(cluster_log "$P" "$h")' | grep -q 'Late heartbeat'"
    done
    check "after the jump ($1 s / $2 s) the VIP is still on lvs-01 alone" vip_on_lvs01_alone
}
jump 3600 -3600
jump -3600 3600
for h in "${shifted[@]}"; do echo 0 >"$state/shift-$h"; done
sleep 1

# The holder's machine freezes for twice deadtime (2 s), then runs on.
l1=$(log_lines lvs-01)
pids=$(node_pids lvs-01)
# shellcheck disable=SC2086
kill -STOP $pids
check "while lvs-01 is frozen, lvs-02 takes the VIP" wait_until 4 has_vip lvs-02
sleep 0.5
# shellcheck disable=SC2086
kill -CONT $pids
resumed=$(now_ms)
heal=12 rejoin=10
# 3.0.6 gives everything up after a heal and restarts itself, then joins again.
[ "$MODE" = mixed ] && heal=30 rejoin=40
check "after the resume the pair settles to exactly one holder" settles "$heal"
echo "one holder for 2 s in a row $(($(now_ms) - resumed)) ms after the resume (lvs-02: $MODE)"
check "... then never two holders for 3 s" never_two_holders 3
check "... and one holder at their end" one_holder
check "lvs-01 says it was frozen" logged_since lvs-01 "$l1" 'Late heartbeat: Node lvs-01: interval [0-9]+ ms \(our own'
check "lvs-01 survived (pid $(cluster_pid "$P" lvs-01))" kill -0 "$(cluster_pid "$P" lvs-01)"
status_of() {
    [ "$(netns_node_exec "$P" lvs-01 "$HB_STAGE/usr/bin/cl_status" nodestatus lvs-02 2>/dev/null)" = active ]
}
check "lvs-01 sees lvs-02 active" wait_until "$rejoin" status_of
if [ "$MODE" != mixed ]; then
    check "lvs-02 survived (pid $(cluster_pid "$P" lvs-02))" kill -0 "$(cluster_pid "$P" lvs-02)"
fi
netns_stop "$P" lvs-01 10
netns_stop "$P" lvs-02 10
finish lvs-01 lvs-02
