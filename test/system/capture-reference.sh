#!/bin/bash
# Capture reference packets of the real Debian heartbeat 3.0.6 in the tutorial
# topology (lvs-01, lvs-02, client in network namespaces, see lib/netns.sh).
#
# For each auth method (default: crc sha1 md5) it
#   1. builds the topology, starts tcpdump in `client` (udp port 694),
#   2. starts the real daemon (`heartbeat -f`) on lvs-01 and lvs-02 at once,
#   3. lets them run RUN_SECONDS (default 25: past initdead 10 and the fixed
#      10 s start delay, so lvs-01 acquires the VIP),
#   4. stops lvs-02 gracefully (SIGTERM, waits for exit), then lvs-01,
#   5. writes ref-<method>.pcap and <method>-<type>.bin payloads (one per message
#      type) to OUT (default: test/data/packets next to this script), and, when
#      LOGDIR is set, the nodes' ha-log/ha-debug/stderr to LOGDIR/<method>/.
#
# Requires root and the real heartbeat (lib/install-reference.sh installs it with a
# policy-rc.d that forbids starting services). Exit 77 = skipped.
# Usage: capture-reference.sh [crc|sha1|md5]...
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
. "$HERE/lib/netns.sh"

PREFIX=${PREFIX:-hbcap}
OUT=${OUT:-$HERE/../data/packets}
RUN_SECONDS=${RUN_SECONDS:-25}
DAEMON=/usr/libexec/heartbeat/heartbeat
KEY=secret

netns_require_root
[ -x "$DAEMON" ] || { echo "SKIP: $DAEMON not installed (run lib/install-reference.sh)"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

trap 'netns_cleanup "$PREFIX"' EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
elapsed() { local d=$(( $(now_ms) - $1 )); printf '%d.%03d' $((d / 1000)) $((d % 1000)); }

write_conf() { # DIR METHOD
    local dir=$1 method=$2
    netns_prepare_confdir "$dir" || return 1
    cat >"$dir/ha.cf" <<'EOF'
logfile /var/log/ha-log
debugfile /var/log/ha-debug
keepalive 1
deadtime 5
warntime 3
initdead 10
udpport 694
bcast ens32
auto_failback on
node lvs-01
node lvs-02
EOF
    echo 'lvs-01 IPaddr::192.168.219.100/24/ens32:0/192.168.219.255' >"$dir/haresources"
    case "$method" in
        crc) printf 'auth 1\n1 crc\n' >"$dir/authkeys" ;;
        sha1) printf 'auth 1\n1 sha1 %s\n' "$KEY" >"$dir/authkeys" ;;
        md5) printf 'auth 2\n2 md5 %s\n' "$KEY" >"$dir/authkeys" ;;
        *) echo "unknown method $method" >&2; return 1 ;;
    esac
    chmod 600 "$dir/authkeys"
}

capture() { # METHOD
    local method=$1 state t0 n h log1
    echo "=== $method"
    netns_setup "$PREFIX" lvs-01 lvs-02 client || return 1
    state=$(netns_state_dir "$PREFIX")
    for h in lvs-01 lvs-02; do write_conf "$state/conf-$h" "$method" || return 1; done

    netns_bg "$PREFIX" client tcpdump tcpdump -i ens32 -n -U -Z root -w "$state/cap.pcap" 'udp port 694'
    netns_wait_for 'listening on' "$state/tcpdump.err" 10 || { echo "tcpdump did not start"; cat "$state/tcpdump.err"; return 1; }

    t0=$(now_ms)
    netns_run_node "$PREFIX" lvs-01 "$state/conf-lvs-01" "$DAEMON" -f
    netns_run_node "$PREFIX" lvs-02 "$state/conf-lvs-02" "$DAEMON" -f
    log1=$(netns_node_log "$PREFIX" lvs-01)/ha-log

    if netns_wait_for 'Status update for node lvs-02: status active' "$log1" 20; then
        echo "lvs-01 saw lvs-02 active after $(elapsed "$t0") s"
    fi
    if netns_wait_for 'Local Resource acquisition completed|remote resource transition completed' "$log1" 30; then
        echo "lvs-01 resource acquisition done after $(elapsed "$t0") s"
    else
        echo "WARNING: lvs-01 did not log resource acquisition"
    fi
    # run until RUN_SECONDS after start (bounded)
    for ((n = 0; n < 600; n++)); do
        [ $(( $(now_ms) - t0 )) -ge $((RUN_SECONDS * 1000)) ] && break
        sleep 0.1
    done
    netns_exec "$PREFIX" lvs-01 ip -br addr show dev ens32

    echo "stopping lvs-02"
    netns_stop_node "$PREFIX" lvs-02 60
    netns_wait_for 'lvs-02.*status dead|node lvs-02.*dead' "$log1" 10
    sleep 2
    echo "stopping lvs-01"
    netns_stop_node "$PREFIX" lvs-01 60
    sleep 1
    netns_stop "$PREFIX" tcpdump 5

    cp "$state/cap.pcap" "$OUT/ref-$method.pcap"
    if [ -n "${LOGDIR:-}" ]; then
        rm -rf "${LOGDIR:?}/$method"
        mkdir -p "$LOGDIR/$method"
        for h in lvs-01 lvs-02; do
            cp "$(netns_node_log "$PREFIX" "$h")/ha-log" "$LOGDIR/$method/$h.ha-log" 2>/dev/null
            cp "$(netns_node_log "$PREFIX" "$h")/ha-debug" "$LOGDIR/$method/$h.ha-debug" 2>/dev/null
            cp "$state/nodes/$h/stderr" "$LOGDIR/$method/$h.stderr"
            cp "$state/nodes/$h/stdout" "$LOGDIR/$method/$h.stdout"
        done
    fi
    python3 "$HERE/../data/packets/extract_payloads.py" "$OUT/ref-$method.pcap" "$OUT" "$method" || return 1
    netns_cleanup "$PREFIX"
}

methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(crc sha1 md5)
rc=0
for m in "${methods[@]}"; do
    capture "$m" || { echo "capture $m FAILED"; rc=1; }
done
exit "$rc"
