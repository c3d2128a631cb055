#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Metrics, switched on in heartbeat-ng.cf beside an unchanged ha.cf: two of ours, lvs-01
# writing /var/lib/heartbeat/heartbeat.prom every second for node_exporter's textfile
# collector and serving http://127.0.0.1:9694/metrics. The page shows lvs-01's group
# running, taken once, its script started once, and an API client while it is signed on; it
# follows lvs-02 from active to dead
# (kill -9) and back; Prometheus' `promtool check metrics` accepts it; the listener
# answers GET, refuses other paths, methods and garbage, is not blocked by a silent client
# and is on loopback only; a real Prometheus server scrapes it; a reload that moves the file
# removes the old one and one that moves the listener closes the old port; a graceful stop removes it; `cl_status events` tells the failover in
# order (also as JSON, and filtered by --since); `cl_status watch` in tmux follows the
# failover and quits on q, and prints plainly in a pipe; under systemd (INVOCATION_ID) each
# event reaches the journal with its fields; a bad heartbeat-ng.cf line is refused
# with file and line (by --check-config and at start, which then does not start).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbmetrics lvs-01 lvs-02
export HARESOURCES="lvs-01 dummy"  # a group whose script only keeps a file in /run
for h in lvs-01 lvs-02; do
    cluster_conf "$state/conf-$h" "1 sha1 secret" "apiauth probe uid=root"
    cat >"$state/conf-$h/resource.d/dummy" <<'EOS'
#!/bin/sh
case $1 in
start) touch /run/dummy ;;
stop) rm -f /run/dummy ;;
status) if [ -e /run/dummy ]; then echo running; else echo stopped; fi ;;
esac
EOS
    chmod +x "$state/conf-$h/resource.d/dummy"
done
printf 'metrics_textfile /var/lib/heartbeat/heartbeat.prom\nmetrics_interval 1\nmetrics_listen 9694\n' \
    >"$state/conf-lvs-01/heartbeat-ng.cf"
prom=$state/nodes/lvs-01/lib/heartbeat.prom  # the node's /var/lib/heartbeat, from outside
HB=$HB_STAGE/usr/libexec/heartbeat/heartbeat
CL=$HB_STAGE/usr/bin/cl_status

shows() { grep -qxF -- "$1" "$prom" 2>/dev/null; }
# lvs-01 as systemd starts a service (INVOCATION_ID set): its log lines go to the journal.
INVOCATION_ID=8d8e0c0b3f3a4f0e9a0a8f4b5e2c1d00 cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-01 writes the page with lvs-02 active" \
    wait_until 10 shows 'heartbeat_node_status{node="lvs-02",status="active"} 1'
check "…its link up" shows 'heartbeat_link_up{node="lvs-02",link="ens32"} 1'
check "…the file is 0644 (node_exporter runs as its own user)" test "$(stat -c %a "$prom")" = 644
check "the group runs on lvs-01, taken once, its script started once" wait_until 5 eval \
    'shows "heartbeat_group_state{group=\"dummy\",state=\"running\"} 1" &&
     shows "heartbeat_group_operation_seconds_count{group=\"dummy\",operation=\"acquire\",outcome=\"succeeded\"} 1" &&
     shows "heartbeat_script_seconds_count{script=\"dummy\",action=\"start\",outcome=\"ok\"} 1"'
# A named API client (as ipfail is) signed on for a few seconds shows in the page.
sleep 4 | netns_node_exec "$P" lvs-01 python3 "$HERE/lib/hbapi.py" hold probe >/dev/null 2>&1 &
holder=$!
check "an API client signed on shows" wait_until 4 eval \
    'shows "heartbeat_api_clients{state=\"signed_on\"} 1" &&
     shows "heartbeat_api_clients{state=\"connected\"} 1"'
wait "$holder"
check "…and is gone once it leaves" wait_until 4 \
    shows 'heartbeat_api_clients{state="signed_on"} 0'
received() { sed -n 's/^heartbeat_messages_received_total{node="lvs-02",link="ens32"} //p' "$prom"; }
first=$(received)
sleep 2.2
check "messages from lvs-02 counted as they come (${first:-none}, then $(received))" \
    test "$(received)" -gt "${first:-0}"
if command -v promtool >/dev/null; then
    out=$(promtool check metrics <"$prom" 2>&1)
    rc=$?
    check "promtool check metrics accepts the page ($rc: $out)" test "$rc" -eq 0 -a -z "$out"
    [ -z "$out" ] || echo "$out" | sed 's/^/    /'
else
    echo "note: promtool missing (Debian's prometheus package), page not checked by it"
fi

# A stand-in journald in lvs-01's /run (the node's own tmpfs): what reaches its socket.
# shellcheck disable=SC2016
JOURNALD='
import os, socket, sys, time
os.makedirs("/run/systemd/journal", exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
s.settimeout(1)
end = time.monotonic() + 120
with open(sys.argv[1], "ab", buffering=0) as out:
    while time.monotonic() < end:
        try:
            out.write(s.recv(65536) + b"\n--\n")
        except socket.timeout:
            pass
'
netns_node_exec "$P" lvs-01 python3 -c "$JOURNALD" "$state/journal.out" &
wait_until 5 netns_node_exec "$P" lvs-01 test -S /run/systemd/journal/socket
# cl_status watch on lvs-01 in a terminal (tmux, on a socket of this test's own).
TMUX_SOCKET=hbwatch$$
tmux -L "$TMUX_SOCKET" new-session -d -x 110 -y 45 \
    "nsenter -t $(cluster_pid "$P" lvs-01) -n -u -m -r -- $CL watch"
pane() { tmux -L "$TMUX_SOCKET" capture-pane -p 2>/dev/null; }
pane_shows() { pane | grep -qE -- "$1"; }
check "cl_status watch shows lvs-02 active on its terminal" wait_until 5 pane_shows '^  lvs-02 +normal +active'
check "…its link up, last heard under a second ago" \
    wait_until 5 pane_shows '^    link ens32 +up .* heard 0\.[0-9]s ago$'
pid=$(cluster_pid "$P" lvs-02)
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "lvs-02's death shows (status dead, one death)" wait_until 6 eval \
    'shows "heartbeat_node_status{node=\"lvs-02\",status=\"dead\"} 1" &&
     shows "heartbeat_node_deaths_total{node=\"lvs-02\"} 1"'
check "…and its link down" shows 'heartbeat_link_up{node="lvs-02",link="ens32"} 0'
check "cl_status watch follows: lvs-02 dead, its link dead, the event in its list" wait_until 5 \
    eval 'pane_shows "^  lvs-02 +normal +dead +for [0-9]+s" &&
          pane_shows "^    link ens32 +dead .* heard [0-9.]+s ago$" &&
          pane_shows "node lvs-02: dead$"'
pane | sed 's/^/    | /' | head -n 24
tmux -L "$TMUX_SOCKET" send-keys q
check "…and quits on q" wait_until 5 eval '! tmux -L "$TMUX_SOCKET" has-session 2>/dev/null'
tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
plain=$(netns_node_exec "$P" lvs-01 "$CL" watch </dev/null | cat)
check "in a pipe it prints the view once, plainly, and ends with its stdin" eval \
    '[[ "$plain" != *$'"'"'\033'"'"'* ]] && grep -q "^nodes$" <<<"$plain" && [ "$(grep -c "^heartbeat  " <<<"$plain")" -eq 1 ]'
# The journal's entries (one datagram each, a field a line): heartbeat's own death line,
# with the text syslog would get, carries the fields; every line is there once.
entry=$(awk -v RS='\n--\n' '/MESSAGE=\[[0-9]+\]: WARN: node lvs-02: is dead/' "$state/journal.out" 2>/dev/null)
check "the journal gets heartbeat's death line with its fields (MESSAGE_ID, HB_EVENT, HB_NODE)" eval \
    'grep -qx "MESSAGE_ID=6726551d64544d1fa144c8d0d0ebe08d" <<<"$entry" &&
     grep -qx "HB_EVENT=node_status" <<<"$entry" && grep -qx "HB_NODE=lvs-02" <<<"$entry" &&
     grep -qx "SYSLOG_IDENTIFIER=heartbeat" <<<"$entry" && grep -qx "PRIORITY=4" <<<"$entry"'
[ -n "$entry" ] || head -c 600 "$state/journal.out" 2>/dev/null | sed 's/^/    /'
text=$(sed -n 's/^MESSAGE=\[[0-9]*\]: WARN: //p' <<<"$entry")
check "…its text is the ha-log line's (${text:0:40}...)" grep -qF -- "WARN: $text" "$(cluster_log "$P" lvs-01)"
link=$(awk -v RS='\n--\n' '/MESSAGE=\[[0-9]+\]: info: Link lvs-02:ens32 dead\./' "$state/journal.out")
check "…the link's line too (HB_EVENT=link_status, HB_DETAIL=ens32), once" eval \
    'grep -qx "HB_EVENT=link_status" <<<"$link" && grep -qx "HB_DETAIL=ens32" <<<"$link" &&
     [ "$(grep -c "^MESSAGE=.*Link lvs-02:ens32 dead\.$" "$state/journal.out")" -eq 1 ]'
plain_line=$(awk -v RS='\n--\n' '/MESSAGE=.*No STONITH device configured/' "$state/journal.out")
check "…and a line that announces no change carries none" eval \
    '[ -n "$plain_line" ] && ! grep -q "^HB_EVENT=" <<<"$plain_line"'
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-02 back: active, one return" wait_until 10 eval \
    'shows "heartbeat_node_status{node=\"lvs-02\",status=\"active\"} 1" &&
     shows "heartbeat_node_returns_total{node=\"lvs-02\"} 1"'

# The event history, as cl_status events prints it on lvs-01.
ev=$(netns_node_exec "$P" lvs-01 "$CL" events)
echo "$ev" | tail -n 8 | sed 's/^/    /'
in_order() { # PATTERN... : lines matching each, in that order
    local from=1 n p
    for p in "$@"; do
        n=$(tail -n "+$from" <<<"$ev" | grep -n -m1 -- "$p" | cut -d: -f1) || return 1
        [ -n "$n" ] || return 1
        from=$((from + n))
    done
}
check "cl_status events: started, group running here, lvs-02 dead, then back" in_order \
    "heartbeat started" "group dummy running here" "node lvs-02: dead" "node lvs-02: active"
check "…with the time since the event before" grep -qE '^[0-9-]{10} [0-9:.]{12} +\+[0-9]+\.[0-9]{3} s  node lvs-02: dead$' <<<"$ev"
kinds=$(netns_node_exec "$P" lvs-01 "$CL" events --json --since 10m | python3 -c '
import json, sys
print(" ".join(sorted({e["kind"] for e in json.load(sys.stdin)})))')
check "events --json --since 10m: one JSON array ($kinds)" eval \
    '[[ " $kinds " == *" node_status "* && " $kinds " == *" group_acquired "* ]]'
check "--since in the future lets nothing through" eval \
    '[ -z "$(netns_node_exec "$P" lvs-01 "$CL" events --since "2099-01-01 00:00")" ]'

# Garbage datagrams to lvs-01's heartbeat port: counted each, and one event for the burst.
netns_exec "$P" lvs-02 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"not a heartbeat %d" % i, ("192.168.219.11", 694))'
check "refused datagrams counted by reason" wait_until 4 \
    shows 'heartbeat_packets_rejected_total{reason="malformed"} 20'
bursts=$(netns_node_exec "$P" lvs-01 "$CL" events | grep -c "refused datagrams on ens32 (malformed")
check "…and one event for their burst, not twenty ($bursts)" test "$bursts" -eq 1

# The HTTP listener (loopback only: metrics_listen 9694), from inside lvs-01.
# shellcheck disable=SC2016
HTTP='
import socket, sys, time
def ask(req):
    s = socket.create_connection(("127.0.0.1", 9694), 2)
    s.sendall(req.encode())
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out.decode(errors="replace")
        out += b
mode = sys.argv[1]
if mode == "get":
    print(ask("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
elif mode == "status":
    print(ask(sys.argv[2] + " HTTP/1.1\r\n\r\n").split("\r\n")[0])
elif mode == "silent":
    # One client says nothing; another is served meanwhile; the silent one is closed.
    quiet = socket.create_connection(("127.0.0.1", 9694), 2)
    t0 = time.monotonic()
    served = "200 OK" in ask("GET /metrics HTTP/1.1\r\n\r\n").split("\r\n")[0]
    quiet.settimeout(10)
    closed = quiet.recv(1) == b""
    print("served" if served else "not-served", "closed-after-%.0f" % (time.monotonic() - t0) if closed else "open")
'
http() { netns_exec "$P" lvs-01 python3 -c "$HTTP" "$@" 2>&1; }
out=$(http get)
check "GET /metrics answers 200 with the exposition format" eval \
    'grep -q "^HTTP/1.1 200 OK" <<<"$out" && grep -q "version=0.0.4" <<<"$out" &&
     grep -q "heartbeat_node_status{node=\"lvs-02\",status=\"active\"} 1" <<<"$out"'
check "other paths 404, other methods 405, garbage 400" eval \
    '[ "$(http status "GET /x")" = "HTTP/1.1 404 Not Found" ] &&
     [ "$(http status "POST /metrics")" = "HTTP/1.1 405 Method Not Allowed" ] &&
     [ "$(http status "BREW")" = "HTTP/1.1 400 Bad Request" ]'
silent=$(http silent)
check "a client that says nothing blocks nobody and is closed within 5 s ($silent)" eval \
    '[[ "$silent" =~ ^served\ closed-after-[3-6]$ ]]'
check "the listener is on loopback only" eval \
    '! netns_exec "$P" lvs-02 python3 -c "import socket; socket.create_connection((\"192.168.219.11\", 9694), 1)" 2>/dev/null'
# A real Prometheus server in lvs-01's namespace scrapes it every second.
if command -v prometheus >/dev/null; then
    mkdir -p "$state/prom"
    printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: heartbeat\n    static_configs:\n      - targets: ["127.0.0.1:9694"]\n' \
        >"$state/prom/prometheus.yml"
    netns_bg "$P" lvs-01 prometheus prometheus --config.file="$state/prom/prometheus.yml" \
        --storage.tsdb.path="$state/prom/data" --web.listen-address=127.0.0.1:9090
    # shellcheck disable=SC2016
    QUERY='
import json, sys, urllib.parse, urllib.request
q = urllib.parse.quote(sys.argv[1])
r = json.load(urllib.request.urlopen("http://127.0.0.1:9090/api/v1/query?query=" + q, timeout=2))
print(" ".join(x["value"][1] for x in r["data"]["result"]))
'
    scraped() { [ "$(netns_exec "$P" lvs-01 python3 -c "$QUERY" "$1" 2>/dev/null)" = "$2" ]; }
    check "Prometheus scrapes it: up is 1" wait_until 30 scraped 'up{job="heartbeat"}' 1
    check "…and sees lvs-02 active" \
        scraped 'heartbeat_node_status{node="lvs-02",status="active"}' 1
    netns_stop "$P" prometheus 10
else
    echo "note: prometheus missing (Debian's prometheus package), no scrape by a real server"
fi

# A reload that moves the file: the new one is written, the old one goes.
printf 'metrics_textfile /var/lib/heartbeat/other.prom\nmetrics_interval 1\nmetrics_listen 9695\n' \
    >"$state/conf-lvs-01/heartbeat-ng.cf"
kill -HUP "$(cluster_pid "$P" lvs-01)"
other=$state/nodes/lvs-01/lib/other.prom
check "a reload moves the page to the new file" wait_until 10 test -s "$other"
check "…and removes the old one" wait_until 3 test ! -e "$prom"
connects() { netns_exec "$P" lvs-01 python3 -c "import socket, sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 1)" "$1" 2>/dev/null; }
check "the listener moved with the reload: 9695 answers, 9694 is closed" eval \
    'wait_until 5 connects 9695 && ! connects 9694'
check "the reload is in the event history" eval \
    'netns_node_exec "$P" lvs-01 "$CL" events | grep -q "Configuration reloaded: .*metrics"'

# A bad line: named with file and line, by --check-config and at start.
printf 'metrics_textfile /var/lib/heartbeat/other.prom\nmetrics_interval 0\n' \
    >"$state/conf-lvs-02/heartbeat-ng.cf"
out=$("$HB" --check-config --config-dir "$state/conf-lvs-02" --node-name lvs-02 2>&1)
check "--check-config names heartbeat-ng.cf and its line" \
    grep -q "heartbeat-ng.cf:2: error: metrics_interval" <<<"$out"
[ $? -eq 0 ] || echo "$out" | sed 's/^/    /'
netns_stop_node "$P" lvs-02
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
gone() { ! _netns_alive "$(cluster_pid "$P" lvs-02)"; }
check "…and the daemon refuses to start on it" wait_until 5 gone
check "…saying why" grep -q "heartbeat-ng.cf:2: error: metrics_interval" \
    "$state/nodes/lvs-02/stderr" "$(cluster_log "$P" lvs-02)"

netns_stop_node "$P" lvs-01
check "a graceful stop removes the page (a stopped daemon's figures would look current)" \
    test ! -e "$other"
check "…and the event history, in the state directory, ends with the stop" eval \
    'tail -n 1 "$state/nodes/lvs-01/lib/events" | grep -q "\"kind\":\"daemon_stop\""'

finish lvs-01 lvs-02
