# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# debroot.sh — Debian 12 machines for the package tests: a root file system from Debian's
# packages (mmdebstrap, cached as a tarball between runs), unpacked per node and run inside
# that node's network namespace with its own mount and UTS namespaces, so the node's /proc,
# /dev, /run and hostname are its own and nothing is ever mounted in the root namespace.
# Source after lib/netns.sh (and cluster.sh).
#
#   debroot_tar NAME PACKAGE...   print the cached root tarball with PACKAGEs (built when
#                                 missing or older than a week; DEBROOT_CACHE, default
#                                 /var/tmp/heartbeat-test-roots)
#   debroot_node PREFIX HOST TAR  unpack TAR as HOST's root and start HOST in it
#   debroot_exec HOST CMD...      run CMD inside HOST (net, uts, mount namespaces, its root)
#   debroot_bg HOST NAME CMD...   the same in the background; pid file NAME.pid (cleaned up)
#   debroot_path HOST             the root's path seen from outside

DEBROOT_CACHE=${DEBROOT_CACHE:-/var/tmp/heartbeat-test-roots}
DEBROOT_SUITE=bookworm

debroot_require() {
    command -v mmdebstrap >/dev/null || { echo "SKIP: mmdebstrap missing (apt-get install mmdebstrap)"; exit 77; }
}

debroot_tar() {
    local name=$1 list tar stamp
    shift
    list=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
    # The file name carries the package list, so a changed list builds a new root.
    stamp=$(printf '%s %s' "$DEBROOT_SUITE" "$list" | md5sum | cut -c1-12)
    tar=$DEBROOT_CACHE/$name-$DEBROOT_SUITE-$stamp.tar
    mkdir -p "$DEBROOT_CACHE"
    (
        flock 9
        if [ -f "$tar" ] && [ -s "$tar" ] && [ -z "$(find "$tar" -mtime +7)" ]; then
            exit 0
        fi
        echo "debroot: building $name ($DEBROOT_SUITE: $list) into $tar" >&2
        # policy-rc.d forbids starting services while the root is made (Debian's heartbeat
        # would start), and is gone afterwards: the tests decide what runs.
        rm -rf "$tar.tmp"
        mmdebstrap --quiet --variant=minbase --format=tar --include="$list" \
            --essential-hook='printf "#!/bin/sh\nexit 101\n" >"$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"' \
            --customize-hook='rm -f "$1/usr/sbin/policy-rc.d"' \
            "$DEBROOT_SUITE" "$tar.tmp" >&2 && mv "$tar.tmp" "$tar"
    ) 9>"$DEBROOT_CACHE/.lock" || return 1
    [ -f "$tar" ] && echo "$tar"
}

debroot_path() { echo "$(netns_state_dir "$P")/roots/$1"; }

# What the node's holder process runs before it sleeps in the root: its own /proc, /sys, a
# /dev of a few device nodes (never a bind of the host's), devpts, a tmpfs /run.
# shellcheck disable=SC2016
_DEBROOT_INIT='
set -e
host=$1 root=$2
hostname "$host"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=0755,size=8m dev "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/full" c 1 7
mknod -m 666 "$root/dev/random" c 1 8
mknod -m 666 "$root/dev/urandom" c 1 9
mknod -m 666 "$root/dev/tty" c 5 0
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=0755,size=32m run "$root/run"
mkdir -p "$root/run/lock"
exec chroot "$root" /bin/sleep 3600
'

debroot_node() {
    local prefix=$1 host=$2 tar=$3 root state
    state=$(netns_state_dir "$prefix")
    root=$(debroot_path "$host")
    rm -rf "$root"
    mkdir -p "$root" "$state/pids"
    tar -C "$root" -xf "$tar" || return 1
    # The test's own /etc/hosts and resolv.conf are written by the test.
    ip netns exec "$prefix-$host" unshare --uts --mount --propagation private \
        /bin/sh -c "$_DEBROOT_INIT" debroot "$host" "$root" >"$state/root-$host.out" 2>&1 &
    echo $! >"$state/pids/root-$host.pid"
    local i pid
    pid=$(_debroot_pid "$host")
    # Ready once the holder has mounted everything and entered the root.
    for ((i = 0; i < 50; i++)); do
        if [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ]; then
            # What a boot does for /run: the packages' tmpfiles.d (heartbeat's run dirs).
            debroot_exec "$host" sh -c 'command -v systemd-tmpfiles >/dev/null && systemd-tmpfiles --create --boot 2>/dev/null; true'
            return 0
        fi
        sleep 0.1
    done
    echo "debroot: $host did not come up: $(cat "$state/root-$host.out")" >&2
    return 1
}

_debroot_pid() { cat "$(netns_state_dir "$P")/pids/root-$1.pid" 2>/dev/null; }

debroot_exec() {
    local host=$1 pid
    shift
    pid=$(_debroot_pid "$host") || return 1
    # The holder's root is the node's root: -r and -w put us there too.
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb \
        nsenter -t "$pid" -n -u -m -r -w -- "$@"
}

debroot_bg() {
    local host=$1 name=$2 state
    shift 2
    state=$(netns_state_dir "$P")
    debroot_exec "$host" "$@" >"$state/$name.out" 2>&1 &
    echo $! >"$state/pids/$name.pid"
    DEBROOT_LAST_PID=$!
}
