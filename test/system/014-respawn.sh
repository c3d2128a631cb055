#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `respawn` and `failfast` with two of ours. A stand-in client records each start (name,
# pid, uid) and then does what its mode file says. What is checked:
# - the clients start after comm up, as their user (`nobody` through setpriv);
# - a killed one is started again;
# - one that exits 100 is not;
# - one that keeps dying is given up after its eleventh quick death ("respawning too fast");
# - a failfast client's death makes that node give its resources up, tell the peer, and
#   exit 1, without rebooting;
# - a graceful stop ends the clients, the last one first, before heartbeat exits.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
cluster_begin hbresp lvs-01 lvs-02
kids=$(mktemp -d /tmp/hb-respawn.XXXXXX)
trap 'rm -rf "$kids"; netns_cleanup "$P"' EXIT
chmod 755 "$kids"
cat >"$kids/client.sh" <<'SH'
#!/bin/sh
# client.sh NAME: one line per start in starts, then what mode-NAME says.
dir=$(dirname "$0")
echo "$1 $$ $(id -u)" >>"$dir/starts"
case "$(cat "$dir/mode-$1" 2>/dev/null)" in
exit100) exit 100 ;;
exit1) exit 1 ;;
esac
exec sleep 600
SH
chmod 755 "$kids/client.sh"
: >"$kids/starts"
chmod 666 "$kids/starts"
echo exit1 >"$kids/mode-fast"

cluster_conf "$state/conf-lvs-01" "1 sha1 secret" "respawn root $kids/client.sh alpha
respawn nobody $kids/client.sh beta"
cluster_conf "$state/conf-lvs-02" "1 sha1 secret" "respawn nobody $kids/client.sh fast
failfast root $kids/client.sh guard"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"

starts_of() { grep -c "^$1 " "$kids/starts"; }
pid_of() { grep "^$1 " "$kids/starts" | tail -1 | cut -d' ' -f2; }
uid_of() { grep "^$1 " "$kids/starts" | tail -1 | cut -d' ' -f3; }
started() { [ "$(starts_of "$1")" -ge "$2" ]; }

check "after comm up alpha starts" wait_until 10 started alpha 1
check "…and beta" wait_until 5 started beta 1
check "alpha runs as root" test "$(uid_of alpha)" = 0
check "beta runs as nobody (setpriv)" test "$(uid_of beta)" = "$(id -u nobody)"
check "the start is logged as 3.0.6 logs it" \
    cluster_wait "$P" lvs-01 "Starting child client \"$kids/client.sh alpha\" \\(0,0\\)" 1

kill -9 "$(pid_of alpha)"
check "a killed client is started again" wait_until 5 started alpha 2
check "…and says so" cluster_wait "$P" lvs-01 "Respawning client \"$kids/client.sh alpha\":" 1

echo exit100 >"$kids/mode-alpha"
kill -9 "$(pid_of alpha)"
check "restarted once more, it exits 100" wait_until 5 started alpha 3
sleep 2
check "…and is not started again" test "$(starts_of alpha)" = 3

check "a client that keeps dying is given up" \
    cluster_wait "$P" lvs-02 "Client $kids/client.sh fast \"respawning too fast\"" 10
n=$(starts_of fast)
check "…at its eleventh quick death (11 starts, got $n)" test "$n" = 11
sleep 1
check "…and stays given up" test "$(starts_of fast)" = "$n"

check "the failfast guard runs on lvs-02" wait_until 5 started guard 1
pid2=$(cluster_pid "$P" lvs-02)
kill -9 "$(pid_of guard)"
check "its death is the failfast action, not a reboot" \
    cluster_wait "$P" lvs-02 "failfast client $kids/client.sh guard died: release resources and exit" 5
check "lvs-02 leaves the cluster properly" \
    cluster_wait "$P" lvs-01 "Received shutdown notice from 'lvs-02'\\." 10
check "…and its daemon is gone" wait_until 5 bash -c "! kill -0 $pid2 2>/dev/null"
check "the guard was not started again" test "$(starts_of guard)" = 1

beta=$(pid_of beta)
netns_node_exec "$P" lvs-01 "$HB_STAGE/usr/libexec/heartbeat/heartbeat" -k
check "a graceful stop ends the clients" bash -c "! kill -0 $beta 2>/dev/null"
check "…the last one first" bash -c "grep -o 'Shutting down client .*' '$(cluster_log "$P" lvs-01)' | head -1 | grep -q 'beta'"
check "…before heartbeat says it is done" cluster_wait "$P" lvs-01 'Heartbeat shutdown complete' 3

finish lvs-01 lvs-02
