#!/bin/bash
# Install the real Debian heartbeat 3.0.6 (reference implementation for interop
# tests and packet captures), and Pacemaker, Corosync and crmsh (the migration tests),
# WITHOUT letting any of them start in the root namespace.
#
# - Idempotent: does nothing when /usr/libexec/heartbeat/heartbeat already exists.
# - Before apt-get runs, /usr/sbin/policy-rc.d must forbid service starts
#   (exit 101). An existing policy-rc.d is kept as is (it is checked to end in
#   `exit 101`; if it does not, we refuse rather than overwrite someone's file).
#   A policy-rc.d we create is left in place on purpose.
# - Afterwards, verifies that no heartbeat process runs in the root namespace;
#   if one does, stops exactly that PID and reports it (exit 3).
#
# Usage: install-reference.sh      (as root)   exit 0 ok, 77 not root
set -u

DAEMON=/usr/libexec/heartbeat/heartbeat
POLICY=/usr/sbin/policy-rc.d

if [ "$(id -u)" -ne 0 ]; then
    echo "install-reference: must be root" >&2
    exit 77
fi

# List PIDs of heartbeat-ish processes in the ROOT network namespace (processes
# inside namespaces we created are excluded by comparing /proc/PID/ns/net).
root_ns_heartbeat_pids() {
    local rootns p comm ns
    rootns=$(readlink /proc/1/ns/net)
    for p in /proc/[0-9]*; do
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        case "$comm" in
            heartbeat|ccm|ipfail|ha_logd|crmd|cib) ;;
            *) continue ;;
        esac
        ns=$(readlink "$p/ns/net" 2>/dev/null) || continue
        [ "$ns" = "$rootns" ] && echo "${p#/proc/}"
    done
}

if [ -x "$DAEMON" ]; then
    echo "install-reference: $DAEMON already installed, nothing to do"
else
    if [ -e "$POLICY" ]; then
        if ! grep -q '^[[:space:]]*exit[[:space:]]\+101' "$POLICY"; then
            echo "install-reference: $POLICY exists but does not 'exit 101'; refusing" >&2
            exit 2
        fi
        echo "install-reference: keeping existing $POLICY"
    else
        printf '#!/bin/sh\nexit 101\n' > "$POLICY"
        chmod +x "$POLICY"
        echo "install-reference: created $POLICY (left in place)"
    fi
    apt-get update -q || exit 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        heartbeat tcpdump net-tools || exit 1
fi

# tcpdump may be missing even when heartbeat is there.
if ! command -v tcpdump >/dev/null 2>&1; then
    [ -e "$POLICY" ] || { printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod +x "$POLICY"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q tcpdump || exit 1
fi

# Pacemaker, Corosync, crmsh and pcs, for the migration tests (hb2pacemaker --check reads
# our agents' meta-data through crmsh and runs crm_verify; its pcs script runs offline on a
# CIB file; system.pacemaker runs the cluster), behind the same policy-rc.d (pcsd too).
if ! command -v crm_verify >/dev/null 2>&1 || ! command -v crm >/dev/null 2>&1 ||
    ! command -v pcs >/dev/null 2>&1; then
    [ -e "$POLICY" ] || { printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod +x "$POLICY"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        pacemaker corosync crmsh pcs pacemaker-cli-utils || exit 1
fi

# Prometheus, for the metrics tests (promtool checks the page), behind the same policy-rc.d.
if ! command -v promtool >/dev/null 2>&1; then
    [ -e "$POLICY" ] || { printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod +x "$POLICY"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus ||
        exit 1
fi

# Recommends pull in pacemaker and rsyslog; policy-rc.d kept them from starting.
# Only report them (they could predate us, so they are not ours to stop).
for p in /proc/[0-9]*; do
    case "$(cat "$p/comm" 2>/dev/null)" in
        pacemaker*|rsyslogd|corosync|pcsd|ruby*|prometheus)
            echo "install-reference: note: $(cat "$p/comm") pid ${p#/proc/} is running" >&2 ;;
    esac
done

rc=0
for pid in $(root_ns_heartbeat_pids); do
    echo "install-reference: WARNING: $(cat /proc/"$pid"/comm 2>/dev/null) pid $pid runs in the root namespace; stopping it" >&2
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rc=3
done
[ "$rc" -eq 0 ] && echo "install-reference: no heartbeat process in the root namespace"
exit "$rc"
