#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Our daemon and the real heartbeat 3.0.6 with different sha1 secrets: each refuses the
# other's packets as an authentication failure (and says so), and each declares the other
# dead once initdead has passed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_require_reference
cluster_begin hbbadkey lvs-01 lvs-02
CLUSTER_INITDEAD=10 cluster_conf "$state/conf-lvs-01" "1 sha1 ours-secret"
REAL=1 CLUSTER_INITDEAD=10 cluster_conf "$state/conf-lvs-02" "1 sha1 their-secret"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_real "$P" lvs-02 "$state/conf-lvs-02"

check "ours reports the real node's packets as failing authentication" \
    cluster_wait "$P" lvs-01 'dropped packet on ens32: bad_signature' 10
check "the real node reports our packets as failing authentication" \
    cluster_wait "$P" lvs-02 'authentication failed' 10
check "ours declares lvs-02 dead after initdead" cluster_wait "$P" lvs-01 'node lvs-02: is dead' 15
check "the real node declares lvs-01 dead after initdead" \
    cluster_wait "$P" lvs-02 'node lvs-01: is dead' 15
out=$(netns_node_exec "$P" lvs-02 /usr/bin/cl_status nodestatus lvs-01 2>&1)
check "real cl_status nodestatus lvs-01 = dead (got: $out)" test "$out" = dead
check "ours never saw lvs-02 up" \
    bash -c "! grep -q 'Status update for node lvs-02' '$(cluster_log "$P" lvs-01)'"
check "ours still went active alone (comm up with the peer dead)" \
    cluster_wait "$P" lvs-01 "Local status now set to: 'active'" 1

finish lvs-01 lvs-02
