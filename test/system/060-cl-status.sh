#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cl_status, word for word. One scenario, run in three ways:
#   capture  the REAL heartbeat 3.0.6 on both nodes, the REAL /usr/bin/cl_status:
#            writes the golden transcripts test/data/cl_status/<situation>.txt
#   ours     OUR daemon on both nodes, OUR cl_status ($HB_STAGE/usr/bin/cl_status)
#   orig     OUR daemon on both nodes, the ORIGINAL /usr/bin/cl_status (Debian's, linked
#            against the original client library)
# `ours` and `orig` compare what they record with the golden files, byte for byte after
# normalising the syslog-style prefix of error lines (time and PID).
#
# Situations: normal (both up and stable, lvs-01 holds the VIP), usage errors, peer-dead,
# failover (a slow resource start still running on the survivor), permission (unprivileged
# users), hung (the daemon stopped with SIGSTOP: the 5 s alarm), stopped (no daemon).
#
# Transcript format: `$ ARGS` per command, then its stdout lines prefixed `| `, its stderr
# lines prefixed `! `, and `= EXIT`.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
MODE=${1:-ours}
GOLDEN=${GOLDEN:-$HERE/../data/cl_status}
ORIG_CL_STATUS=/usr/bin/cl_status
VIP=192.168.219.100

case "$MODE" in
capture)
    cluster_require_reference
    PFX=hbclcap
    ;;
ours)
    PFX=hbclours
    ;;
orig)
    cluster_require_reference
    PFX=hbclorig
    ;;
*) echo "usage: $0 capture|ours|orig"; exit 2 ;;
esac
[ -x "$ORIG_CL_STATUS" ] || [ "$MODE" = ours ] || { echo "SKIP: $ORIG_CL_STATUS missing"; exit 77; }
if [ "$MODE" = capture ]; then
    netns_require_root
    export HB_STAGE=${HB_STAGE:-/nonexistent}
    trap 'netns_cleanup "$PFX"' EXIT
    trap 'exit 130' INT TERM
    P=$PFX
    netns_setup "$P" lvs-01 lvs-02 client || { echo "FAIL setup"; exit 1; }
    state=$(netns_state_dir "$P")
else
    cluster_begin "$PFX" lvs-01 lvs-02 client
fi

# The client under test, and copies for the permission checks: one without set-group-id
# (what a user's own program gets) and one set-group-id haclient (as Debian installs it).
mkdir -p "$state/plain" "$state/sgid" "$state/out"
if [ "$MODE" = capture ]; then
    DAEMON=$REAL_HEARTBEAT
else
    DAEMON=$HB_STAGE/usr/libexec/heartbeat/heartbeat
fi
if [ "$MODE" = ours ]; then
    CL="$HB_STAGE/usr/bin/cl_status"
else
    CL=$ORIG_CL_STATUS
fi
[ -x "$CL" ] || { echo "FAIL: $CL missing"; exit 1; }
install -m 0755 "$CL" "$state/plain/cl_status"
HAVE_HACLIENT=0
if getent group haclient >/dev/null; then
    HAVE_HACLIENT=1
    install -m 2755 -g haclient "$CL" "$state/sgid/cl_status"
fi
chmod 0755 "$state" "$state/plain" "$state/sgid"

start_node() { # HOST
    if [ "$MODE" = capture ]; then
        cluster_start_real "$P" "$1" "$state/conf-$1"
    else
        cluster_start_ours "$P" "$1" "$state/conf-$1"
    fi
}

# A resource whose start takes 4 s: holds the survivor in `transition` long enough to ask.
slow_script() {
    cat <<'EOS'
#!/bin/sh
# Test resource: a start that takes 4 s.
flag=/run/heartbeat/slow.running
case "$1" in
start) sleep 4; touch "$flag" ;;
stop) rm -f "$flag" ;;
status) if [ -e "$flag" ]; then echo running; else echo stopped; fi ;;
esac
exit 0
EOS
}

export HARESOURCES="lvs-01 IPaddr::$VIP/24/ens32:0/192.168.219.255 Slow"
for h in lvs-01 lvs-02; do
    if [ "$MODE" = capture ]; then
        REAL=1 cluster_conf "$state/conf-$h" "1 sha1 secret"
    else
        cluster_conf "$state/conf-$h" "1 sha1 secret" "env BIN=$HB_STAGE/usr/libexec/heartbeat"
    fi
    slow_script >"$state/conf-$h/resource.d/Slow"
    chmod 0755 "$state/conf-$h/resource.d/Slow"
done

# Recording. SITUATION is the transcript being written.
SITUATION=
begin_situation() { SITUATION=$1; : >"$state/out/$1.txt"; }
# The build part of the version differs on purpose: 3.0.6 prints its Mercurial node, we
# print ours (both start with 3.0.6, which is what scripts compare).
normalise_stdout() {
    sed -E 's/^(.*)3\.0\.6 \((node: [0-9a-f]+|heartbeat C\+\+ [0-9.]+)\)/\13.0.6 (<build>)/'
}
normalise_stderr() {
    sed -E -e 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /<time> /' \
        -e 's/cl_status: \[[0-9]+\]/cl_status: [<pid>]/'
}
# run_as HOST WHO ARGS... : WHO = root | nobody (plain copy) | nobody-sgid | nobody-haclient
# (plain copy, haclient only as a supplementary group).
run_as() {
    local host=$1 who=$2 rc
    shift 2
    local out="$state/cmd.out" err="$state/cmd.err"
    case "$who" in
    root) netns_node_exec "$P" "$host" "$CL" "$@" >"$out" 2>"$err" ;;
    nobody) netns_node_exec "$P" "$host" setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$state/plain/cl_status" "$@" >"$out" 2>"$err" ;;
    nobody-sgid) netns_node_exec "$P" "$host" setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$state/sgid/cl_status" "$@" >"$out" 2>"$err" ;;
    nobody-haclient) netns_node_exec "$P" "$host" setpriv --reuid=65534 --regid=65534 \
        --groups="$(getent group haclient | cut -d: -f3)" "$state/plain/cl_status" "$@" >"$out" 2>"$err" ;;
    esac
    rc=$?
    {
        if [ "$who" = root ]; then echo "\$ cl_status $*"; else echo "\$ ($who) cl_status $*"; fi
        normalise_stdout <"$out" | sed 's/^/| /'
        normalise_stderr <"$err" | sed 's/^/! /'
        echo "= $rc"
    } >>"$state/out/$SITUATION.txt"
}
cl() { run_as "$@"; }
# hb_cmd HOST ARGS... : the daemon's own command line (heartbeat -s / -k), recorded the same
# way; the daemon is 3.0.6's in capture mode, ours otherwise.
hb_cmd() {
    local host=$1 rc
    shift
    netns_node_exec "$P" "$host" "$DAEMON" "$@" >"$state/cmd.out" 2>"$state/cmd.err"
    rc=$?
    {
        echo "\$ heartbeat $*"
        sed -E 's/\[pid [0-9]+ /[pid <pid> /' "$state/cmd.out" | sed 's/^/| /'
        sed 's/^/! /' "$state/cmd.err"
        echo "= $rc"
    } >>"$state/out/$SITUATION.txt"
}
cl_root() { local h=$1; shift; run_as "$h" root "$@"; }

node_is() { # HOST NODE STATUS : cl_status (the one under test) on HOST says NODE is STATUS
    [ "$(netns_node_exec "$P" "$1" "$CL" nodestatus "$2" 2>/dev/null)" = "$3" ]
}
rsc_is() { [ "$(netns_node_exec "$P" "$1" "$CL" rscstatus 2>/dev/null)" = "$2" ]; }

start_node lvs-01
start_node lvs-02
check "start: the VIP on lvs-01" wait_until 40 has_addr lvs-01 "$VIP"
check "lvs-01 stable (rscstatus local)" wait_until 30 rsc_is lvs-01 local
check "lvs-02 stable" wait_until 30 rsc_is lvs-02 local
sleep 2

begin_situation normal
for args in "hbstatus" "hbstatus -v" "hbstatus -m" "hbstatus -m -v" \
    "listnodes" "listnodes -n" "listnodes -p" "listnodes -v" "listnodes -m" "listnodes -n -v -m" \
    "nodestatus lvs-01" "nodestatus lvs-02" "nodestatus LVS-02" "nodestatus -m lvs-02" \
    "nodetype lvs-02" "nodetype -m lvs-01" "nodeweight lvs-02" "nodeweight -m lvs-02" \
    "nodesite lvs-02" "nodesite -m lvs-02" \
    "listhblinks lvs-01" "listhblinks lvs-02" "listhblinks -v lvs-02" "listhblinks lvs-02 -v" \
    "listhblinks -m lvs-02" "hblinkstatus lvs-02 ens32" "hblinkstatus -m lvs-01 ens32" \
    "clientstatus lvs-02 ipfail 3000" "clientstatus lvs-01 ipfail 3000" "clientstatus -m lvs-02 ipfail 3000" \
    "rscstatus" "rscstatus -m" \
    "hbparameter -p keepalive" "hbparameter -p deadtime" "hbparameter -p warntime" \
    "hbparameter -p initdead" "hbparameter -p udpport" "hbparameter -p auto_failback" \
    "hbparameter -p logfile" "hbparameter -p hbversion" "hbparameter -p baud" \
    "hbparameter -p node" "hbparameter -m -p deadtime" "hbparameter -p nosuch"; do
    # shellcheck disable=SC2086 # word splitting is the point
    cl_root lvs-01 $args
done
for args in "listnodes" "rscstatus" "nodestatus lvs-01" "hbstatus -v"; do
    # shellcheck disable=SC2086
    cl_root lvs-02 $args
done
hb_cmd lvs-01 -s

begin_situation usage
for args in "" "-h" "help" "bogus" "nodestatus" "nodetype" "nodeweight" "nodesite" \
    "listhblinks" "hblinkstatus lvs-02" "clientstatus lvs-02" "hbparameter" \
    "hbparameter -p" "parameter -p keepalive" "nodestatus nosuch" "nodetype nosuch" \
    "nodeweight nosuch" "nodesite nosuch" "listhblinks nosuch" "hblinkstatus lvs-02 eth9" \
    "hblinkstatus nosuch ens32" "clientstatus nosuch ipfail" "listnodes -x" "hbstatus -z"; do
    # shellcheck disable=SC2086
    cl_root lvs-01 $args
done

if [ "$HAVE_HACLIENT" = 1 ]; then
    begin_situation permission
    cl lvs-01 nobody hbstatus
    cl lvs-01 nobody listnodes
    cl lvs-01 nobody rscstatus
    cl lvs-01 nobody-haclient hbstatus
    cl lvs-01 nobody-haclient nodestatus lvs-02
    cl lvs-01 nobody-sgid hbstatus
    cl lvs-01 nobody-sgid nodestatus lvs-02
    cl lvs-01 nobody-sgid rscstatus
fi

# lvs-02 dies (kill -9): lvs-01 keeps its group.
kill -KILL "$(cluster_pid "$P" lvs-02)"
check "lvs-01 sees lvs-02 dead" wait_until 15 node_is lvs-01 lvs-02 dead
check "lvs-01 stable again (rscstatus all)" wait_until 15 rsc_is lvs-01 all
begin_situation peer-dead
for args in "nodestatus lvs-02" "nodestatus -m lvs-02" "hblinkstatus lvs-02 ens32" \
    "listhblinks -v lvs-02" "listnodes -v" "hbstatus -v" "rscstatus" "nodestatus lvs-01" \
    "clientstatus lvs-02 ipfail 3000"; do
    # shellcheck disable=SC2086
    cl_root lvs-01 $args
done

# lvs-02 back; then lvs-01 dies and lvs-02 takes the group over (4 s of Slow start).
start_node lvs-02
check "lvs-02 back: lvs-01 sees it active" wait_until 30 node_is lvs-01 lvs-02 active
check "lvs-02 stable" wait_until 30 rsc_is lvs-02 local
sleep 2
kill -KILL "$(cluster_pid "$P" lvs-01)"
check "lvs-02 sees lvs-01 dead" wait_until 15 node_is lvs-02 lvs-01 dead
begin_situation failover
for args in "rscstatus" "rscstatus -m" "nodestatus lvs-01" "hbstatus"; do
    # shellcheck disable=SC2086
    cl_root lvs-02 $args
done
check "the takeover ends (rscstatus all)" wait_until 30 rsc_is lvs-02 all
for args in "rscstatus" "listnodes -v"; do
    # shellcheck disable=SC2086
    cl_root lvs-02 $args
done

# The daemon frozen: cl_status gives up after its 5 s alarm.
begin_situation hung
kill -STOP "$(cluster_pid "$P" lvs-02)"
cl_root lvs-02 nodestatus lvs-02
kill -CONT "$(cluster_pid "$P" lvs-02)"

# No daemon at all: a node namespace whose first process is only a shell.
kill -TERM "$(cluster_pid "$P" lvs-02)"
for _ in $(seq 1 100); do
    kill -0 "$(cluster_pid "$P" lvs-02)" 2>/dev/null || break
    sleep 0.2
done
netns_run_node "$P" lvs-02 "$state/conf-lvs-02" sleep 120
sleep 0.5
begin_situation stopped
for args in "hbstatus" "hbstatus -v" "listnodes" "nodestatus lvs-01" "rscstatus" "-h"; do
    # shellcheck disable=SC2086
    cl_root lvs-02 $args
done
hb_cmd lvs-02 -s
hb_cmd lvs-02 -k

if [ "$MODE" = capture ]; then
    mkdir -p "$GOLDEN"
    cp "$state"/out/*.txt "$GOLDEN/"
    ls -l "$GOLDEN"
else
    for f in "$state"/out/*.txt; do
        name=$(basename "$f")
        if [ ! -e "$GOLDEN/$name" ]; then
            check "golden $name exists" false
            continue
        fi
        if diff -u "$GOLDEN/$name" "$f" >"$state/diff.txt"; then
            check "transcript ${name%.txt} matches 3.0.6 ($MODE)" true
        else
            check "transcript ${name%.txt} matches 3.0.6 ($MODE)" false
            head -80 "$state/diff.txt"
        fi
    done
fi
finish lvs-01 lvs-02
