#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvsadm-wrapper on its own (no heartbeat), nftables back end, in a director namespace:
#  - start is atomic and idempotent, stop removes the file's tables only (another rules
#    file's table and the administrator's own tables stay), stopping twice succeeds;
#  - status tells the truth: a table changed behind its back, an edited rules file, a
#    checker that died, are each "stopped" with the reason, and start puts it right;
#  - what the machine or the back end cannot do is refused before anything changes: a bad
#    line, a tunnel (-i) server, a VIP no interface reaches;
#  - a real server without an ARP answer gets no new connections until it answers;
#  - a sorry server takes over while every real server fails its check;
#  - the checker keeps CAP_NET_ADMIN alone (no_new_privs, bounding set too);
#  - stop leaves no table, no checker and no state behind.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
. "$HERE/lib/lvs.sh"
lvs_begin hblvsag dr
lvs_web_start web-01
lvs_web_start web-02
rsc=$state/rsc
mkdir -p "$rsc"
agent() { netns_exec "$P" lvs-01 env HA_RSCTMP="$rsc" HA_LOGFILE="$state/ha-log" "$LVS_AGENT" "$@"; }
tables() { netns_exec "$P" lvs-01 nft list tables; }
status_says() { agent "$1" status | grep -q -- "$2"; }
# says FILE ACTION ERE : the agent's output for ACTION matches ERE.
says() { agent "$1" "$2" 2>&1 | grep -Eq -- "$3"; }
checker_pid() { agent "$1" show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["checker"]["pid"])'; }
has_table() { tables | grep -q "$1"; }
lacks_table() { ! has_table "$1"; }
lvs_checked_up() { [ "$(agent "$a" show --json | grep -o '"health":"up"' | wc -l)" -eq "$1" ]; }
alive() { [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
netns_exec "$P" lvs-01 ip addr add "$VIP/24" dev ens32 label ens32:0

a=$state/a.rules
b=$state/b.rules
lvs_rules "$a"
{ echo "-A -t $VIP:8080 -s rr"; echo "-a -t $VIP:8080 -r 192.168.219.21:8080 -g"; } >"$b"
netns_exec "$P" lvs-01 nft add table ip admin_own

check "start a" agent "$a" start
check "start b" agent "$b" start
check "start a again: already running" says "$a" start 'already running'
check "both files' tables are in place" test "$(tables | grep -c hb_lvs_)" -eq 4
check "status a: running" status_says "$a" ': running (nftables)'
check "requests are balanced (both servers answer)" test "$(lvs_servers_seen 2)" = "web-01,web-02"

check "stop b" agent "$b" stop
check "…removes b's tables" lacks_table b_rules
check "…leaves a's tables" test "$(tables | grep -c a_rules)" -eq 2
check "…and the administrator's own" has_table admin_own
check "stop b again succeeds" agent "$b" stop
check "status b: stopped" status_says "$b" ': stopped'

# Tampering, an edited file, a dead checker: status says so, start mends it.
table=$(tables | awk '/netdev hb_lvs_.*a_rules/ {print $3}')
netns_exec "$P" lvs-01 nft flush chain netdev "$table" s0
check "a table changed behind the agent's back is not running" status_says "$a" 'differs from what was applied'
check "start puts it back" agent "$a" start
check "…and status is running again" status_says "$a" ': running'
echo "# a comment added later" >>"$a"
check "an edited rules file is not running" status_says "$a" 'changed since it was applied'
check "start applies the edited file" agent "$a" start
kill -9 "$(checker_pid "$a")"
check "a dead checker is noticed" wait_until 3 status_says "$a" 'health checker is not running'
agent "$a" show --json >"$state/show.json"
check "show --json says it is gone" grep -q "\"alive\":false" "$state/show.json"
check "show says so in words" says "$a" show 'checker pid [0-9]+ gone' 
check "start brings a new checker" agent "$a" start
check "…running" status_says "$a" ': running'

# Refused before anything changes.
before=$(tables)
bad=$state/bad.rules
{ echo "-A -t $VIP:81 -s rr"; echo "-a -t $VIP:81 -r 192.168.219.21 -i"; } >"$bad"
out=$(agent "$bad" start 2>&1)
check "a tunnel server is refused by the nftables back end with its line (exit 6)" \
    grep -q "^$bad:2: error: the nftables back end has no IP-in-IP tunnel" <<<"$out"
{ echo "-A -t 10.77.0.1:80 -s rr"; echo "-a -t 10.77.0.1:80 -r 192.168.219.21 -g"; } >"$bad"
out=$(agent "$bad" start 2>&1)
check "a VIP no interface reaches is refused: $(tail -1 <<<"$out")" grep -q "no interface of this director has a connected route to 10.77.0.1" <<<"$out"
check "…and no table changed" test "$(tables)" = "$before"

# A real server that does not answer ARP gets no new connections; once it answers, it does.
check "stop a" agent "$a" stop
netns_exec "$P" web-02 ip link set ens32 down
netns_exec "$P" lvs-01 ip neigh del 192.168.219.22 dev ens32
out=$(agent "$a" start 2>&1)
check "start says web-02 has no MAC yet" grep -q "192.168.219.22:80 (web-02) gets no new connections: its MAC is not known yet" <<<"$out"
check "only web-01 answers" test "$(lvs_servers_seen 1)" = web-01
netns_exec "$P" web-02 ip link set ens32 up
check "web-02's MAC is learnt by the checker" wait_until 5 grep -q "real server 192.168.219.22: MAC" "$state/ha-log"
check "…and web-02 answers again" test "$(sleep 0.5; lvs_servers_seen 2)" = "web-01,web-02"

# A sorry server (lvs-02's namespace plays one, set up like a DR real server) takes the new
# connections while every real server fails its check, and leaves when one is back.
netns_exec "$P" lvs-02 ip addr add "$VIP/32" dev lo
netns_exec "$P" lvs-02 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
mkdir -p "$state/ctl-sorry"
netns_bg "$P" lvs-02 web-sorry python3 "$LVS_HERE/websrv.py" --name sorry --port 80 \
    --control "$state/ctl-sorry" --lifetime 900
echo "#@sorry -t $VIP:80 -r 192.168.219.12:80" >>"$a"
check "start with a sorry server" agent "$a" start
lvs_web_fail web-01 on
lvs_web_fail web-02 on
check "every real server out: the checker says so" \
    wait_until 5 grep -q "virtual service TCP $VIP:80: no real server left; sorry server 192.168.219.12:80 takes new connections" "$state/ha-log"
check "…and the sorry server answers" test "$(lvs_servers_seen 1)" = sorry
logged=$(wc -l <"$state/ha-log")
logged_since() { tail -n +$((logged + 1)) "$state/ha-log" | grep -q "$1"; }
lvs_web_fail web-02 off
check "web-02 passes again" wait_until 5 logged_since "real server 192.168.219.22:80 (web-02) up: HTTP 200"
sleep 0.3
seen=$(lvs_servers_seen 1)
check "…and takes the requests from the sorry server (saw: $seen)" test "$seen" = web-02
lvs_web_fail web-01 off
check "web-01 too" wait_until 5 lvs_checked_up 2

# The checker runs with CAP_NET_ADMIN alone (for the nft it runs), and so does all it runs.
pid=$(checker_pid "$a")
cap_line() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$pid/status"; }
check "the checker (pid $pid) keeps only CAP_NET_ADMIN (CapEff $(cap_line CapEff))" \
    test "$(cap_line CapEff)" = 0000000000001000
check "…also in its bounding set (CapBnd $(cap_line CapBnd))" test "$(cap_line CapBnd)" = 0000000000001000
check "…with no_new_privs" test "$(cap_line NoNewPrivs)" = 1

# Stop leaves nothing behind.
check "status before stop: running" status_says "$a" ': running'
check "stop a" agent "$a" stop
check "…its tables are gone" lacks_table a_rules
gone() { ! alive "$1"; }
check "…its checker (pid $pid) is gone" gone "$pid"
check "…its state is gone" test ! -e "$(echo "$rsc"/ipvsadm-wrapper/*a_rules)/state"

finish
