#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# heartbeat 3.0.6's own API exerciser, /usr/libexec/heartbeat/api_test (Debian's heartbeat
# package), run against our daemon on lvs-01 and against the real 3.0.6 on lvs-02 in one
# cluster. It signs on (as client `ping`), reads the parameters, walks the nodes and their
# links, sends a `ping` to the cluster and answers every `ping` with ten `pingreply`s. Both
# runs must get as far and see the same cluster; their outputs are printed for the record.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
API_TEST=/usr/libexec/heartbeat/api_test
[ -x "$API_TEST" ] || { echo "SKIP: $API_TEST (Debian's heartbeat package) is missing"; exit 77; }
cluster_require_reference
cluster_begin hbapitest lvs-01 lvs-02
# api_test signs on as `ping`, which the built-in apiauth allows to group haclient only.
cluster_conf "$state/conf-lvs-01" "1 sha1 secret" "apiauth ping uid=root"
REAL=1 cluster_conf "$state/conf-lvs-02" "1 sha1 secret" "apiauth ping uid=root"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"
check "the pair sees each other" cluster_wait "$P" lvs-01 'Status update for node lvs-02: status active' 20

# Both at once, so each one's `ping` reaches the other: SIGINT ends them (api_test's quit).
runs=()
for h in lvs-01 lvs-02; do
    netns_node_exec "$P" "$h" timeout -k 3 -s INT 20 "$API_TEST" >"$state/api_test-$h.out" 2>&1 &
    runs+=($!)
done
wait "${runs[@]}"  # only these: the daemons are this shell's children too
for h in lvs-01 lvs-02; do
    daemon=ours
    [ "$h" = lvs-02 ] && daemon="the real 3.0.6"
    echo "---- api_test against $daemon ($h)"
    sed -E 's/^[A-Za-z]{3} [ 0-9]{2} [0-9:]{8} //; s/\[[0-9]+\]/[PID]/' "$state/api_test-$h.out"
done
# 3.0.6 itself is the yardstick: its own run (on lvs-02) sometimes fails its interface
# walk of the other node, and its client gets no messages here. So ours must get at least
# as far as 3.0.6's run did, report the same parameters, and answer a ping that reaches it.
milestones=("Signing in with heartbeat" "Starting node walk" "Sleeping\.\.\."
            "Sent ping request to cluster" "Waiting for messages\.\.\.")
reached() { # HOST : how many milestones, in order, HOST's run reached
    local n=0 m
    for m in "${milestones[@]}"; do
        grep -Eq "$m" "$state/api_test-$1.out" || break
        n=$((n + 1))
    done
    echo "$n"
}
ours=$(reached lvs-01)
real=$(reached lvs-02)
echo "milestones reached: ours $ours, the real 3.0.6 $real (of ${#milestones[@]})"
check "ours gets as far as 3.0.6 ($ours >= $real)" test "$ours" -ge "$real"
check "…and through to waiting for messages" test "$ours" -eq "${#milestones[@]}"
params() { grep -E 'Parameter [a-z_]+ is|Parameter [a-z_]+ is not' "$state/api_test-$1.out" |
    grep -v hbversion | sed -E 's/^.*\]: //'; }
check "the same parameters as 3.0.6 reports (normalpoll missing in both)" \
    diff <(params lvs-01) <(params lvs-02)
check "ours: the node walk sees both nodes active" \
    bash -c "grep -q 'Cluster node: lvs-01: status: active' '$state/api_test-lvs-01.out' && grep -q 'Cluster node: lvs-02: status: active' '$state/api_test-lvs-01.out'"
check "ours: the interface walk of both nodes works" \
    bash -c "grep -q 'node lvs-01: intf: ens32 ifstatus: up' '$state/api_test-lvs-01.out' && grep -q 'node lvs-02: intf: ens32 ifstatus: up' '$state/api_test-lvs-01.out'"
check "ours: no request failed" bash -c "! grep -Eq 'FAIL|Cannot|REASON: .+' '$state/api_test-lvs-01.out'"
check "ours hands its client its own ping too, as 3.0.6 does" \
    grep -Eq 'Got message [0-9]+ of type \[ping\] from \[lvs-01\]' "$state/api_test-lvs-01.out"
if grep -q 'Sent ping request to cluster' "$state/api_test-lvs-02.out"; then
    check "ours delivers 3.0.6's api_test ping to its client" \
        grep -Eq 'Got message [0-9]+ of type \[ping\] from \[lvs-02\]' "$state/api_test-lvs-01.out"
    check "…which answers it ten times" grep -q 'Sent ping reply(9) to \[lvs-02\]' "$state/api_test-lvs-01.out"
fi

finish lvs-01 lvs-02
