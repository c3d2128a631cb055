#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What our daemon tells a service manager (systemd's sd_notify protocol), with a listener of
# our own on NOTIFY_SOCKET instead of systemd (which cannot run as PID 1 here): READY=1 once
# the media and the API socket are open (the API socket already answers), WATCHDOG=1 at half
# of WATCHDOG_USEC, none while the daemon is frozen (SIGSTOP: what the watchdog is for),
# RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 at SIGTERM.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbsdn lvs-01 lvs-02
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
cluster_conf "$state/conf-lvs-01" "1 sha1 secret"

sock=$state/notify.sock
rec=$state/notify.rec
# A datagram listener: one line per message, `MS STATE…` (newlines in a message become |).
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 120
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        out.write("%d %s\n" % (time.time() * 1000, data.decode().replace("\n", "|")))
        out.flush()' "$sock" "$rec" &
listener=$!
trap 'kill $listener 2>/dev/null; netns_cleanup "$P"' EXIT
wait_until 5 test -S "$sock"

netns_run_node "$P" lvs-01 "$state/conf-lvs-01" env NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 \
    "$HB_STAGE/usr/libexec/heartbeat/heartbeat" -f
says() { grep -q -- "$1" "$rec" 2>/dev/null; }
count() { grep -c -- "$1" "$rec" 2>/dev/null || echo 0; }
check "READY=1 with a status line" wait_until 5 says 'READY=1|STATUS=node lvs-01, 1 media, 0 resource group(s)'
check "…when the API socket already answers" \
    netns_node_exec "$P" lvs-01 "$HB_STAGE/usr/bin/cl_status" hbstatus
before=$(count 'WATCHDOG=1')
sleep 1.5
after=$(count 'WATCHDOG=1')
check "WATCHDOG=1 every ~200 ms ($((after - before)) in 1.5 s)" test $((after - before)) -ge 5
pid=$(cluster_pid "$P" lvs-01)
kill -STOP "$pid"
sleep 0.3
frozen=$(count 'WATCHDOG=1')
sleep 1
check "no WATCHDOG=1 while the daemon is frozen" test "$(count 'WATCHDOG=1')" -eq "$frozen"
kill -CONT "$pid"
check "the pings resume" wait_until 2 bash -c "test \$(grep -c WATCHDOG=1 '$rec') -gt $frozen"
kill -HUP "$pid"
check "SIGHUP: RELOADING=1" wait_until 3 says 'RELOADING=1'
check "…then READY=1 again" wait_until 3 says 'READY=1|STATUS=configuration reloaded'
kill -TERM "$pid"
check "SIGTERM: STOPPING=1" wait_until 3 says 'STOPPING=1|STATUS=releasing resources (SIGTERM)'
check "and it exits" wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"
finish lvs-01
