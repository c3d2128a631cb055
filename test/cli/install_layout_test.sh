#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `DESTDIR=STAGE cmake --install BUILD --prefix /usr` lays out Debian's heartbeat paths
# (DESIGN.md "Paths"). Usage: SCRIPT BUILDDIR
set -u
build=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
failures=0

DESTDIR=$stage cmake --install "$build" --prefix /usr >/dev/null || { echo "FAIL: install"; exit 1; }

expect_file() {
    if [ ! -f "$stage$1" ]; then
        echo "FAIL: $1 not installed"
        failures=$((failures + 1))
    fi
}
expect_file /usr/libexec/heartbeat/heartbeat
expect_file /usr/share/doc/heartbeat/authkeys
expect_file /usr/share/doc/heartbeat/ha.cf.gz
expect_file /usr/share/doc/heartbeat/haresources.gz
expect_file /usr/libexec/heartbeat/hb_findif
expect_file /usr/libexec/heartbeat/hb_send_arp
expect_file /usr/libexec/heartbeat/hb_send_ua
# Debian's resource-agents ships these three; the packages must not share a file.
for f in /usr/libexec/heartbeat/findif /usr/libexec/heartbeat/send_arp /usr/libexec/heartbeat/send_ua; do
    [ ! -e "$stage$f" ] || { echo "FAIL: $f is resource-agents' file"; failures=$((failures + 1)); }
done
expect_file /usr/bin/cl_status
expect_file /usr/sbin/hb2pacemaker
# The agents for Pacemaker: links in our own OCF provider, never in resource-agents' one.
for a in IPaddr IPaddr2 IPv6addr ipvsadm-wrapper; do
    l=/usr/lib/ocf/resource.d/heartbeat-ng/$a
    if [ ! -L "$stage$l" ] || [ "$(readlink -f "$stage$l")" != "$stage/usr/libexec/heartbeat/resource.d/$a" ]; then
        echo "FAIL: $l is not a link to /usr/libexec/heartbeat/resource.d/$a"
        failures=$((failures + 1))
    fi
done
[ ! -e "$stage/usr/lib/ocf/resource.d/heartbeat" ] ||
    { echo "FAIL: /usr/lib/ocf/resource.d/heartbeat is resource-agents' provider"; failures=$((failures + 1)); }
expect_file /usr/libexec/heartbeat/resource.d/IPaddr
expect_file /usr/libexec/heartbeat/resource.d/IPaddr2
expect_file /usr/libexec/heartbeat/resource.d/IPv6addr
expect_file /usr/libexec/heartbeat/resource.d/ipvsadm-wrapper
expect_file /usr/libexec/heartbeat/ipvsadm-wrapper
for agent in IPaddr IPaddr2 IPv6addr ipvsadm-wrapper; do
    [ -x "$stage/usr/libexec/heartbeat/resource.d/$agent" ] || { echo "FAIL: $agent not executable"; failures=$((failures + 1)); }
done
# Nothing in /etc/ha.d: the administrator's files there are never the package's conffiles.
[ ! -e "$stage/etc/ha.d" ] || { echo "FAIL: files installed under /etc/ha.d: $(find "$stage/etc/ha.d")"; failures=$((failures + 1)); }
[ -x "$stage/usr/libexec/heartbeat/heartbeat" ] || { echo "FAIL: daemon not executable"; failures=$((failures + 1)); }
# Nothing may land under the prefix's own etc (/usr/etc): agents belong in /etc/ha.d.
[ ! -e "$stage/usr/etc" ] || { echo "FAIL: files installed under /usr/etc"; failures=$((failures + 1)); }
# The installed templates are the same text as the sources.
if ! zcat "$stage/usr/share/doc/heartbeat/ha.cf.gz" | grep -q '^auto_failback on'; then
    echo "FAIL: ha.cf.gz is not the ha.cf template"
    failures=$((failures + 1))
fi
# The installed agent answers, through the resource.d script, as heartbeat calls it.
HA_BIN=$stage/usr/libexec/heartbeat "$stage/usr/libexec/heartbeat/resource.d/ipvsadm-wrapper" --help |
    grep -q '^usage: ipvsadm-wrapper RULES_FILE' || {
    echo "FAIL: resource.d/ipvsadm-wrapper does not reach the installed agent"
    failures=$((failures + 1))
}
# The service files: the unit passes systemd's own check (no unknown key, no missing program;
# the man pages it names are checked below), the init script parses.
expect_file /lib/systemd/system/heartbeat.service
expect_file /usr/lib/tmpfiles.d/heartbeat.conf
expect_file /etc/logrotate.d/heartbeat
expect_file /etc/init.d/heartbeat
if command -v systemd-analyze >/dev/null; then
    unit_out=$(systemd-analyze verify --man=no "$stage/lib/systemd/system/heartbeat.service" 2>&1)
    [ -z "$unit_out" ] || { echo "FAIL: systemd-analyze verify: $unit_out"; failures=$((failures + 1)); }
fi
sh -n "$stage/etc/init.d/heartbeat" || { echo "FAIL: the init script does not parse"; failures=$((failures + 1)); }
# A manual page for every program and file format, and each one the unit names.
for page in man8/heartbeat.8 man1/cl_status.1 man1/hb_standby.1 man1/hb_takeover.1 man5/ha.cf.5 \
    man5/authkeys.5 man5/haresources.5 man5/heartbeat-ng.cf.5 man8/ipvsadm-wrapper.8 man8/hb2pacemaker.8; do
    expect_file "/usr/share/man/$page"
done
# The installed daemon runs.
"$stage/usr/libexec/heartbeat/heartbeat" --version | grep -q '^3.0.6 ' || {
    echo "FAIL: installed daemon does not report 3.0.6"
    failures=$((failures + 1))
}

if [ "$failures" -eq 0 ]; then
    echo "install layout: Debian paths in place"
    exit 0
fi
exit 1
