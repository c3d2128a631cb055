#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Metrics for node_exporter's textfile collector, switched on in heartbeat-ng.cf beside an
# unchanged ha.cf: two of ours, lvs-01 writing /var/lib/heartbeat/heartbeat.prom every
# second. The page follows lvs-02 from active to dead (kill -9) and back, Prometheus'
# `promtool check metrics` accepts it, a reload that moves the file removes the old one, a
# graceful stop removes it, and a bad heartbeat-ng.cf line is refused with file and line
# (by --check-config and at start, which then does not start).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbmetrics lvs-01 lvs-02
for h in lvs-01 lvs-02; do cluster_conf "$state/conf-$h" "1 sha1 secret"; done
printf 'metrics_textfile /var/lib/heartbeat/heartbeat.prom\nmetrics_interval 1\n' \
    >"$state/conf-lvs-01/heartbeat-ng.cf"
prom=$state/nodes/lvs-01/lib/heartbeat.prom  # the node's /var/lib/heartbeat, from outside
HB=$HB_STAGE/usr/libexec/heartbeat/heartbeat

shows() { grep -qxF -- "$1" "$prom" 2>/dev/null; }
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-01 writes the page with lvs-02 active" \
    wait_until 10 shows 'heartbeat_node_status{node="lvs-02",status="active"} 1'
check "…its link up" shows 'heartbeat_link_up{node="lvs-02",link="ens32"} 1'
check "…the file is 0644 (node_exporter runs as its own user)" test "$(stat -c %a "$prom")" = 644
received() { sed -n 's/^heartbeat_messages_received_total{node="lvs-02",link="ens32"} //p' "$prom"; }
first=$(received)
sleep 2.2
check "messages from lvs-02 counted as they come (${first:-none}, then $(received))" \
    test "$(received)" -gt "${first:-0}"
if command -v promtool >/dev/null; then
    out=$(promtool check metrics <"$prom" 2>&1)
    check "promtool check metrics accepts the page" eval '[ $? -eq 0 ] && [ -z "$out" ]'
    [ -z "$out" ] || echo "$out" | sed 's/^/    /'
else
    echo "note: promtool missing (Debian's prometheus package), page not checked by it"
fi

pid=$(cluster_pid "$P" lvs-02)
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "lvs-02's death shows (status dead, one death)" wait_until 6 eval \
    'shows "heartbeat_node_status{node=\"lvs-02\",status=\"dead\"} 1" &&
     shows "heartbeat_node_deaths_total{node=\"lvs-02\"} 1"'
check "…and its link down" shows 'heartbeat_link_up{node="lvs-02",link="ens32"} 0'
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-02 back: active, one return" wait_until 10 eval \
    'shows "heartbeat_node_status{node=\"lvs-02\",status=\"active\"} 1" &&
     shows "heartbeat_node_returns_total{node=\"lvs-02\"} 1"'

# A reload that moves the file: the new one is written, the old one goes.
printf 'metrics_textfile /var/lib/heartbeat/other.prom\nmetrics_interval 1\n' \
    >"$state/conf-lvs-01/heartbeat-ng.cf"
kill -HUP "$(cluster_pid "$P" lvs-01)"
other=$state/nodes/lvs-01/lib/other.prom
check "a reload moves the page to the new file" wait_until 10 test -s "$other"
check "…and removes the old one" wait_until 3 test ! -e "$prom"

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
finish lvs-01 lvs-02
