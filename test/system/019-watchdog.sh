#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `watchdog DEVICE` with a FIFO standing in for /dev/watchdog (this kernel has no softdog
# to load, and a real watchdog would reboot the test machine): a reader records what our
# daemon writes. Checked: the device is opened at start (3.0.6's log line), a byte comes
# with each of our heartbeats, a clean stop ends with the magic 'V' and the close; kill -9
# ends without 'V' (a real watchdog would now reboot the machine); a device that cannot
# be opened is logged and heartbeat runs without it, as 3.0.6 does.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbwdog lvs-01 lvs-02
READER=
# A reader left waiting on the FIFO (a run that failed early) is ours to stop.
trap '[ -n "$READER" ] && kill "$READER" 2>/dev/null; netns_cleanup "$P"' EXIT
fifo=$state/watchdog
rm -f "$fifo"
mkfifo -m 600 "$fifo"

# run NAME : starts a reader of the FIFO (recording to $state/NAME.bytes), then lvs-01.
run() {
    cat "$fifo" >"$state/$1.bytes" &
    READER=$!
    rm -f "$(cluster_log "$P" lvs-01)"
    cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
}
nbytes() { stat -c %s "$state/$1.bytes"; }
last_byte() { tail -c 1 "$state/$1.bytes" | od -An -c | tr -d ' '; }
reader_done() { ! kill -0 "$READER" 2>/dev/null; }

cluster_conf "$state/conf-lvs-01" "1 sha1 secret" "watchdog $fifo"
cluster_conf "$state/conf-lvs-02" "1 sha1 secret"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"

run clean
check "the device is opened at start" cluster_wait "$P" lvs-01 "Using watchdog device: $fifo" 5
check "a FIFO takes no timeout: said, and used anyway" \
    cluster_wait "$P" lvs-01 'WDIOC_SETTIMEOUT: Failed to set watchdog timer to 3 seconds' 1
sleep 3
n=$(nbytes clean)
# keepalive 500 ms: about 2 a second (and a few at start: init, up, active).
check "a byte per heartbeat: $n in about 3 s" test "$n" -ge 5 -a "$n" -le 20
netns_stop_node "$P" lvs-01 20
check "a clean stop closes the device" wait_until 5 reader_done
check "…after the magic 'V' (last byte: $(last_byte clean))" test "$(last_byte clean)" = V

run crash
check "started again with the device" cluster_wait "$P" lvs-01 "Using watchdog device: $fifo" 5
sleep 1
kill -9 "$(cluster_pid "$P" lvs-01)"
check "kill -9: the device is closed by the kernel" wait_until 5 reader_done
check "…without 'V': a real watchdog reboots (last byte: $(last_byte crash))" \
    test "$(last_byte crash)" = '\0'
netns_stop_node "$P" lvs-01 5

sed -i "s|^watchdog .*|watchdog $state/no-such-watchdog|" "$state/conf-lvs-01/ha.cf"
rm -f "$(cluster_log "$P" lvs-01)"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
check "a device that cannot be opened is logged" \
    cluster_wait "$P" lvs-01 "Cannot open watchdog device: $state/no-such-watchdog" 5
check "…and heartbeat runs without it" \
    cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 10
finish lvs-01
