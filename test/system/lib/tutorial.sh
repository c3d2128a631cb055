# SPDX-License-Identifier: GPL-2.0-or-later
# The classic LVS-director tutorial's configuration commands, as it prints them (after its
# `apt-get install heartbeat`, before its `systemctl enable/start heartbeat`): the templates
# from /usr/share/doc/heartbeat, `auth 1` / `1 crc`, its ha.cf block, /etc/hosts, and the VIP
# line in haresources. The deb tests run them inside the machines' roots, word for word.
# Sourcing this file brings the libraries those tests use.
. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
. "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debroot.sh"
tutorial_configure() {
    cat <<'TUTORIAL'
cp /usr/share/doc/heartbeat/authkeys /etc/ha.d/
cp /usr/share/doc/heartbeat/ha.cf.gz /etc/ha.d/
cp /usr/share/doc/heartbeat/haresources.gz /etc/ha.d/
gunzip /etc/ha.d/ha.cf.gz
gunzip /etc/ha.d/haresources.gz
chmod 600 /etc/ha.d/authkeys
sed -i 's/#auth 1/auth 1/' /etc/ha.d/authkeys
sed -i 's/#1 crc/1 crc/' /etc/ha.d/authkeys
cat <<EOF >> /etc/ha.d/ha.cf
keepalive 2
deadtime 30
initdead 120
udpport 694
bcast ens32
node lvs-01
node lvs-02
EOF
cat <<EOF >> /etc/hosts
192.168.219.11 lvs-01
192.168.219.12 lvs-02
EOF
echo "lvs-01 IPaddr::192.168.219.100/24/ens32:0/192.168.219.255" >> /etc/ha.d/haresources
TUTORIAL
}

# The one change the tests make to the tutorial's files: shorter timings, by a sed after its
# lines (run it inside the machine).
tutorial_short_timings=(sed -i 's/^keepalive 2$/keepalive 500ms/; s/^deadtime 30$/deadtime 2/; s/^initdead 120$/initdead 10/' /etc/ha.d/ha.cf)

# What our package needs at run time, and the tools the tests run inside the machines: in the
# roots beforehand, so apt there needs no network.
tutorial_root_packages=(adduser iproute2 libboost-program-options1.74.0 libnl-3-200
    libnl-route-3-200 libssl3 libsystemd0 logrotate nftables procps systemd iputils-ping)

# tutorial_begin PREFIX DEB: the deb tests' start. Skips (77) without a package, root or
# mmdebstrap; builds the tutorial's network (lvs-01, lvs-02 and a client on one segment),
# removed on exit. Sets P, state and VIP.
tutorial_begin() {
    [ -s "$2" ] || { echo "SKIP: no package built (ctest fixture deb.build)"; exit 77; }
    debroot_require
    netns_require_root
    P=$1
    trap 'netns_cleanup "$P"' EXIT
    trap 'exit 130' INT TERM
    netns_setup "$P" lvs-01 lvs-02 client || { echo "FAIL setup"; exit 1; }
    state=$(netns_state_dir "$P")
    VIP=192.168.219.100
}

# Whether cl_status on machine $1 calls node $2 active.
tutorial_sees_active() { [ "$(debroot_exec "$1" cl_status nodestatus "$2" 2>/dev/null)" = active ]; }
