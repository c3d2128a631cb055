#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvsadm-wrapper's kernel-IPVS back end, driven against test/cli/fake_ipvsadm.py (a table in
# a file; this kernel has no IPVS): start takes over a table loaded at boot (the tutorial's
# oneshot) by editing it, never touching other services; a failing command rolls the start
# back; the checker quiesces a dead server (weight 0) through ipvsadm -e; stop removes the
# file's services only; #@sync runs the sync daemons. No root, no network beyond loopback.
# Usage: SCRIPT AGENT SRCDIR
set -u
agent=$1
srcdir=$2
work=$(mktemp -d)
listener_pid=
cleanup() {
    "$agent" "$work/ipvsadm.rules" stop >/dev/null 2>&1
    [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
export HA_RSCTMP=$work/rsc IPVSADM=$work/ipvsadm IPVSADM_WRAPPER_BACKEND=ipvs HA_LOGFILE=$work/ha-log
# The agent runs ipvsadm with a scrubbed environment: the fake's settings live in its wrapper.
# FAKE_IPVSADM_FAIL is read from a file so a test step can set it.
cat >"$IPVSADM" <<EOW
#!/bin/sh
FAKE_IPVSADM_STATE=$work/table.json FAKE_IPVSADM_LOG=$work/ipvsadm.log \\
FAKE_IPVSADM_FAIL="\$(cat $work/fail 2>/dev/null)" exec python3 $srcdir/test/cli/fake_ipvsadm.py "\$@"
EOW
chmod 755 "$IPVSADM"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
logged() { grep -qxF -- "$1" "$work/ipvsadm.log"; }
saved() { "$IPVSADM" -S -n; }

# One server that answers (a listener on 127.0.0.2:18081), one that refuses (127.0.0.3).
python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", 18081)); s.listen(64); s.settimeout(0.2)
end = time.time() + 120
while time.time() < end:
    try: c, _ = s.accept(); c.close()
    except OSError: pass' &
listener_pid=$!
cat >"$work/ipvsadm.rules" <<'EOR'
-A -t 127.0.0.1:18080 -s wrr
-a -t 127.0.0.1:18080 -r 127.0.0.2:18081 -m -w 1
-a -t 127.0.0.1:18080 -r 127.0.0.3:18081 -m -w 2
#@check -t 127.0.0.1:18080 TCP_CHECK interval=200ms timeout=100ms fall=2 rise=1
#@name 127.0.0.3 dead-one
EOR

# The table as the tutorial's boot-time ipvsadm-restore left it, plus someone else's service.
printf '%s\n' '-A -t 127.0.0.1:18080 -s wlc' '-a -t 127.0.0.1:18080 -r 127.0.0.2:18081 -m -w 5' \
    '-A -t 10.9.9.9:25 -s rr' '-a -t 10.9.9.9:25 -r 10.9.9.10:25 -m -w 1' |
    while read -r line; do "$IPVSADM" $line; done
: >"$work/ipvsadm.log"

out=$("$agent" "$work/ipvsadm.rules" start 2>&1)
rc=$?
[ "$rc" -eq 0 ] && ok "start takes over the boot-time table" || fail "start: rc $rc: $out"
logged "-E -t 127.0.0.1:18080 -s wrr" || fail "scheduler not edited: $(cat "$work/ipvsadm.log")"
logged "-e -t 127.0.0.1:18080 -r 127.0.0.2:18081 -m -w 1" || fail "weight not edited"
logged "-a -t 127.0.0.1:18080 -r 127.0.0.3:18081 -m -w 2" || fail "missing server not added"
grep -q "10.9.9.9" "$work/ipvsadm.log" && fail "another service was touched"
saved | grep -qx -- "-A -t 10.9.9.9:25 -s rr" && ok "the other service is untouched" || fail "other service gone"
st=$("$agent" "$work/ipvsadm.rules" status 2>&1)
grep -q ": running (ipvs)" <<<"$st" && ok "status: running" ||
    fail "status: $st"

# The checker takes the refusing server out by quiescing it (weight 0), and logs it once.
for _ in $(seq 1 50); do logged "-e -t 127.0.0.1:18080 -r 127.0.0.3:18081 -m -w 0" && break; sleep 0.1; done
logged "-e -t 127.0.0.1:18080 -r 127.0.0.3:18081 -m -w 0" && ok "the dead server is quiesced (ipvsadm -e … -w 0)" ||
    fail "no quiesce: $(cat "$work/ipvsadm.log")"
grep -q "real server 127.0.0.3:18081 (dead-one) down: connection refused after 2 checks" "$work/ha-log" &&
    ok "one log line says so" || fail "log: $(cat "$work/ha-log")"
grep -q "127.0.0.2:18081 .*down" "$work/ha-log" && fail "the answering server was taken out"
"$agent" "$work/ipvsadm.rules" status | grep -q ': running' && ok "status still running with the server quiesced" ||
    fail "status after quiesce: $("$agent" "$work/ipvsadm.rules" status)"
"$agent" "$work/ipvsadm.rules" show --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = {s["address"]: s["health"] for s in d["services"][0]["servers"]}
assert d["running"] and d["backend"] == "ipvs" and d["checker"]["alive"], d
assert h == {"127.0.0.2:18081": "up", "127.0.0.3:18081": "down"}, h' &&
    ok "show --json: backend, checker, health" || fail "show --json"

out=$("$agent" "$work/ipvsadm.rules" stop 2>&1)
[ $? -eq 0 ] || fail "stop: $out"
logged "-D -t 127.0.0.1:18080" && ok "stop deletes the file's service" || fail "stop did not delete"
saved | grep -q "127.0.0.1:18080" && fail "the file's service is still there"
saved | grep -qx -- "-A -t 10.9.9.9:25 -s rr" && ok "stop leaves the other service" || fail "stop removed the other service"
"$agent" "$work/ipvsadm.rules" status | grep -q ': stopped' || fail "status after stop"
"$agent" "$work/ipvsadm.rules" stop >/dev/null 2>&1 && ok "stopping again succeeds" || fail "second stop failed"

# A command that fails halfway: the start is undone and reported.
before=$(saved)
echo "-a -t 127.0.0.1:18080 -r 127.0.0.3:18081 -m -w 2" >"$work/fail"
out=$("$agent" "$work/ipvsadm.rules" start 2>&1)
rc=$?
rm -f "$work/fail"
[ "$rc" -eq 1 ] || fail "a failing ipvsadm command: rc $rc, want 1: $out"
grep -q "injected" <<<"$out" && ok "the failing command is reported" || fail "not reported: $out"
[ "$(saved)" = "$before" ] && ok "nothing is left half-applied" || fail "table after failed start: $(saved)"

# Connection sync: the director holding the table sends it, and receives again once it stops;
# status changes nothing.
printf '#@sync lo syncid 7\n' >>"$work/ipvsadm.rules"
: >"$work/ipvsadm.log"
"$agent" "$work/ipvsadm.rules" status >/dev/null
logged "-S -n" && ! grep -q -- "daemon" "$work/ipvsadm.log" && ok "status only reads the table" ||
    fail "status ran: $(cat "$work/ipvsadm.log")"
: >"$work/ipvsadm.log"
out=$("$agent" "$work/ipvsadm.rules" start 2>&1) || fail "start with #@sync: $out"
logged "--start-daemon master --mcast-interface lo --syncid 7" && ok "start runs the master sync daemon" ||
    fail "no master daemon: $(cat "$work/ipvsadm.log")"
"$agent" "$work/ipvsadm.rules" stop >/dev/null 2>&1
logged "--start-daemon backup --mcast-interface lo --syncid 7" && ok "stop leaves a backup sync daemon" ||
    fail "no backup daemon"

# A bad line changes nothing.
printf -- '-a -t 127.0.0.1:18080 -r 127.0.0.4 -q\n' >>"$work/ipvsadm.rules"
: >"$work/ipvsadm.log"
out=$("$agent" "$work/ipvsadm.rules" start 2>&1)
rc=$?
[ "$rc" -eq 6 ] && grep -q "^$work/ipvsadm.rules:7: error: unknown option '-q'" <<<"$out" &&
    ok "a bad line is refused with its line" || fail "bad line: rc $rc: $out"
[ -s "$work/ipvsadm.log" ] && fail "a bad file ran ipvsadm: $(cat "$work/ipvsadm.log")"

[ "$failures" -eq 0 ] && echo "ipvsadm-wrapper IPVS back end: all checks passed"
[ "$failures" -eq 0 ]
