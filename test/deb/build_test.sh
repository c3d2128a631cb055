#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The .deb as an administrator gets it: `dpkg-buildpackage -us -uc -b` from a copy of the
# source tree builds binary package heartbeat 1:4.x; lintian reports no error and no
# warning; the package holds the paths DESIGN.md names, nothing under /etc/ha.d, and no
# file that Debian's resource-agents ships. Leaves the package in OUT for the root tests.
# Usage: SCRIPT SRCDIR OUT      (exit 77 when dpkg-buildpackage or lintian is missing)
set -u
src=$1
out=$2
for tool in dpkg-buildpackage lintian dh; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (apt-get install dpkg-dev debhelper lintian)"; exit 77; }
done
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

rm -rf "$out"
mkdir -p "$out/heartbeat"
# The tree as git sees it (tracked and untracked, not ignored): no build directories.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" ls-files -co --exclude-standard | tar -C "$src" -cf - -T - | tar -C "$out/heartbeat" -xf -
else
    tar -C "$src" --exclude='./build*' -cf - . | tar -C "$out/heartbeat" -xf -
fi
started=$(date +%s)
# The unit tests ran in the main build already.
if ! (cd "$out/heartbeat" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
        nice -n 19 dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1); then
    tail -40 "$out/build.log"
    echo "FAIL: dpkg-buildpackage (log: $out/build.log)"
    exit 1
fi
deb=$(ls "$out"/heartbeat_*_*.deb | grep -v dbgsym | head -1)
ok "dpkg-buildpackage built $(basename "$deb") in $(($(date +%s) - started)) s"

version=$(dpkg-deb -f "$deb" Version)
dpkg --compare-versions "$version" gt "1:3.0.6-13+b2" && [[ "$version" == 1:4.* ]] &&
    ok "version $version upgrades Debian's 1:3.0.6-13+b2" || fail "version $version"

lint=$(lintian --fail-on error,warning "$deb" 2>&1)
rc=$?
echo "$lint" | grep -v '^running with root privileges' | sed 's/^/  lintian: /'
[ "$rc" -eq 0 ] && ok "lintian: no error, no warning" || fail "lintian (exit $rc)"

files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/libexec/heartbeat/heartbeat /usr/bin/cl_status /usr/share/heartbeat/hb_standby \
    /usr/share/heartbeat/hb_takeover /usr/libexec/heartbeat/resource.d/IPaddr \
    /usr/libexec/heartbeat/resource.d/IPaddr2 /usr/libexec/heartbeat/resource.d/IPv6addr \
    /usr/libexec/heartbeat/resource.d/ipvsadm-wrapper /usr/libexec/heartbeat/hb_findif \
    /usr/libexec/heartbeat/hb_send_arp /usr/libexec/heartbeat/hb_send_ua \
    /usr/libexec/heartbeat/ipvsadm-wrapper /lib/systemd/system/heartbeat.service \
    /usr/lib/tmpfiles.d/heartbeat.conf /etc/logrotate.d/heartbeat /etc/init.d/heartbeat \
    /usr/share/doc/heartbeat/authkeys /usr/share/doc/heartbeat/ha.cf.gz \
    /usr/share/doc/heartbeat/haresources.gz /usr/share/man/man8/heartbeat.8.gz \
    /usr/share/man/man5/ha.cf.5.gz /usr/share/man/man5/authkeys.5.gz \
    /usr/share/man/man5/haresources.5.gz /usr/share/man/man1/cl_status.1.gz; do
    grep -qx "$f" <<<"$files" || fail "$f is not in the package"
done
# /etc/ha.d and /etc/ha.d/resource.d as empty directories (the tutorial copies into them),
# no file: those are the administrator's.
in_ha_d=$(grep '^/etc/ha.d' <<<"$files" | grep -v '/$')
[ -z "$in_ha_d" ] || fail "the package ships files in /etc/ha.d: $in_ha_d"
grep -qx '/etc/ha.d/resource.d/' <<<"$files" || fail "the package does not make /etc/ha.d/resource.d"
# Debian's resource-agents (4.12) ships these; the packages co-install, so none may be ours.
for f in /etc/ha.d/shellfuncs /usr/libexec/heartbeat/findif /usr/libexec/heartbeat/send_arp \
    /usr/libexec/heartbeat/send_ua /usr/libexec/heartbeat/tickle_tcp; do
    grep -qx "$f" <<<"$files" && fail "$f belongs to resource-agents"
done
# Where dpkg knows resource-agents' or cluster-glue's file lists, compare them all.
for other in resource-agents cluster-glue libheartbeat2; do
    if dpkg-query -W "$other" >/dev/null 2>&1; then
        shared=$(comm -12 <(dpkg -L "$other" | sort -u) <(grep -v '/$' <<<"$files" | sort -u) |
            while read -r f; do [ -d "$f" ] || echo "$f"; done)
        [ -z "$shared" ] && ok "no file shared with $other" || fail "files shared with $other: $shared"
    fi
done
grep -qx "/etc/init.d/heartbeat" <<<"$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" &&
    ok "conffiles: $(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | paste -sd' ')" ||
    fail "conffiles"
# The maintainer scripts as built (debhelper adds its snippets): each parses with sh -n.
mkdir -p "$out/control"
dpkg-deb -e "$deb" "$out/control"
for script in preinst postinst prerm postrm; do
    [ -f "$out/control/$script" ] || { fail "no $script in the package"; continue; }
    sh -n "$out/control/$script" || fail "$script does not parse"
done
ok "maintainer scripts: $(cd "$out/control" && ls preinst postinst prerm postrm 2>/dev/null | paste -sd' ') parse"
cp "$deb" "$out/heartbeat.deb"
[ "$failures" -eq 0 ] && echo "package: built, lint-clean, paths in place"
[ "$failures" -eq 0 ]
