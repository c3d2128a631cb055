# shellcheck shell=bash
# cluster.sh — helpers shared by the system tests: configuration directories for the
# tutorial's two directors, starting OUR heartbeat (by path, from the installed layout) or
# the REAL heartbeat 3.0.6 (Debian's /usr/libexec/heartbeat/heartbeat) in a node, waiting
# for log lines, timing, and a small test-result tally. Source after lib/netns.sh.
#
# Environment: HB_STAGE — root of our installed layout (DESTDIR of `cmake --install`);
# our daemon is $HB_STAGE/usr/libexec/heartbeat/heartbeat.

REAL_HEARTBEAT=/usr/libexec/heartbeat/heartbeat

cluster_require_stage() {
    if [ -z "${HB_STAGE:-}" ] || [ ! -x "$HB_STAGE/usr/libexec/heartbeat/heartbeat" ]; then
        echo "FAIL: HB_STAGE must point at our installed layout" >&2
        exit 1
    fi
}

# cluster_begin PREFIX HOST... : skip without root or namespaces, require our installed
# layout, build the topology with HOSTs, clean it up on exit (also after a failed run);
# sets P (the prefix) and state (its state dir).
cluster_begin() {
    P=$1
    shift
    netns_require_root
    cluster_require_stage
    trap 'netns_cleanup "$P"' EXIT
    trap 'exit 130' INT TERM
    netns_setup "$P" "$@" || { echo "FAIL setup"; exit 1; }
    state=$(netns_state_dir "$P")
}

cluster_require_reference() {
    if [ ! -x "$REAL_HEARTBEAT" ] || [ ! -d /etc/ha.d/resource.d ]; then
        echo "SKIP: the real heartbeat 3.0.6 is not installed (test/system/lib/install-reference.sh)"
        exit 77
    fi
    command -v ifconfig >/dev/null || { echo "SKIP: net-tools (ifconfig, used by 3.0.6's IPaddr) missing"; exit 77; }
}

# cluster_conf DIR KEYLINE [EXTRA_HA_CF] : writes a node's /etc/ha.d into DIR.
# KEYLINE is the authkeys key line, e.g. "1 crc" or "1 sha1 secret". Timings are short
# (keepalive 500 ms, deadtime 2 s) unless EXTRA_HA_CF overrides them (later lines win).
# Without REAL=1 the directory only gets what our daemon reads.
cluster_conf() {
    local dir=$1 keyline=$2 extra=${3:-}
    if [ "${REAL:-0}" = 1 ]; then
        netns_prepare_confdir "$dir" /etc/ha.d || return 1
    else
        mkdir -p "$dir/resource.d"
        # Our agents, where an installed package would find them (the node's /usr/lib is the
        # host's, which has none of ours).
        if [ -d "$HB_STAGE/usr/libexec/heartbeat/resource.d" ]; then
            cp -a "$HB_STAGE/usr/libexec/heartbeat/resource.d/." "$dir/resource.d/"
        fi
    fi
    cat >"$dir/ha.cf" <<EOC
logfile /var/log/ha-log
debugfile /var/log/ha-debug
keepalive ${CLUSTER_KEEPALIVE:-500ms}
deadtime ${CLUSTER_DEADTIME:-2}
warntime ${CLUSTER_WARNTIME:-1}
initdead ${CLUSTER_INITDEAD:-10}
udpport 694
bcast ens32
auto_failback on
node lvs-01
node lvs-02
$extra
EOC
    printf 'auth %s\n%s\n' "${keyline%% *}" "$keyline" >"$dir/authkeys"
    chmod 600 "$dir/authkeys"
    printf '%s\n' "${HARESOURCES:-# no resource groups}" >"$dir/haresources"
}

# cluster_vip_pair [mixed] : /etc/ha.d for two of ours (sha1, $HARESOURCES), whose agents
# use our installed send_arp/findif (with `mixed`, lvs-02's is for the real 3.0.6), a client that takes gratuitous ARP at once: arp_accept, and
# locktime 0 — with the kernel's default 1 s an announcement landing right after a refresh
# of the old entry is ignored and only a later one of the burst wins, so measured times
# would jitter by seconds. Needs cluster_begin with lvs-01 lvs-02 client.
cluster_vip_pair() {
    local h
    for h in lvs-01 lvs-02; do
        if [ "${1:-}" = mixed ] && [ "$h" = lvs-02 ]; then
            REAL=1 cluster_conf "$state/conf-$h" "1 sha1 secret"
        else
            cluster_conf "$state/conf-$h" "1 sha1 secret" "env BIN=$HB_STAGE/usr/libexec/heartbeat"
        fi
    done
    netns_exec "$P" client sysctl -qw net.ipv4.conf.all.arp_accept=1 \
        net.ipv4.conf.ens32.arp_accept=1 net.ipv4.neigh.ens32.locktime=0
}

# cluster_start_ours PREFIX HOST CONFDIR : our daemon, foreground, in HOST.
cluster_start_ours() {
    netns_run_node "$1" "$2" "$3" "$HB_STAGE/usr/libexec/heartbeat/heartbeat" -f
}

# cluster_start_real PREFIX HOST CONFDIR : Debian's heartbeat 3.0.6, foreground, in HOST.
cluster_start_real() {
    netns_run_node "$1" "$2" "$3" "$REAL_HEARTBEAT" -f
}

# cluster_log PREFIX HOST : path of that node's ha-log.
cluster_log() { echo "$(netns_node_log "$1" "$2")/ha-log"; }

# cluster_wait PREFIX HOST ERE TIMEOUT : wait for a line in HOST's ha-log.
cluster_wait() { netns_wait_for "$3" "$(cluster_log "$1" "$2")" "$4"; }

# cluster_pid PREFIX HOST : the pid netns_run_node recorded (the daemon itself: it execs).
cluster_pid() { cat "$(netns_state_dir "$1")/pids/$2.pid"; }

now_ms() { date +%s%3N; }

# wait_until TIMEOUT_S CMD... : poll CMD every 0.1 s for at most TIMEOUT_S seconds.
wait_until() {
    local t=$1 i
    shift
    for ((i = 0; i < t * 10; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}

# drop_echo_replies HOST TABLE / allow_echo_replies HOST TABLE : HOST stops (starts again)
# hearing ICMP echo replies, so its ping nodes fall silent while heartbeats go on.
drop_echo_replies() {
    netns_exec "$P" "$1" nft -f - <<NFT
table inet $2 {
    chain input { type filter hook input priority 0; ip protocol icmp icmp type echo-reply drop; }
}
NFT
}
allow_echo_replies() { netns_exec "$P" "$1" nft delete table inet "$2"; }

# has_addr HOST ADDR : HOST's ens32 carries ADDR (any prefix); lacks_addr: the opposite.
has_addr() { netns_exec "$P" "$1" ip -4 -o addr show dev ens32 | grep -q " $2/"; }
lacks_addr() { ! has_addr "$@"; }

# watch_move ADDR TO FROM TIMEOUT_S : poll every 0.1 s until ADDR is on TO and not on
# FROM; BOTH counts the samples that saw it on both. False if it did not move in time.
watch_move() {
    local addr=$1 to=$2 from=$3 i
    BOTH=0
    for ((i = 0; i < $4 * 10; i++)); do
        if has_addr "$to" "$addr" && has_addr "$from" "$addr"; then BOTH=$((BOTH + 1)); fi
        has_addr "$to" "$addr" && lacks_addr "$from" "$addr" && return 0
        sleep 0.1
    done
    return 1
}

# mac_of HOST : the MAC of HOST's ens32.
mac_of() { netns_exec "$P" "$1" cat /sys/class/net/ens32/address; }

# client_sees ADDR MAC : the client's neighbour entry for ADDR points at MAC.
client_sees() { netns_exec "$P" client ip neigh show "$1" dev ens32 | grep -qi "lladdr $2"; }

# tcp_serve HOST PORT : a TCP server in HOST (any address, so also a VIP that arrives
# later) that answers each connection with HOST's name; bounded: 600 s, 10000 connections.
tcp_serve() {
    netns_bg "$P" "$1" "tcp-$1" python3 -c '
import socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", int(sys.argv[2])))
srv.listen(16)
srv.settimeout(0.5)
end, served = time.time() + 600, 0
while time.time() < end and served < 10000:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        continue
    conn.sendall((sys.argv[1] + "\n").encode())
    conn.close()
    served += 1
' "$1" "$2"
}

# tcp_answer ADDR PORT : from the client, connect (1 s at most) and print the answer.
tcp_answer() {
    # shellcheck disable=SC2016 # expanded by the inner bash
    netns_exec "$P" client timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2" && head -n1 <&3' _ "$1" "$2" 2>/dev/null
}

# tcp_answered_by ADDR PORT HOST : a TCP connection to ADDR:PORT is answered by HOST.
tcp_answered_by() { [ "$(tcp_answer "$1" "$2")" = "$3" ]; }

# Result tally: check DESCRIPTION CMD... ; finish prints "N passed, M failed".
CHECKS_PASSED=0
CHECKS_FAILED=0
check() {
    local d=$1
    shift
    if "$@"; then
        echo "ok   $d"
        CHECKS_PASSED=$((CHECKS_PASSED + 1))
    else
        echo "FAIL $d"
        CHECKS_FAILED=$((CHECKS_FAILED + 1))
    fi
}
# finish [HOST...] : on failure show those nodes' logs; print the tally; exit status.
finish() {
    [ "$CHECKS_FAILED" -eq 0 ] || [ $# -eq 0 ] || dump_logs "$P" "$@"
    echo "$CHECKS_PASSED passed, $CHECKS_FAILED failed"
    [ "$CHECKS_FAILED" -eq 0 ]
}

# On failure, show what the nodes logged (bounded).
dump_logs() {
    local prefix=$1 host
    shift
    for host in "$@"; do
        echo "---- $host ha-log (last 40 lines)"
        tail -n 40 "$(cluster_log "$prefix" "$host")" 2>/dev/null
        echo "---- $host stderr (last 10 lines)"
        tail -n 10 "$(netns_state_dir "$prefix")/nodes/$host/stderr" 2>/dev/null
    done
}
