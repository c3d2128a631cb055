#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tutorial's LVS cluster end to end, in direct routing (070-lvs.sh dr) or NAT (nat):
# two of our directors with the VIP and ipvsadm-wrapper in one group (nftables data plane,
# as this kernel has no IPVS), web-01/web-02 behind them, a client asking every 100 ms.
#  1. both web servers answer through the VIP; only lvs-01 holds the VIP and the table;
#  2. the active director dies (kill -9 of heartbeat and its link down): the client is
#     answered again within deadtime + 2 s, sees no reset, and a download running through
#     the failover completes intact;
#  3. lvs-01 returns: auto_failback hands VIP and table back, lvs-02 keeps neither;
#  4. web-01's server stops: within fall × interval + 1 s every request is answered by
#     web-02, and web-01 serves again after it restarts; an HTTP 503 takes it out too;
#     lvs-01's metrics page (heartbeat-ng.cf: metrics_textfile) follows web-01's health and
#     counts its checks;
#  5. a rules file with a bad line: the agent refuses it naming the line, changes nothing.
# A second argument `ipvs` runs the same with kernel IPVS (#@backend ipvs, #@sync ens32)
# where the kernel has it, and skips, saying why, where it does not.
# Prints the client-side outages it measured.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
. "$HERE/lib/lvs.sh"
MODE=${1:-dr}
export LVS_BACKEND=${2:-nftables}
if [ "$LVS_BACKEND" = ipvs ]; then
    [ -e /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null
    if [ ! -e /proc/net/ip_vs ]; then
        echo "SKIP: this kernel has no IPVS (/proc/net/ip_vs absent, modprobe ip_vs failed);" \
            "the kernel-IPVS back end is tested where the kernel has it, the nftables one here"
        exit 77
    fi
    command -v ipvsadm >/dev/null || { echo "SKIP: ipvsadm missing (apt-get install ipvsadm)"; exit 77; }
fi
lvs_begin "hblvs$MODE${LVS_BACKEND:0:1}" "$MODE"
lvs_confs
printf 'metrics_textfile /var/lib/heartbeat/heartbeat.prom\nmetrics_interval 1\n' \
    >"$state/conf-lvs-01/heartbeat-ng.cf"
prom=$state/nodes/lvs-01/lib/heartbeat.prom  # lvs-01's /var/lib/heartbeat, from outside
# real_server METRIC HOST [OUTCOME] : web host HOST's sample of METRIC on lvs-01's page.
real_server() {
    grep -F "heartbeat_real_server_$1{" "$prom" 2>/dev/null |
        grep -F "server=\"$(lvs_rip "$2"):80\"" | grep -F "${3:+outcome=\"$3\"}" | awk '{print $NF}'
}
real_server_is() { test "$(real_server "$1" "$2" | head -1)" = "$3"; }
lvs_web_start web-01
lvs_web_start web-02

cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
check "lvs-01 holds the VIP and its LVS table" wait_until 10 lvs_holds lvs-01
check "lvs-02 holds neither" lvs_lacks lvs-02
seen=$(lvs_servers_seen 2)
check "both web servers answer through the VIP (saw: $seen)" test "$seen" = "web-01,web-02"
check "the table's health checker sees both up" wait_until 5 lvs_up_count lvs-01 2

# 2. The active director dies while a download and the request loop run.
sleep 2  # past the start-up dead-time bonus
lvs_loop failover 14
dl_out=$state/download.out
netns_bg "$P" client download "${LVS_CLIENT[@]}" download \
    --url "http://$VIP/slow?bytes=3000000&rate=300000" --bytes 3000000 --timeout 40
dl_pid=$NETNS_LAST_PID
sleep 2
killed=$(now_ms)
kill -9 "$(cluster_pid "$P" lvs-01)"
netns_exec "$P" lvs-01 ip link set ens32 down
[ "$MODE" = nat ] && netns_exec "$P" lvs-01 ip link set ens34 down
check "lvs-02 takes the VIP and the table" wait_until 8 lvs_holds lvs-02
lvs_wait_loop failover
wait "$dl_pid" 2>/dev/null
dl=$(cat "$state/download.out" 2>/dev/null)
outage=$(lvs_kv failover outage_ms "$killed")
resets=$(lvs_kv failover reset "$killed")
echo "director failover ($MODE): client outage ${outage} ms (first failed to first good request; deadtime 2000 ms)"
lvs_summary failover "$killed" | sed 's/^/  /'
check "the client is answered again within deadtime + 2 s (${outage} ms)" \
    test "${outage:-99999}" -le 4000
check "no request saw a reset ($resets)" test "${resets:-1}" -eq 0
check "the client recovered and stayed served" \
    test "$(lvs_kv failover recovered "$killed")" = 1 -a "$(lvs_kv failover fails_after_recovery "$killed")" = 0
check "after the failover both web servers answer via lvs-02 ($(lvs_servers_seen 2))" \
    test "$(lvs_servers_seen 2)" = "web-01,web-02"
# DR: the same hash on both directors sends the connection's packets to the same server.
# NAT: conntrack on lvs-02 picks the connection up mid-stream (from either end), see the
# postrouting chain in heartbeat/lvs/nft_ruleset.cpp.
check "a download running through the failover completed intact ($dl)" grep -q '^download ok' <<<"$dl"

# 3. lvs-01 comes back (link up, daemon restarted): it releases what kill -9 left, then
# auto_failback returns the group; lvs-02 keeps no VIP and no table.
netns_exec "$P" lvs-01 ip link set ens32 up
[ "$MODE" = nat ] && netns_exec "$P" lvs-01 ip link set ens34 up
mv "$(cluster_log "$P" lvs-01)" "$(cluster_log "$P" lvs-01).1"
lvs_loop failback 10
back=$(now_ms)
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
check "lvs-01 gets VIP and table back" wait_until 10 lvs_holds lvs-01
check "lvs-02 released both" wait_until 5 lvs_lacks lvs-02
lvs_wait_loop failback
echo "failback ($MODE): client outage $(lvs_kv failback outage_ms "$back") ms"
lvs_summary failback "$back" | sed 's/^/  /'
check "no reset during the failback" test "$(lvs_kv failback reset "$back")" -eq 0
check "both web servers answer via lvs-01 again" test "$(lvs_servers_seen 2)" = "web-01,web-02"

# 4. web-01's server stops, then returns; then it answers 503.
lvs_loop webdeath 12
sleep 1
stopped=$(now_ms)
lvs_web_stop web-01
check "the checker reports web-01 down" \
    cluster_wait "$P" lvs-01 "real server $(lvs_rip web-01):80 \(web-01\) down: connection refused after 2 checks" 5
sleep 2
lvs_web_start web-01
restarted=$(now_ms)
check "the checker reports web-01 up again" \
    cluster_wait "$P" lvs-01 "real server $(lvs_rip web-01):80 \(web-01\) up: HTTP 200 after 2 checks" 5
lvs_wait_loop webdeath
limit=$((stopped + 2 * 500 + 1000))
echo "web-01 stopped ($MODE): client outage $(lvs_kv webdeath outage_ms "$stopped" "$restarted") ms (fall 2 x interval 500 ms)"
lvs_summary webdeath "$stopped" "$restarted" | sed 's/^/  /'
check "from fall x interval + 1 s on, every request is answered by web-02" \
    test "$(lvs_summary webdeath "$limit" "$restarted" | awk '$1=="servers"{print $2}')" = web-02 -a \
    "$(lvs_kv webdeath ok "$limit" "$restarted")" = "$(lvs_kv webdeath requests "$limit" "$restarted")"
served_after() { awk -v t="$2" -v w="$3" '$1 > t && $3 == "ok" && $4 == w' "$state/$1.rec" | grep -q .; }
check "web-01 serves again after it restarts" served_after webdeath "$restarted" web-01
lvs_web_fail web-01 on
check "an HTTP 503 takes web-01 out" \
    cluster_wait "$P" lvs-01 "real server $(lvs_rip web-01):80 \(web-01\) down: HTTP 503 after 2 checks" 5
check "…and then only web-02 answers" test "$(lvs_servers_seen 1)" = web-02
check "lvs-01's metrics say web-01 is down" wait_until 3 real_server_is up web-01 0
check "…and web-02 up" real_server_is up web-02 1
failed=$(real_server checks_total web-01 failed)
check "…with web-01's failed checks counted ($failed)" test "${failed:-0}" -ge 4
if command -v promtool >/dev/null; then
    out=$(promtool check metrics <"$prom" 2>&1)
    rc=$?
    check "promtool check metrics accepts the page with the LVS families ($rc: $out)" \
        test "$rc" -eq 0 -a -z "$out"
fi
check "…under its name and service" grep -qF \
    "heartbeat_real_server_up{rules=\"/etc/ha.d/ipvsadm.rules\",service=\"TCP $VIP:80\",server=\"$(lvs_rip web-01):80\",name=\"web-01\"} 0" "$prom"
lvs_web_fail web-01 off
check "web-01 back after its 503s end" wait_until 5 lvs_up_count lvs-01 2
check "both answer again" test "$(lvs_servers_seen 2)" = "web-01,web-02"
check "lvs-01's metrics say web-01 is up again" wait_until 3 real_server_is up web-01 1
age=$(grep '^heartbeat_lvs_checker_last_update_age_seconds{' "$prom" | awk '{print $NF}')
check "the checker's last update is recent (${age} s)" awk -v a="${age:-99}" 'BEGIN { exit !(a < 3) }'

# 5. A bad line is refused with its line, and the running table is left as it was.
bad=$state/conf-lvs-02/bad.rules
lvs_rules "$bad"
sed -i '2s/-w 1/-w lots/' "$bad"
out=$(netns_node_exec "$P" lvs-02 "$LVS_AGENT" /etc/ha.d/bad.rules start 2>&1)
rc=$?
check "a bad rules file is refused (exit $rc)" test "$rc" -eq 6
check "…naming its line: $(head -1 <<<"$out")" grep -q "^/etc/ha.d/bad.rules:2: error: weight 'lots'" <<<"$out"
no_bad_table() { ! netns_exec "$P" lvs-02 nft list tables | grep -q bad_rules; }
check "…and nothing of it is applied" no_bad_table
badconf=$state/badconf
mkdir -p "$badconf"
cp "$state/conf-lvs-01/ha.cf" "$state/conf-lvs-01/authkeys" "$badconf/"
sed "s|/etc/ha.d/ipvsadm.rules|$bad|" "$state/conf-lvs-01/haresources" >"$badconf/haresources"
out=$("$HB_STAGE/usr/libexec/heartbeat/heartbeat" --check-config --config-dir "$badconf" \
    --node-name lvs-01 2>&1)
check "heartbeat --check-config refuses it too, with its line" grep -q "^$bad:2: error: weight 'lots'" <<<"$out"

finish lvs-01 lvs-02
