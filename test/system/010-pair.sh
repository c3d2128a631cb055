#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two of our daemons as lvs-01 and lvs-02 (tutorial topology, short timings): they see
# each other active with link ens32 up; kill -9 of one → the other declares it dead
# within deadtime + one keepalive; it comes back with a new generation and is active again.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbpair lvs-01 lvs-02
for h in lvs-01 lvs-02; do
    cluster_conf "$state/conf-$h" "1 sha1 secret"
done
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"

check "lvs-01 sees lvs-02 active" cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 10
check "lvs-02 sees lvs-01 active" cluster_wait "$P" lvs-02 'Status update for node lvs-01: status active' 10
check "lvs-01: link lvs-02:ens32 up" cluster_wait "$P" lvs-01 'Link lvs-02:ens32 up\.' 1
check "lvs-02: link lvs-01:ens32 up" cluster_wait "$P" lvs-02 'Link lvs-01:ens32 up\.' 1
check "lvs-01 is active" cluster_wait "$P" lvs-01 "Local status now set to: 'active'" 1

# Past the first 5 s, when a node still advertises deadtime + 2 s (as 3.0.6 does).
sleep 6
check "no late heartbeat in normal operation" \
    bash -c "! grep -q 'Late heartbeat' '$(cluster_log "$P" lvs-01)'"
kill -9 "$(cluster_pid "$P" lvs-02)"
killed=$(now_ms)
# deadtime 2 s + keepalive 0.5 s, plus the 0.2 s log polling.
if cluster_wait "$P" lvs-01 'node lvs-02: is dead' 5; then
    took=$(($(now_ms) - killed))
    echo "lvs-02 declared dead ${took} ms after kill -9 (deadtime 2000 + keepalive 500)"
    check "declared dead within deadtime + keepalive (+ polling)" test "$took" -le 2700
    check "declared dead no earlier than deadtime - keepalive" test "$took" -ge 1500
else
    check "lvs-01 declares lvs-02 dead" false
fi
check "link lvs-02:ens32 dead" cluster_wait "$P" lvs-01 'Link lvs-02:ens32 dead\.' 3

# Back with a new generation (the state dir survives, as a disk would).
netns_stop "$P" lvs-02 5
gen_before=$(tr -d ' \n' <"$state/nodes/lvs-02/lib/hb_generation")
mv "$(cluster_log "$P" lvs-02)" "$(cluster_log "$P" lvs-02).1"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "restarted lvs-02 is active again" \
    cluster_wait "$P" lvs-02 'Status update for node lvs-01: status active' 10
gen_after=$(tr -d ' \n' <"$state/nodes/lvs-02/lib/hb_generation")
check "generation bumped on restart ($gen_before -> $gen_after)" test "$gen_after" -eq $((gen_before + 1))
sleep 1
check "lvs-01 sees the restarted lvs-02 active" \
    bash -c "tail -n 20 '$(cluster_log "$P" lvs-01)' | grep -q 'Status update for node lvs-02: status active'"

# kill -STOP: a short stall is a late heartbeat for the peer, nothing more; a stall past
# deadtime gets lvs-01 declared dead, and when it runs again it is back "after partition"
# and knows it stalled.
pid1=$(cluster_pid "$P" lvs-01)
kill -STOP "$pid1"; sleep 1.2; kill -CONT "$pid1"
check "lvs-02 warns of lvs-01's late heartbeat, with the interval" \
    cluster_wait "$P" lvs-02 'WARN: Late heartbeat: Node lvs-01: interval [0-9]+ ms' 3
check "a stall under deadtime kills nobody" \
    bash -c "! grep -q 'node lvs-01: is dead' '$(cluster_log "$P" lvs-02)'"
kill -STOP "$pid1"; sleep 3; kill -CONT "$pid1"
check "a stall past deadtime: lvs-02 declares lvs-01 dead" \
    cluster_wait "$P" lvs-02 'node lvs-01: is dead' 3
check "lvs-01 logs its own stall" \
    cluster_wait "$P" lvs-01 'Late heartbeat: Node lvs-01: interval [0-9]+ ms \(our own' 3
check "lvs-02 sees lvs-01 return after partition" \
    cluster_wait "$P" lvs-02 'Cluster node lvs-01 returning after partition\.' 3
sleep 1
check "and active again" \
    bash -c "sed -n '/returning after partition/,\$p' '$(cluster_log "$P" lvs-02)' | grep -q 'Status update for node lvs-01: status active'"

# heartbeat -r: a new key on both nodes, reloaded without a restart (the old key stays
# listed for the rollover, as authkeys allows).
mv "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-01).2"
for h in lvs-01 lvs-02; do
    printf 'auth 2\n1 sha1 secret\n2 sha1 rolled-over\n' >"$state/conf-$h/authkeys"
    netns_node_exec "$P" "$h" "$HB_STAGE/usr/libexec/heartbeat/heartbeat" -r >/dev/null 2>&1
done
check "lvs-01 reloaded its keys on -r" cluster_wait "$P" lvs-01 'Authentication keys reloaded \(signing with key 2\)' 5
check "lvs-02 reloaded its keys on -r" cluster_wait "$P" lvs-02 'Authentication keys reloaded \(signing with key 2\)' 5
sleep 3
check "still active with each other after the key change" \
    bash -c "! grep -Eq 'is dead|dropped packet' '$(cluster_log "$P" lvs-01)'"

# SIGHUP compares whole configurations, checked in a child process: a comment changes
# nothing, a changed value asks for a restart, a broken file keeps the running one.
ha=$state/conf-lvs-01/ha.cf
reload_01() { netns_node_exec "$P" lvs-01 "$HB_STAGE/usr/libexec/heartbeat/heartbeat" -r >/dev/null 2>&1; }
printf '# reviewed\n' >>"$ha"
reload_01
check "SIGHUP after a comment: Configuration unchanged." \
    cluster_wait "$P" lvs-01 'Configuration unchanged\.' 5
sed -i 's/^warntime .*/warntime 1500ms/' "$ha"
reload_01
check "SIGHUP after a changed warntime: applied in place" \
    cluster_wait "$P" lvs-01 'Configuration reloaded: timing, api' 5
check "…cl_status reads the new warntime" test "$(netns_node_exec "$P" lvs-01 \
    "$HB_STAGE/usr/bin/cl_status" hbparameter -p warntime 2>/dev/null)" = 1500ms
printf 'deadtime ten\n' >>"$ha"
kill -HUP "$(cluster_pid "$P" lvs-01)"
check "SIGHUP with a broken ha.cf: the running configuration stays" \
    cluster_wait "$P" lvs-01 'SIGHUP: configuration has errors; keeping the running one' 5
check "…and the log names file, line and problem" \
    cluster_wait "$P" lvs-01 "ha\.cf:[0-9]+(:[0-9]+)?: error: .*'ten'" 1
sed -i '$d' "$ha"
check "…while heartbeats go on" \
    bash -c "! grep -Eq 'is dead|Late heartbeat' '$(cluster_log "$P" lvs-01)'"

# heartbeat -s / -k inside the node, as the init script uses them.
ours=$HB_STAGE/usr/libexec/heartbeat/heartbeat
out=$(netns_node_exec "$P" lvs-02 "$ours" -s 2>&1)
check "heartbeat -s reports it running (got: $out)" \
    bash -c "grep -Eq '^heartbeat OK \[pid [0-9]+ et al\] is running on lvs-02 \[lvs-02\]\.\.\.$' <<<'$out'"
pid=$(cluster_pid "$P" lvs-02)
netns_node_exec "$P" lvs-02 "$ours" -k
check "heartbeat -k returns once the daemon is gone" bash -c "! kill -0 $pid 2>/dev/null"
check "graceful stop logs shutdown complete" \
    cluster_wait "$P" lvs-02 'Heartbeat shutdown complete' 5
check "the peer was told (shutdone)" \
    cluster_wait "$P" lvs-01 "Received shutdown notice from 'lvs-02'\." 3

finish lvs-01 lvs-02
