#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Self-test of the LVS test infrastructure (no heartbeat needed): the NAT topology from
# netns_add_host/netns_add_network, websrv.py in web-01 and lvsclient.py in lvs-01
# (loop, summary, servers, download, and what a refusal and a dying server look like).
# Exit 0 pass, 1 fail, 77 skip (not root / no netns / no python3). Prefix: lvsinf.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns.sh
. "$HERE/netns.sh"
# shellcheck source=cluster.sh
. "$HERE/cluster.sh" # check/finish/now_ms only: no heartbeat here
netns_require_root
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

P=lvsinf
trap 'netns_cleanup "$P"' EXIT
trap 'exit 130' INT TERM
PY=(python3 "$HERE/lvsclient.py")
WEB=http://192.168.56.21

root_links() { ip -o link show | awk -F': ' '{print $2}' | sort; }
quiet() { "$@" >/dev/null 2>&1; }
not() { ! "$@"; }
# kv FILE KEY : the value of `KEY value` in a summary.
kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# client CMD... : lvsclient.py in lvs-01; the outer timeout only guards against a bug
# in lvsclient's own bounds. Its stderr (download progress) is shown only on failure.
client() { netns_exec "$P" lvs-01 timeout 60 "${PY[@]}" "$@" 2>>"$state/client.err"; }

links_before=$(root_links)
# netns_setup first cleans up whatever a run that died left behind (namespaces, and
# processes recorded in the state dir or still running in them).
netns_setup "$P" lvs-01 lvs-02 client || { echo "FAIL setup"; exit 1; }
netns_add_host "$P" web-01 || { echo "FAIL add_host web-01"; exit 1; }
netns_add_host "$P" web-02 || { echo "FAIL add_host web-02"; exit 1; }
netns_add_network "$P" br56 192.168.56 ens34 lvs-01:11 lvs-02:12 web-01:21 web-02:22 ||
    { echo "FAIL add_network"; exit 1; }
state=$(netns_state_dir "$P")

# ---- topology
check "lvs-01 reaches web-01 (192.168.56.21)" quiet netns_exec "$P" lvs-01 ping -c1 -W2 192.168.56.21
check "lvs-02 reaches web-02 (192.168.56.22)" quiet netns_exec "$P" lvs-02 ping -c1 -W2 192.168.56.22
check "lvs-01 still reaches the client" quiet netns_exec "$P" lvs-01 ping -c1 -W2 192.168.219.50
check "web-01 cannot reach the client (not on 192.168.219.0/24)" \
    not quiet netns_exec "$P" web-01 ping -c1 -W1 192.168.219.50
check "the client cannot reach web-01" not quiet netns_exec "$P" client ping -c1 -W1 192.168.56.21
check "web-01 has only lo and ens34" \
    test "$(netns_exec "$P" web-01 ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')" = "ens34 lo "
check "web-01 has IPv6 off" test "$(netns_exec "$P" web-01 sysctl -n net.ipv6.conf.all.disable_ipv6)" = 1
check "nothing new in the root namespace" test "$(root_links)" = "$links_before"
bad_member_refused() {
    ! netns_add_network "$P" br57 192.168.57 ens35 lvs-01:11 nosuch:12 2>/dev/null &&
        test ! -e "/run/netns/$P-br57"
}
check "bad member is refused, nothing built" bad_member_refused

# ---- web server
mkdir -p "$state/ctl-web-01"
netns_bg "$P" web-01 websrv-web-01 python3 "$HERE/websrv.py" --name web-01 --port 80 \
    --lifetime 120 --control "$state/ctl-web-01"
check "websrv listens" netns_wait_for 'listening on' "$state/websrv-web-01.err" 10

# ---- the wildcard bind answers on an address on lo, as an LVS-DR real server must: the
# VIP on web-01's lo, and lvs-01 routing it to web-01 as a DR director would forward it.
netns_exec "$P" web-01 ip addr add 192.168.219.100/32 dev lo
netns_exec "$P" lvs-01 ip route add 192.168.219.100/32 via 192.168.56.21 dev ens34
client loop --url http://192.168.219.100/ --interval 0.1 --duration 0.3 --out "$state/dr.txt" >/dev/null
check "websrv answers on a VIP on lo" test "$(client servers "$state/dr.txt")" = web-01
netns_exec "$P" lvs-01 ip route del 192.168.219.100/32
netns_exec "$P" web-01 ip addr del 192.168.219.100/32 dev lo

# ---- loop: 2 s at 0.1 s, all answered by web-01
client loop --url "$WEB/" --interval 0.1 --duration 2 --out "$state/loop.txt" >"$state/loop.sum"
echo "  loop: $(cat "$state/loop.sum")"
client summary "$state/loop.txt" >"$state/loop.kv"
n=$(kv "$state/loop.kv" requests)
check "loop made 18..21 requests (got $n)" test "${n:-0}" -ge 18 -a "${n:-0}" -le 21
check "all of them ok" test "$(kv "$state/loop.kv" ok)" = "$n"
check "all from web-01" test "$(kv "$state/loop.kv" web-01)" = "$n"
check "servers = web-01" test "$(kv "$state/loop.kv" servers)" = web-01
check "no outage" test "$(kv "$state/loop.kv" outage_ms)" = 0 -a "$(kv "$state/loop.kv" recovered)" = 1
check "summary line as printed" grep -qx "requests $n ok $n reset 0 refused 0 timeout 0 http 0 error 0 web-01 $n" "$state/loop.sum"
check "servers lists web-01" test "$(client servers "$state/loop.txt" --since 0)" = web-01
mid=$(sort -n "$state/loop.txt" | awk 'NR == 10 { print $1 }')
check "summary --since keeps the later lines" \
    test "$(client summary "$state/loop.txt" --since "$mid" | awk '$1 == "requests" { print $2 }')" = $((n - 9))
check "websrv logged one line per request" \
    test "$(grep -c ' GET / 200 7$' "$state/websrv-web-01.err")" -ge "$n"

# ---- health page follows the control file
client loop --url "$WEB/health" --interval 0.1 --duration 0.3 --out "$state/health-ok.txt" >/dev/null
check "health ok" grep -q ' ok ok$' "$state/health-ok.txt"
touch "$state/ctl-web-01/fail"
client loop --url "$WEB/health" --interval 0.1 --duration 0.3 --out "$state/health-bad.txt" >/dev/null
rm -f "$state/ctl-web-01/fail"
check "health 503 while DIR/fail exists" test "$(client summary "$state/health-bad.txt" | kv /dev/stdin http)" -ge 1
check "... and nothing else" test "$(grep -vc ' http 503$' "$state/health-bad.txt")" = 0

# ---- refused: nobody on port 81
client loop --url "$WEB:81/" --interval 0.1 --duration 0.3 --out "$state/refused.txt" >/dev/null
check "port 81 refused" test "$(grep -c ' refused -$' "$state/refused.txt")" -ge 2

# ---- downloads
out=$(client download --url "$WEB/slow?bytes=300000&rate=600000" --bytes 300000 --timeout 10)
echo "  $out"
check "download of 300000 bytes at 600 kB/s ok, in about 0.5 s" \
    grep -Eqx 'download ok bytes 300000 seconds (0\.[4-9]|1\.[0-9])[0-9]' <<<"$out"
out=$(client download --url "$WEB/slow?bytes=3000&rate=0" --bytes 4000 --timeout 10)
check "a wrong length is a failure" test "$out" = "download FAIL length-3000 after 0 bytes"

# A server that dies mid-transfer: the client must say FAIL, not ok.
netns_bg "$P" lvs-01 dl "${PY[@]}" download --url "$WEB/slow?bytes=2000000&rate=400000" \
    --bytes 2000000 --timeout 20
check "download under way" netns_wait_for 'bytes after' "$state/dl.err" 10
netns_stop "$P" websrv-web-01 5
check "download ends" netns_wait_for '^download ' "$state/dl.out" 10
echo "  $(cat "$state/dl.out")"
check "download cut by the server's death fails" grep -Eq '^download FAIL (closed|reset) after [0-9]+ bytes$' "$state/dl.out"
check "websrv logged the aborted transfer" grep -q ' GET /slow?bytes=2000000&rate=400000 200 [0-9]* aborted ' \
    "$state/websrv-web-01.err"
check "websrv logged its exit" grep -q 'exiting' "$state/websrv-web-01.err"

if [ "$CHECKS_FAILED" -ne 0 ]; then
    for f in websrv-web-01.err client.err dl.err; do echo "---- $f"; tail -n 20 "$state/$f"; done
fi
netns_cleanup "$P"
check "no namespace left" test -z "$(ip netns list | awk '{print $1}' | grep "^$P-")"
check "state dir removed" test ! -d "$state"
check "root namespace links as before" test "$(root_links)" = "$links_before"
# shellcheck disable=SC2119 # no node logs to show: the websrv log is above
finish
