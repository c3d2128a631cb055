#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `heartbeat --check-config` as an administrator runs it: the examples pass, and a broken
# file is reported with its path and line and a non-zero exit. Usage: SCRIPT HEARTBEAT SRCDIR
set -u
heartbeat=$1
srcdir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run DIR NODE: runs the check, leaves output in $out and status in $rc.
run() {
    out=$("$heartbeat" --check-config --config-dir "$1" --node-name "$2" 2>&1)
    rc=$?
}

for example in lvs-dr lvs-nat; do
    dir=$work/$example
    cp -r "$srcdir/ha.d-examples/$example" "$dir"
    chmod 600 "$dir/authkeys"
    # haresources names the LVS rules file where an administrator installs it.
    sed -i "s|/etc/ha.d/ipvsadm.rules|$dir/ipvsadm.rules|" "$dir/haresources"
    for node in lvs-01 lvs-02; do
        run "$dir" "$node"
        [ "$rc" -eq 0 ] || fail "$example as $node: exit $rc: $out"
        grep -q "^configuration OK (node '$node'" <<<"$out" || fail "$example as $node: no OK line: $out"
    done
done

# An unknown directive on line 7 is an error that names the file and line.
bad=$work/bad
mkdir "$bad"
printf 'logfacility local0\nkeepalive 1\ndeadtime 10\nbcast eth0\nnode lvs-01 lvs-02\nauto_failback on\nfrobnicate yes\n' >"$bad/ha.cf"
printf 'auth 1\n1 sha1 secret\n' >"$bad/authkeys"
chmod 600 "$bad/authkeys"
printf 'lvs-01 IPaddr::192.168.219.100/24/ens32:0/192.168.219.255\n' >"$bad/haresources"
run "$bad" lvs-01
[ "$rc" -eq 1 ] || fail "unknown directive: exit $rc, want 1"
grep -q "^$bad/ha.cf:7: error: unknown directive 'frobnicate'" <<<"$out" || fail "unknown directive: $out"

# authkeys readable by others: refused, with the file's name and the fix.
sed -i '/frobnicate/d' "$bad/ha.cf"
run "$bad" lvs-01
[ "$rc" -eq 0 ] || fail "fixed config: exit $rc: $out"
chmod 644 "$bad/authkeys"
run "$bad" lvs-01
[ "$rc" -eq 1 ] || fail "authkeys 0644: exit $rc, want 1"
grep -q "^$bad/authkeys: error: .*chmod 600 $bad/authkeys" <<<"$out" || fail "authkeys 0644: $out"

# A rules file that haresources hands to ipvsadm-wrapper is checked too, with its line.
printf 'lvs-01 IPaddr::192.168.219.100/24/ens32:0/192.168.219.255 ipvsadm-wrapper::%s\n' "$bad/ipvsadm.rules" >"$bad/haresources"
printf -- '-A -t 192.168.219.100:80 -s wlc\n-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w lots\n' >"$bad/ipvsadm.rules"
chmod 600 "$bad/authkeys"
run "$bad" lvs-01
[ "$rc" -eq 1 ] || fail "bad rules file: exit $rc, want 1: $out"
grep -q "^$bad/ipvsadm.rules:2: error: weight 'lots' is not a number 0-65535" <<<"$out" || fail "bad rules file: $out"
rm "$bad/ipvsadm.rules"
run "$bad" lvs-01
grep -q "^$bad/haresources:1: error: rules file $bad/ipvsadm.rules of .* cannot be read" <<<"$out" || fail "missing rules file: $out"

# A directory with no files at all: each missing file is named.
run "$work/nonexistent" lvs-01
[ "$rc" -eq 1 ] || fail "missing directory: exit $rc, want 1"
for f in ha.cf authkeys haresources; do
    grep -q "^$work/nonexistent/$f: error: cannot read file" <<<"$out" || fail "missing $f not reported: $out"
done

# Command-line errors are usage errors.
"$heartbeat" --no-such-flag >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown flag should exit 2"

if [ "$failures" -eq 0 ]; then
    echo "check-config CLI: all checks passed"
    exit 0
fi
exit 1
