# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# netns.sh — the tutorial's topology in network namespaces, for system tests.
#
# Source this file from a bash test script (it is `set -u` safe and does not
# change shell options). Everything it creates is named after a PREFIX:
#
#   PREFIX-br        network namespace holding the Linux bridge `br0`
#   PREFIX-<host>    one namespace per host, its veth end renamed `ens32`,
#                    address 192.168.219.<n>/24 (table below)
#   /tmp/netns-PREFIX/   state dir: pid files, per-node logs and state
#
# Hosts:  lvs-01 .11  lvs-02 .12  web-01 .21  web-02 .22  client .50
#
# More networks (LVS NAT: real servers on a private net behind the directors):
#
#   PREFIX-<host>    made by netns_add_host: only `lo`, not on 192.168.219.0/24
#   PREFIX-<name>    made by netns_add_network: bridge `br0` of a second L2 net;
#                    each member host gets a veth end renamed DEV (e.g. ens34)
#
#   e.g.  netns_setup P lvs-01 lvs-02 client
#         netns_add_host P web-01; netns_add_host P web-02
#         netns_add_network P br56 192.168.56 ens34 lvs-01:11 lvs-02:12 web-01:21 web-02:22
#
# Pick a PREFIX that is not a prefix of another test's PREFIX followed by `-`:
# netns_cleanup removes every namespace named PREFIX-*.
#
# Nodes started with netns_run_node get, besides their network namespace:
#   - a UTS namespace: hostname = HOST, so `uname -n` is HOST;
#   - a private mount namespace (propagation private, nothing leaks back) with
#       CONFDIR                         bind-mounted on /etc/ha.d
#       STATE/nodes/HOST/lib            bind-mounted on /var/lib/heartbeat
#                                       (survives restarts of that node, like a
#                                       disk: hb_generation, hb_uuid, hostcache)
#       STATE/nodes/HOST/log            bind-mounted on /var/log
#                                       (so `logfile /var/log/ha-log` is readable
#                                       from outside as STATE/nodes/HOST/log/ha-log)
#       a fresh tmpfs                   on /run (= /var/run): heartbeat.pid,
#                                       /run/heartbeat/{register,ccm,crm,dopd,rsctmp},
#                                       /run/resource-agents, /run/lock, /run/crm
#   so two daemons never share state and never touch the root namespace's
#   /etc/ha.d, /var/lib/heartbeat or /run.
#   The real heartbeat needs a *complete* /etc/ha.d (harc, rc.d/, resource.d/,
#   shellfuncs besides ha.cf/authkeys/haresources): build CONFDIR with
#   netns_prepare_confdir, then add the three files (authkeys mode 600).
#
# Safety: processes are only ever signalled by recorded PID, and only while that
# PID lives in one of our PREFIX-* namespaces. netns_cleanup also removes the
# state dir unless NETNS_KEEP_STATE=1.
#
# Public functions:
#   netns_require_root                 exit 77 (skip) unless root with working `ip netns`
#   netns_setup PREFIX [HOST...]       build the topology (default: lvs-01 lvs-02 client)
#   netns_add_host PREFIX HOST         namespace PREFIX-HOST with only lo (after netns_setup)
#   netns_add_network PREFIX NAME SUBNET DEV HOST:OCTET...
#                                      second L2 net: bridge ns PREFIX-NAME, HOST gets DEV
#                                      with SUBNET.OCTET/24 (SUBNET = three octets)
#   netns_cleanup PREFIX               stop our processes, delete namespaces + state dir
#   netns_state_dir PREFIX             print the state dir
#   netns_exec PREFIX HOST CMD...      run CMD in PREFIX-HOST (network ns only), foreground
#   netns_bg PREFIX HOST NAME CMD...   same, in the background; pid file NAME.pid
#   netns_stop PREFIX NAME [TIMEOUT]   SIGTERM, wait, SIGKILL the process of NAME.pid
#   netns_prepare_confdir DIR [SKEL]   make DIR a copy of SKEL (default: /etc/ha.d) minus
#                                      ha.cf/authkeys/haresources, ready for the test's files
#   netns_run_node PREFIX HOST CONFDIR CMD...   start a node (see above), background
#   netns_stop_node PREFIX HOST [TIMEOUT]       graceful stop of that node
#   netns_node_exec PREFIX HOST CMD... run CMD inside a running node's net+uts+mount ns
#   netns_node_log PREFIX HOST         print the node's /var/log dir (outside path)
#   netns_wait_for PATTERN FILE TIMEOUT    poll FILE for an ERE, bounded; 0 found, 1 not

NETNS_STATE_BASE=${NETNS_STATE_BASE:-/tmp}
NETNS_SUBNET=192.168.219

# Host name -> last octet. Unknown hosts are an error.
_netns_octet() {
    case "$1" in
        lvs-01) echo 11 ;;
        lvs-02) echo 12 ;;
        lvs-03) echo 13 ;;
        web-01) echo 21 ;;
        web-02) echo 22 ;;
        client) echo 50 ;;
        *) return 1 ;;
    esac
}

netns_state_dir() { echo "$NETNS_STATE_BASE/netns-$1"; }

_netns_log() { echo "netns: $*" >&2; }

netns_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: needs root" >&2
        exit 77
    fi
    local probe="netnsprobe-$$"
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "SKIP: ip netns does not work here" >&2
        exit 77
    fi
    ip netns del "$probe" 2>/dev/null
    if ! command -v unshare >/dev/null || ! command -v nsenter >/dev/null; then
        echo "SKIP: unshare/nsenter (util-linux) missing" >&2
        exit 77
    fi
}

# True if PID exists and is not a zombie.
_netns_alive() {
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# True if PID still lives in a namespace called PREFIX-* (guards against PID reuse:
# we only ever signal processes inside namespaces we created).
_netns_pid_is_ours() {
    local prefix=$1 pid=$2 pns f
    pns=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || return 1
    for f in /run/netns/"$prefix"-*; do
        [ -e "$f" ] || continue
        [ "$pns" = "net:[$(stat -L -c %i "$f")]" ] && return 0
    done
    return 1
}

# Signal PID with TERM, wait up to TIMEOUT s (bounded), then KILL. Reaps it if it
# is our child.
_netns_terminate() {
    local pid=$1 timeout=${2:-30} i
    _netns_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < timeout * 5; i++)); do
        _netns_alive "$pid" || break
        sleep 0.2
    done
    if _netns_alive "$pid"; then
        _netns_log "pid $pid ignored SIGTERM for ${timeout}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        for ((i = 0; i < 25; i++)); do _netns_alive "$pid" || break; sleep 0.2; done
    fi
    wait "$pid" 2>/dev/null
    return 0
}

_netns_list() { # our namespace names
    ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$1-" | while read -r n; do
        case "$n" in "$1"-*) echo "$n" ;; esac
    done
}

netns_cleanup() {
    local prefix=$1 state pidf pid ns
    state=$(netns_state_dir "$prefix")
    # 1. processes we recorded (TERM first: lets daemons shut down cleanly)
    if [ -d "$state/pids" ]; then
        for pidf in "$state"/pids/*.pid; do
            [ -e "$pidf" ] || continue
            pid=$(cat "$pidf" 2>/dev/null)
            if [ -n "$pid" ] && _netns_pid_is_ours "$prefix" "$pid"; then
                _netns_terminate "$pid" 10
            fi
            rm -f "$pidf"
        done
    fi
    # 2. anything still running inside our namespaces is a descendant of what we
    #    started (e.g. a heartbeat child or a resource script): kill it by PID,
    #    otherwise the namespace would outlive `ip netns del`.
    for ns in $(_netns_list "$prefix"); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null
        done
    done
    for ns in $(_netns_list "$prefix"); do
        ip netns del "$ns" 2>/dev/null || _netns_log "could not delete $ns"
    done
    if [ "${NETNS_KEEP_STATE:-0}" != 1 ]; then
        rm -rf "$state"
    fi
    return 0
}

netns_exec() {
    local prefix=$1 host=$2
    shift 2
    ip netns exec "$prefix-$host" "$@"
}

netns_setup() {
    local prefix=$1 host oct br state
    shift
    local hosts=("$@")
    [ ${#hosts[@]} -gt 0 ] || hosts=(lvs-01 lvs-02 client)
    case "$prefix" in
        *[!a-zA-Z0-9]* | "") _netns_log "bad prefix '$prefix' (use [a-zA-Z0-9])"; return 1 ;;
    esac
    netns_cleanup "$prefix"
    state=$(netns_state_dir "$prefix")
    mkdir -p "$state/pids" "$state/nodes" || return 1

    br="$prefix-br"
    ip netns add "$br" || return 1
    ip -n "$br" link set lo up
    ip -n "$br" link add br0 type bridge forward_delay 0 stp_state 0 || return 1
    ip -n "$br" link set br0 up
    for host in "${hosts[@]}"; do
        oct=$(_netns_octet "$host") || { _netns_log "unknown host $host"; return 1; }
        ip netns add "$prefix-$host" || return 1
        ip netns exec "$prefix-$host" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
        ip -n "$prefix-$host" link set lo up
        # The pair is created inside the bridge namespace (nothing ever appears in
        # the root namespace), then one end moves to the host and becomes ens32.
        ip -n "$br" link add "h-$oct" type veth peer name "p-$oct" || return 1
        ip -n "$br" link set "h-$oct" netns "$prefix-$host" || return 1
        ip -n "$prefix-$host" link set "h-$oct" name ens32 || return 1
        ip -n "$prefix-$host" addr add "$NETNS_SUBNET.$oct/24" brd + dev ens32
        ip -n "$prefix-$host" link set ens32 up
        ip -n "$br" link set "p-$oct" master br0
        ip -n "$br" link set "p-$oct" up
    done
    return 0
}

# netns_add_host PREFIX HOST : a host that is not on 192.168.219.0/24 (an LVS-NAT real
# server lives only on the private net behind the directors): namespace PREFIX-HOST,
# IPv6 off as netns_setup does (so no router solicitation or DAD packet shows up in a
# capture), only `lo` up. Its links come from netns_add_network. Call it after
# netns_setup, which begins by deleting every PREFIX-* namespace.
netns_add_host() {
    local prefix=$1 host=$2 state
    case "$prefix" in
        *[!a-zA-Z0-9]* | "") _netns_log "bad prefix '$prefix' (use [a-zA-Z0-9])"; return 1 ;;
    esac
    case "$host" in
        *[!a-zA-Z0-9-]* | "") _netns_log "bad host name '$host' (use [a-zA-Z0-9-])"; return 1 ;;
    esac
    state=$(netns_state_dir "$prefix")
    mkdir -p "$state/pids" "$state/nodes" || return 1
    ip netns add "$prefix-$host" || return 1
    ip netns exec "$prefix-$host" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
    ip -n "$prefix-$host" link set lo up
}

# netns_add_network PREFIX NAME SUBNET DEV HOST:OCTET... : a second L2 network, e.g.
#   netns_add_network P br56 192.168.56 ens34 lvs-01:11 web-01:21
# The bridge `br0` lives in its own namespace PREFIX-NAME; each HOST (its namespace
# must exist: netns_setup or netns_add_host) gets a veth end named DEV with
# SUBNET.OCTET/24. Every argument is checked before anything is created, so a typo
# leaves no half-built network behind.
netns_add_network() {
    local prefix=$1 name=$2 subnet=$3 dev=$4 br member host oct seen=" "
    shift 4
    case "$name" in
        *[!a-zA-Z0-9]* | "") _netns_log "bad network name '$name' (use [a-zA-Z0-9])"; return 1 ;;
    esac
    if ! [[ $subnet =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
        _netns_log "bad subnet '$subnet' (three octets, e.g. 192.168.56)"
        return 1
    fi
    # 15 characters is the kernel's limit for an interface name (IFNAMSIZ - 1).
    if ! [[ $dev =~ ^[a-zA-Z][a-zA-Z0-9]{0,14}$ ]]; then
        _netns_log "bad device name '$dev'"
        return 1
    fi
    [ $# -gt 0 ] || { _netns_log "netns_add_network: no HOST:OCTET given"; return 1; }
    for member in "$@"; do
        host=${member%%:*} oct=${member#*:}
        if [ "$host" = "$member" ] || ! [[ $oct =~ ^[0-9]{1,3}$ ]] || [ "$oct" -lt 1 ] ||
            [ "$oct" -gt 254 ]; then
            _netns_log "bad member '$member' (HOST:OCTET, octet 1..254)"
            return 1
        fi
        case "$seen" in *" $oct "* | *" $host:"*)
            _netns_log "octet $oct or host $host given twice"; return 1 ;;
        esac
        seen="$seen$oct $host: "
        [ -e "/run/netns/$prefix-$host" ] || { _netns_log "no namespace $prefix-$host"; return 1; }
        if ip -n "$prefix-$host" link show dev "$dev" >/dev/null 2>&1; then
            _netns_log "$prefix-$host already has $dev"
            return 1
        fi
    done

    br="$prefix-$name"
    ip netns add "$br" || return 1
    ip -n "$br" link set lo up
    ip -n "$br" link add br0 type bridge forward_delay 0 stp_state 0 || return 1
    ip -n "$br" link set br0 up
    for member in "$@"; do
        host=${member%%:*} oct=${member#*:}
        # As in netns_setup: the pair is born in the bridge namespace, so nothing ever
        # appears in the root namespace. h-/p- names are per bridge namespace, so they
        # do not clash with the main network's; h-OCTET is renamed at once in HOST.
        ip -n "$br" link add "h-$oct" type veth peer name "p-$oct" || return 1
        ip -n "$br" link set "h-$oct" netns "$prefix-$host" || return 1
        ip -n "$prefix-$host" link set "h-$oct" name "$dev" || return 1
        ip -n "$prefix-$host" addr add "$subnet.$oct/24" brd + dev "$dev" || return 1
        ip -n "$prefix-$host" link set "$dev" up
        ip -n "$br" link set "p-$oct" master br0
        ip -n "$br" link set "p-$oct" up
    done
    return 0
}

# netns_bg PREFIX HOST NAME CMD... : background CMD in PREFIX-HOST; stdout/stderr go
# to STATE/NAME.out / NAME.err; the PID is written to STATE/pids/NAME.pid and
# exported as NETNS_LAST_PID.
netns_bg() {
    local prefix=$1 host=$2 name=$3 state
    shift 3
    state=$(netns_state_dir "$prefix")
    mkdir -p "$state/pids"
    ip netns exec "$prefix-$host" "$@" >"$state/$name.out" 2>"$state/$name.err" &
    NETNS_LAST_PID=$!
    echo "$NETNS_LAST_PID" >"$state/pids/$name.pid"
}

# netns_stop PREFIX NAME [TIMEOUT] : stop what netns_bg/netns_run_node started as NAME.
netns_stop() {
    local prefix=$1 name=$2 timeout=${3:-30} state pid
    state=$(netns_state_dir "$prefix")
    [ -r "$state/pids/$name.pid" ] || return 0
    pid=$(cat "$state/pids/$name.pid")
    if [ -n "$pid" ] && _netns_pid_is_ours "$prefix" "$pid"; then
        _netns_terminate "$pid" "$timeout"
    fi
    rm -f "$state/pids/$name.pid"
}

netns_prepare_confdir() {
    local dir=$1 skel=${2:-/etc/ha.d}
    mkdir -p "$dir" || return 1
    if [ -d "$skel" ]; then
        cp -a "$skel/." "$dir/" || return 1
        rm -f "$dir/ha.cf" "$dir/authkeys" "$dir/haresources"
    fi
}

netns_node_log() { echo "$(netns_state_dir "$1")/nodes/$2/log"; }

# The script run as the node's PID before it execs CMD. Arguments:
# HOST CONFDIR NODEDIR CMD...
# shellcheck disable=SC2016
_NETNS_NODE_INIT='
set -e
host=$1 conf=$2 nd=$3
shift 3
hostname "$host"
# heartbeat mlock()s itself (realtime); with the default 8 MB RLIMIT_MEMLOCK it
# logs "Cannot lock ourselves into memory" and runs unlocked. Raising the limit
# needs CAP_SYS_RESOURCE, which some VMs/containers lack: then nothing changes.
ulimit -l unlimited 2>/dev/null || true
mount --bind "$conf" /etc/ha.d
mount --bind "$nd/lib" /var/lib/heartbeat
mount --bind "$nd/log" /var/log
mount -t tmpfs -o mode=0755,size=16m "netns-$host-run" /run
# A test may give a node its own /etc/init.d (LSB scripts as resources).
if [ -d "$nd/init.d" ]; then mount --bind "$nd/init.d" /etc/init.d; fi
# …and its own STONITH plugins (where cluster-glue keeps them, when it is installed).
if [ -d "$nd/stonith" ] && [ -d /usr/lib/stonith/plugins ]; then
    mount --bind "$nd/stonith" /usr/lib/stonith/plugins
fi
mkdir -p /run/lock /run/crm /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd
mkdir -p -m 1755 /run/resource-agents
chmod 0750 /run/crm /run/heartbeat /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd
if id hacluster >/dev/null 2>&1; then
    chown hacluster:haclient /run/crm /run/heartbeat /run/heartbeat/ccm \
        /run/heartbeat/crm /run/heartbeat/dopd
fi
exec "$@"
'

# netns_run_node PREFIX HOST CONFDIR CMD... : see the header. stdout/stderr of CMD
# go to STATE/nodes/HOST/stdout and .../stderr. Pid file: STATE/pids/HOST.pid.
# CMD should stay in the foreground (heartbeat: -f), so the PID is the daemon's.
netns_run_node() {
    local prefix=$1 host=$2 conf=$3 state nd d
    shift 3
    state=$(netns_state_dir "$prefix")
    nd="$state/nodes/$host"
    conf=$(cd "$conf" && pwd) || return 1
    mkdir -p "$nd/log" "$nd/lib" "$state/pids"
    # The node's own directories are mounted over these; a machine without heartbeat
    # installed lacks the mount points, so they are made (empty) once and left in place.
    for d in /etc/ha.d /var/lib/heartbeat; do
        [ -d "$d" ] || { mkdir -p "$d" && _netns_log "made the empty mount point $d"; }
    done
    # /var/lib/heartbeat as the Debian package lays it out.
    for d in api casual ckpt lrm cores/root; do mkdir -p "$nd/lib/$d"; done
    for d in ccm crm pengine cores/hacluster cores/nobody; do
        mkdir -p "$nd/lib/$d" && chmod 0750 "$nd/lib/$d"
    done
    chmod 0700 "$nd/lib/cores/"*
    if id hacluster >/dev/null 2>&1; then
        chown hacluster:haclient "$nd/lib/ccm" "$nd/lib/crm" "$nd/lib/pengine"
        chown hacluster:root "$nd/lib/cores/hacluster"
        chown nobody:root "$nd/lib/cores/nobody" 2>/dev/null
    fi
    ip netns exec "$prefix-$host" \
        unshare --uts --mount --propagation private \
        /bin/sh -c "$_NETNS_NODE_INIT" netns-node "$host" "$conf" "$nd" "$@" \
        >"$nd/stdout" 2>"$nd/stderr" &
    NETNS_LAST_PID=$!
    echo "$NETNS_LAST_PID" >"$state/pids/$host.pid"
}

netns_stop_node() { netns_stop "$1" "$2" "${3:-60}"; }

# Run CMD inside the namespaces (net, uts, mount) of the running node HOST, e.g.
#   netns_node_exec p lvs-01 cl_status hbstatus
netns_node_exec() {
    local prefix=$1 host=$2 state pid
    shift 2
    state=$(netns_state_dir "$prefix")
    pid=$(cat "$state/pids/$host.pid" 2>/dev/null) || return 1
    _netns_alive "$pid" && _netns_pid_is_ours "$prefix" "$pid" || return 1
    # -r: the node's root too (a chroot, when the tests run in one)
    nsenter -t "$pid" -n -u -m -r -- "$@"
}

# netns_wait_for PATTERN FILE TIMEOUT : poll every 0.2 s, at most TIMEOUT seconds.
netns_wait_for() {
    local pattern=$1 file=$2 timeout=$3 i
    for ((i = 0; i <= timeout * 5; i++)); do
        grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
