#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live reload with two of ours: `kill -HUP` of the daemon or `heartbeat -r` makes it re-read
# ha.cf, authkeys and haresources and apply what changed in place, same PID, without
# touching the rest. lvs-01 holds VIP1 with ipvsadm-wrapper (the LVS demo's group) while the
# client pings VIP1 every 20 ms through every reload:
#  1. added: a group for lvs-01 (VIP2) and one for lvs-02 (VIP3), a second medium (bcast
#     on a second network, ens34); keepalive changed: VIP2 and VIP3 come up where they
#     belong, keepalive answers the new value, the new link is listed and up;
#  2. VIP2's line removed, VIP3's moved to lvs-01, `realtime false` (restart only): VIP2
#     goes, VIP3 ends on lvs-01 alone, the restart-only directive is named in a warning;
#  3. files with an error each (ha.cf and haresources): nothing changes, the log says so
#     with every error line of --check-config (file and line); `heartbeat -r` refuses them;
#  4. reload 2's files again: nothing in place, and `realtime false` is named again;
#  5. the running files without it: "Configuration unchanged.".
# Throughout: same PIDs, started once; lvs-01's nftables ruleset (the LVS table) byte for
# byte the same; not one ping to VIP1 lost (the figures are printed).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
. "$HERE/lib/lvs.sh"
lvs_begin hbreload dr
netns_add_network "$P" br56 192.168.56 ens34 lvs-01:11 lvs-02:12 ||
    { echo "FAIL setup of the second network"; exit 1; }
lvs_web_start web-01
lvs_web_start web-02
HB=$HB_STAGE/usr/libexec/heartbeat/heartbeat
CL=$HB_STAGE/usr/bin/cl_status
VIP1=$VIP # 192.168.219.100, the LVS service address
VIP2=192.168.219.200
VIP3=192.168.219.201
export CLUSTER_DEADTIME=3
G1="lvs-01 IPaddr::$VIP1/24/ens32 ipvsadm-wrapper::/etc/ha.d/ipvsadm.rules"

# write_conf HOST KEEPALIVE EXTRA_HA_CF HARESOURCES : that node's ha.cf, authkeys, haresources.
write_conf() {
    CLUSTER_KEEPALIVE=$2 HARESOURCES=$4 cluster_conf "$state/conf-$1" "1 sha1 secret" \
        "env BIN=$HB_STAGE/usr/libexec/heartbeat${3:+
$3}"
}
for h in lvs-01 lvs-02; do
    write_conf "$h" 500ms "" "$G1"
    lvs_rules "$state/conf-$h/ipvsadm.rules"
done
netns_exec "$P" client sysctl -qw net.ipv4.conf.all.arp_accept=1 \
    net.ipv4.conf.ens32.arp_accept=1 net.ipv4.neigh.ens32.locktime=0

cl() { netns_node_exec "$P" "$1" "$CL" "${@:2}" 2>/dev/null; }
is() { [ "$(cl "$1" "${@:3}")" = "$2" ]; }
only_on() { has_addr "$2" "$1" && lacks_addr "$3" "$1"; }
on_neither() { lacks_addr lvs-01 "$1" && lacks_addr lvs-02 "$1"; }
links() { cl "$1" listhblinks "$2" | tr -d '\t ' | sort | paste -sd' ' -; }
links_are() { [ "$(links "$1" "$2")" = "$3" ]; }
nft_rules() { netns_exec "$P" lvs-01 nft -a list ruleset; }
nft_same() { [ "$(nft_rules)" = "$NFT_BEFORE" ]; }
# snapshot : both nodes' addresses on ens32, keepalive, and each one's links to the other;
# same_as SNAPSHOT : it is still that (else shows what differs).
snapshot() {
    local h o
    for h in lvs-01 lvs-02; do
        o=lvs-02
        [ "$h" = lvs-02 ] && o=lvs-01
        echo "$h: ens32 $(netns_exec "$P" "$h" ip -4 -o addr show dev ens32 | awk '{print $4}' | sort | paste -sd' ' -)"
        echo "$h: keepalive $(cl "$h" hbparameter -p keepalive), links of $o: $(links "$h" "$o")"
    done
}
same_as() {
    local now
    now=$(snapshot)
    [ "$now" = "$1" ] && return 0
    diff <(echo "$1") <(echo "$now") | sed 's/^/  /'
    return 1
}
# mark HOST : lines in HOST's ha-log so far; logged_after HOST MARK ERE : a later line matches.
mark() { wc -l <"$(cluster_log "$P" "$1")"; }
logged_after() { tail -n +$(($2 + 1)) "$(cluster_log "$P" "$1")" | grep -Eq -- "$3"; }
logged_after_fixed() { tail -n +$(($2 + 1)) "$(cluster_log "$P" "$1")" | grep -Fq -- "$3"; }
starts() { grep -c 'Configuration validated\. Starting heartbeat' "$(cluster_log "$P" "$1")"; }
# same_daemon HOST PID : PID still runs our heartbeat, is the node's pid file, started once.
same_daemon() {
    [ "$(cat "/proc/$2/comm" 2>/dev/null)" = heartbeat ] &&
        [ "$(netns_node_exec "$P" "$1" cat /run/heartbeat.pid 2>/dev/null | tr -d ' \n')" = "$2" ] &&
        [ "$(starts "$1")" = 1 ]
}

rm -f "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-02)" # a kept state dir's old run
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
PID1=$(cluster_pid "$P" lvs-01)
PID2=$(cluster_pid "$P" lvs-02)

check "setup: lvs-01 holds VIP1 and its LVS table" wait_until 20 lvs_holds lvs-01
check "setup: lvs-02 holds neither" lvs_lacks lvs-02
check "setup: the LVS checker sees both web servers up" wait_until 5 lvs_up_count lvs-01 2
check "setup: lvs-02 is active for lvs-01" wait_until 5 is lvs-01 active nodestatus lvs-02
ka=$(cl lvs-01 hbparameter -p keepalive)
check "setup: keepalive reads as written in ha.cf (got: $ka)" test "$ka" = 500ms
out=$(links lvs-01 lvs-02)
check "setup: lvs-02's one link is ens32 (got: $out)" test "$out" = ens32
check "setup: the client reaches VIP1" netns_exec "$P" client ping -n -c 1 -w 2 "$VIP1" >/dev/null
check "setup: each daemon started once (banner: 'Configuration validated. Starting heartbeat')" \
    test "$(starts lvs-01) $(starts lvs-02)" = "1 1"
sleep 1 # let the LVS checker settle before taking the reference ruleset
NFT_BEFORE=$(nft_rules)
check "setup: lvs-01 has an LVS table in its ruleset" grep -q 'table .*hb_lvs_' <<<"$NFT_BEFORE"

# The client pings VIP1 every 20 ms for the whole reload phase (at most 90 s).
netns_bg "$P" client ping ping -n -i 0.02 -c 4500 "$VIP1"
PING_PID=$NETNS_LAST_PID
ping_runs() { [ "$(cat "/proc/$PING_PID/comm" 2>/dev/null)" = ping ]; }
check "setup: the client's ping runs (pid $PING_PID)" wait_until 2 ping_runs
sleep 0.5

# 1. Add two groups and a medium, change keepalive. lvs-01 by SIGHUP, lvs-02 by heartbeat -r.
HR2="$G1
lvs-01 IPaddr::$VIP2/24/ens32
lvs-02 IPaddr::$VIP3/24/ens32"
for h in lvs-01 lvs-02; do write_conf "$h" 300ms "bcast ens34" "$HR2"; done
m1=$(mark lvs-01) m2=$(mark lvs-02)
kill -HUP "$PID1"
out=$(netns_node_exec "$P" lvs-02 "$HB" -r 2>&1)
rc=$?
echo "reload 1: heartbeat -r on lvs-02 said (exit $rc): $out"
check "reload 1: heartbeat -r exits 0" test "$rc" = 0
check "reload 1: lvs-01 logs 'Configuration reloaded:'" \
    wait_until 5 logged_after lvs-01 "$m1" 'Configuration reloaded:'
check "reload 1: lvs-02 too" wait_until 5 logged_after lvs-02 "$m2" 'Configuration reloaded:'
grep -h 'Configuration reloaded:' "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-02)" |
    sed 's/^/  /'
check "reload 1: VIP2 comes up on lvs-01" wait_until 8 only_on "$VIP2" lvs-01 lvs-02
check "reload 1: VIP3 comes up on lvs-02" wait_until 8 only_on "$VIP3" lvs-02 lvs-01
check "reload 1: VIP1 stays on lvs-01 alone" only_on "$VIP1" lvs-01 lvs-02
ka=$(cl lvs-01 hbparameter -p keepalive)
check "reload 1: keepalive on lvs-01 is now 300ms (got: $ka)" test "$ka" = 300ms
ka=$(cl lvs-02 hbparameter -p keepalive)
check "reload 1: …and on lvs-02 (got: $ka)" test "$ka" = 300ms
check "reload 1: lvs-01 lists lvs-02's new link ens34" wait_until 3 links_are lvs-01 lvs-02 "ens32 ens34"
echo "  lvs-01: listhblinks lvs-02: $(links lvs-01 lvs-02)"
check "reload 1: …and it comes up" wait_until 5 is lvs-01 up hblinkstatus lvs-02 ens34
check "reload 1: lvs-02 lists lvs-01's new link ens34" wait_until 3 links_are lvs-02 lvs-01 "ens32 ens34"
echo "  lvs-02: listhblinks lvs-01: $(links lvs-02 lvs-01)"
check "reload 1: …and it comes up" wait_until 5 is lvs-02 up hblinkstatus lvs-01 ens34
check "reload 1: lvs-01 is the same daemon (pid $PID1, started once)" same_daemon lvs-01 "$PID1"
check "reload 1: lvs-02 too (pid $PID2)" same_daemon lvs-02 "$PID2"
check "reload 1: lvs-01's nftables ruleset is byte for byte the same" nft_same

# 2. Remove VIP2's line, move VIP3's to lvs-01, turn realtime (restart only) off. lvs-01 by
# heartbeat -r, lvs-02 by SIGHUP.
HR3="$G1
lvs-01 IPaddr::$VIP3/24/ens32"
EXTRA3=$'bcast ens34\nrealtime false'
for h in lvs-01 lvs-02; do write_conf "$h" 300ms "$EXTRA3" "$HR3"; done
m1=$(mark lvs-01) m2=$(mark lvs-02)
out=$(netns_node_exec "$P" lvs-01 "$HB" -r 2>&1)
rc=$?
kill -HUP "$PID2"
echo "reload 2: heartbeat -r on lvs-01 said (exit $rc): $out"
check "reload 2: heartbeat -r exits 0" test "$rc" = 0
check "reload 2: lvs-01 logs 'Configuration reloaded:'" \
    wait_until 5 logged_after lvs-01 "$m1" 'Configuration reloaded:'
check "reload 2: lvs-02 too" wait_until 5 logged_after lvs-02 "$m2" 'Configuration reloaded:'
RESTART_ONLY='realtime.*takes effect when heartbeat is restarted|takes effect when heartbeat is restarted.*realtime'
check "reload 2: lvs-01 warns that realtime takes effect when heartbeat is restarted" \
    logged_after lvs-01 "$m1" "$RESTART_ONLY"
check "reload 2: …and lvs-02" logged_after lvs-02 "$m2" "$RESTART_ONLY"
tail -n +$((m1 + 1)) "$(cluster_log "$P" lvs-01)" | grep 'effect when heartbeat is restarted' | sed 's/^/  /'
check "reload 2: VIP2 is gone from lvs-01 (and not on lvs-02)" wait_until 8 on_neither "$VIP2"
check "reload 2: VIP3 moves to lvs-01" wait_until 10 only_on "$VIP3" lvs-01 lvs-02
sleep 1
check "reload 2: …and stays there alone" only_on "$VIP3" lvs-01 lvs-02
check "reload 2: VIP1 stays on lvs-01 alone" only_on "$VIP1" lvs-01 lvs-02
ka=$(cl lvs-01 hbparameter -p keepalive)
check "reload 2: keepalive is still 300ms (got: $ka)" test "$ka" = 300ms
check "reload 2: lvs-01 is the same daemon (pid $PID1, started once)" same_daemon lvs-01 "$PID1"
check "reload 2: lvs-02 too (pid $PID2)" same_daemon lvs-02 "$PID2"
check "reload 2: lvs-01's nftables ruleset is byte for byte the same" nft_same

# 3. An error in each file on lvs-01: refused by heartbeat -r; on SIGHUP nothing changes and
# the log carries --check-config's error lines.
write_conf lvs-01 300ms "$EXTRA3
bogus_directive yes" "$HR3
lvs-01 IPaddr::300.1.1.1/24"
cf_line=$(grep -n '^bogus_directive' "$state/conf-lvs-01/ha.cf" | cut -d: -f1)
hr_line=$(grep -n '300\.1\.1\.1' "$state/conf-lvs-01/haresources" | cut -d: -f1)
errors=$(netns_node_exec "$P" lvs-01 "$HB" --check-config 2>&1 | grep ': error: ')
echo "reload 3: --check-config on lvs-01's new files:"
printf '%s\n' "$errors" | sed 's/^/  /'
check "reload 3: --check-config names ha.cf:$cf_line" grep -Eq "(^|/)ha\.cf:$cf_line: error: unknown directive 'bogus_directive'" <<<"$errors"
check "reload 3: --check-config names haresources:$hr_line" grep -Eq "(^|/)haresources:$hr_line: error: .*300\.1\.1\.1" <<<"$errors"
before3=$(snapshot)
echo "reload 3: before:"
printf '%s\n' "$before3" | sed 's/^/  /'
m1=$(mark lvs-01)
out=$(netns_node_exec "$P" lvs-01 "$HB" -r 2>&1)
rc=$?
check "reload 3: heartbeat -r refuses the files (exit $rc)" test "$rc" != 0
kill -HUP "$PID1"
check "reload 3: SIGHUP: lvs-01 logs 'SIGHUP: configuration has errors; keeping the running one'" \
    wait_until 5 logged_after lvs-01 "$m1" 'SIGHUP: configuration has errors; keeping the running one'
while IFS= read -r e; do
    [ -n "$e" ] || continue
    e=${e#/etc/ha.d/} # the daemon may log it with or without the directory
    check "reload 3: …and logs: $e" logged_after_fixed lvs-01 "$m1" "$e"
done <<<"$errors"
sleep 1
check "reload 3: nothing is reloaded" bash -c "! tail -n +$((m1 + 1)) '$(cluster_log "$P" lvs-01)' | grep -q 'Configuration reloaded:'"
check "reload 3: addresses, keepalive and links are as before" same_as "$before3"
check "reload 3: lvs-01 is the same daemon (pid $PID1, started once)" same_daemon lvs-01 "$PID1"
check "reload 3: lvs-01's nftables ruleset is byte for byte the same" nft_same

# 4. The files of reload 2 again: nothing to apply in place, and `realtime false` still
# waits for a restart, which is said again. 5. Without it: "Configuration unchanged.".
write_conf lvs-01 300ms "$EXTRA3" "$HR3"
m1=$(mark lvs-01)
kill -HUP "$PID1"
check "reload 4: the files of reload 2 again: nothing in place" \
    wait_until 5 logged_after lvs-01 "$m1" 'Configuration reloaded: nothing in place'
check "reload 4: …and realtime still waits for a restart" \
    logged_after lvs-01 "$m1" "realtime.*takes effect when heartbeat is restarted"
write_conf lvs-01 300ms "bcast ens34" "$HR3"
m1=$(mark lvs-01)
kill -HUP "$PID1"
check "reload 5: without realtime false: lvs-01 logs 'Configuration unchanged.'" \
    wait_until 5 logged_after lvs-01 "$m1" 'Configuration unchanged\.'
check "reload 5: addresses, keepalive and links are as before" same_as "$before3"

# The client's ping: stop it (SIGINT: it prints its summary) and count the lost replies.
# The echo in flight when it stops is not counted.
kill -INT "$PING_PID" 2>/dev/null
for ((i = 0; i < 20; i++)); do _netns_alive "$PING_PID" || break; sleep 0.1; done
netns_stop "$P" ping 2
pout=$state/ping.out
# inetutils-ping says "N packets received" and counts from icmp_seq=0; iputils-ping (which
# Debian's pacemaker pulls in) says "N received" and counts from 1.
sent=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) \(packets \)\{0,1\}received.*/\1/p' "$pout")
got=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) \(packets \)\{0,1\}received.*/\2/p' "$pout")
first=0
grep -q 'icmp_seq=0 ' "$pout" || first=1
lost=$(grep -o 'icmp_seq=[0-9]*' "$pout" | cut -d= -f2 | sort -un |
    awk -v n="${sent:-0}" -v f="$first" '$1 < f + n - 1 { seen[$1] = 1 }
        END { l = 0; for (i = f; i < f + n - 1; i++) if (!(i in seen)) l++; print l }')
echo "client ping to VIP1 every 20 ms: sent ${sent:-?}, received ${got:-?}, lost ${lost:-?} (not counting the one in flight at the stop)"
# The five reloads take about 4 s here; at least 2 s of pings must have covered them.
check "the ping ran through the reloads (sent ${sent:-0} >= 100)" test "${sent:-0}" -ge 100
check "not one reply from VIP1 was lost (lost ${lost:-?})" test "${lost:-1}" = 0

finish lvs-01 lvs-02
