#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hb_standby / hb_takeover (installed under both names in /usr/share/heartbeat, as Debian
# does). Arguments, usage text and exit codes are the originals'; the request goes through
# the daemon's FIFO exactly as 3.0.6's scripts send it, so this also works against a real
# 3.0.6 daemon. New: the script waits until the move is done, by watching what this node
# holds (`cl_status rscstatus`), and says how it ended.
#
#   hb_standby  [all|foreign|local|failback]   give up those resources (default all)
#   hb_takeover [all|foreign|local|failback]   take them (default all)
#
# Environment: HB_WAIT  seconds to wait for the move (default 120; 0 = do not wait)
#              CL_STATUS  the cl_status to ask (default /usr/bin/cl_status)
#              HA_FIFO    the daemon's FIFO (default /var/lib/heartbeat/fifo)
set -u
me=$0
case ${0##*/} in
hb_takeover) action=takeover ;;
*) action=standby ;;
esac
FIFO=${HA_FIFO:-/var/lib/heartbeat/fifo}
CL_STATUS=${CL_STATUS:-/usr/bin/cl_status}
WAIT=${HB_WAIT:-120}

usage() {
    echo "usage:"
    echo "$me [all|foreign|local|failback]" >&2
    exit 1
}

if [ $# -ge 2 ]; then
    echo "$me: too many arguments"
    usage
fi
resources=${1:-all}
case $resources in
all | foreign | local | failback) ;;
--help) usage ;;
*)
    echo "$me: wrong resources($resources)."
    usage
    ;;
esac

# What this node should hold once the move is done: a set of {local, foreign}.
has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
to_set() {
    case $1 in
    all) echo "local foreign" ;; local) echo "local" ;; foreign) echo "foreign" ;; *) echo "" ;;
    esac
}
from_set() {
    if has "$1" local && has "$1" foreign; then echo all
    elif has "$1" local; then echo local
    elif has "$1" foreign; then echo foreign
    else echo none
    fi
}
# failback: standby gives up the foreign groups; takeover asks the peer for ours only.
case $action/$resources in
standby/failback) moved=foreign ;;
takeover/failback) moved=local ;;
*) moved=$resources ;;
esac

rscstatus() { "$CL_STATUS" rscstatus 2>/dev/null; }

if [ ! -p "$FIFO" ]; then
    echo "$me: $FIFO is missing: is heartbeat running?" >&2
    exit 1
fi
if [ "$("$CL_STATUS" hbparameter -p auto_failback 2>/dev/null)" = legacy ]; then
    echo "$me: auto_failback is legacy: heartbeat ignores standby and takeover requests" >&2
    exit 1
fi
before=$(rscstatus)
if [ "$action" = standby ]; then
    # Someone must be there to take the resources over.
    peers=$("$CL_STATUS" listnodes -n 2>/dev/null)
    # uname -n without two programs (each costs the move milliseconds on a busy machine).
    me_node=''
    read -r me_node </proc/sys/kernel/hostname 2>/dev/null || me_node=$(uname -n)
    case $me_node in *[A-Z]*) me_node=$(printf '%s' "$me_node" | tr '[:upper:]' '[:lower:]') ;; esac
    alive=0
    for n in $peers; do
        [ "$n" = "$me_node" ] && continue
        case $("$CL_STATUS" nodestatus "$n" 2>/dev/null) in active) alive=1 ;; esac
    done
    if [ "$alive" = 0 ] && [ -n "$peers" ]; then
        echo "$me: no other node is active: nobody could take the resources; nothing done" >&2
        exit 1
    fi
fi

if [ "$action" = standby ]; then
    [ "$resources" = failback ] && resources=foreign
    echo "Going standby [$resources]."
    printf '>>>\nt=ask_resources\nrsc_hold=%s\ninfo=me\n<<<\n' "$resources" >>"$FIFO" || exit 1
else
    echo "Taking over [$resources]."
    printf '>>>\nt=hb_takeover\nrsc_hold=%s\n<<<\n' "$resources" >>"$FIFO" || exit 1
fi
[ "$WAIT" = 0 ] && exit 0

# The target: what we held, with the moved set removed (standby) or added (takeover).
held=$(to_set "$before")
[ "$before" = transition ] && held="local foreign"
target=""
for part in local foreign; do
    if [ "$action" = standby ]; then
        has "$held" "$part" && ! has "$(to_set "$moved")" "$part" && target="$target $part"
    else
        { has "$held" "$part" || has "$(to_set "$moved")" "$part"; } && target="$target $part"
    fi
done
want=$(from_set "$target")

# Done when the node holds the target, stably, after the request was seen to act (a
# transition or a change) - or after a second if there was nothing to move.
i=0
now=""
moving=0
while [ "$i" -lt $((WAIT * 5)) ]; do
    now=$(rscstatus)
    { [ "$now" = transition ] || [ "$now" != "$before" ]; } && moving=1
    if [ "$now" = "$want" ] && { [ "$moving" = 1 ] || [ "$i" -ge 5 ]; }; then
        echo "Done: this node now holds $now resources."
        exit 0
    fi
    sleep 0.2
    i=$((i + 1))
done
echo "$me: the move did not finish within $WAIT s (this node holds ${now:-unknown} resources, expected $want)" >&2
exit 1
