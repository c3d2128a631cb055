#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# OUR daemon's API socket under abuse, and what it offers beyond 3.0.6:
#  - malformed frames and requests (lib/hbapi.py fuzz): every connection is answered or
#    closed, the daemon keeps running, the peer never sees it miss a heartbeat;
#  - a client that sends without reading its replies is dropped (bounded memory);
#  - a named client (ipfail's name, as user hacluster) is seen `online` by the peer's
#    cl_status clientstatus, and `offline` after it leaves;
#  - `cl_status --json`: one JSON object per call, for hbstatus, listnodes, nodestatus,
#    listhblinks and rscstatus.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/netns.sh"
. "$HERE/lib/cluster.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
cluster_begin hbapi lvs-01 lvs-02 client
cluster_vip_pair
CL=$HB_STAGE/usr/bin/cl_status
# The system interpreter: a per-user one (pyenv) may be out of reach of user hacluster.
PY=$(command -v /usr/bin/python3 || command -v python3)
API="$PY $HERE/lib/hbapi.py"
cluster_start_ours "$P" lvs-01 "$state/conf-lvs-01"
cluster_start_ours "$P" lvs-02 "$state/conf-lvs-02"
active() { [ "$(netns_node_exec "$P" "$1" "$CL" nodestatus "$2" 2>/dev/null)" = active ]; }
check "both nodes see each other active" wait_until 20 active lvs-01 lvs-02
check "…both ways" wait_until 20 active lvs-02 lvs-01
pid=$(cluster_pid "$P" lvs-01)

# 1. Fuzz.
netns_node_exec "$P" lvs-01 $API fuzz 1 300 >"$state/fuzz.out" 2>&1
rc=$?
cat "$state/fuzz.out" | head -20
check "300 malformed connections: each answered or closed in time" test "$rc" = 0
check "the daemon is still running" kill -0 "$pid"
check "…and answers cl_status" active lvs-01 lvs-02
check "the peer never lost lvs-01" bash -c "! grep -q 'lvs-01.*dead' '$(cluster_log "$P" lvs-02)'"

# 2. A client that never reads. Its growth is what is bounded, not the RSS itself: built
# with ASan (the sanitizer tier), shadow memory alone makes the daemon ~100 MB.
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
netns_node_exec "$P" lvs-01 timeout 60 $API flood 200000
check "a client that does not read its replies is disconnected" test $? = 0
check "the daemon is still fine" active lvs-01 lvs-02
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "daemon RSS before the abuse: ${rss_before} kB, after: ${rss} kB"
check "its memory stayed bounded (RSS grew $((rss - rss_before)) kB < 48 MB)" \
    test $((rss - rss_before)) -lt 49152

# 3. A named client on lvs-01, asked about from lvs-02.
if id hacluster >/dev/null 2>&1; then
    mkfifo "$state/hold"
    netns_node_exec "$P" lvs-01 setpriv --reuid=hacluster --regid=haclient --clear-groups \
        $API hold ipfail <"$state/hold" >"$state/hold.out" 2>&1 &
    exec 7>"$state/hold"
    online() { netns_node_exec "$P" lvs-02 "$CL" clientstatus lvs-01 ipfail 2000 >/dev/null 2>&1; }
    check "ipfail signed on as hacluster: lvs-02 sees it online" wait_until 10 online
    grep -q "result=OK" "$state/hold.out" || cat "$state/hold.out"
    exec 7>&-
    offline() { [ "$(netns_node_exec "$P" lvs-02 "$CL" clientstatus lvs-01 ipfail 2000 2>/dev/null)" = offline ]; }
    check "…and offline once it has gone" wait_until 10 offline
    denied=$(netns_node_exec "$P" lvs-01 $API hold ipfail </dev/null 2>&1 | head -1)
    check "ipfail's name is refused to root (apiauth ipfail uid=hacluster)" \
        grep -q "info=client failed authorization" <<<"$denied"
else
    echo "SKIP part 3: no hacluster user"
fi

# 4. JSON.
json_ok() { # HOST PYTHON-EXPR ARGS... : the output parses and EXPR (over `d`) holds
    local host=$1 expr=$2
    shift 2
    netns_node_exec "$P" "$host" "$CL" --json "$@" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
}
check "--json hbstatus" json_ok lvs-01 'd == {"running": True, "node": "lvs-01", "version": d["version"], "managed_by": "haresources"} and d["version"].startswith("3.0.6 ")' hbstatus
check "--json hbstatus -v lists the nodes" json_ok lvs-01 '[n["name"] for n in d["nodes"]] == ["lvs-01", "lvs-02"]' hbstatus -v
check "--json listnodes" json_ok lvs-01 'd["nodes"][1] == {"name": "lvs-02", "type": "normal", "status": "active", "links": [{"name": "ens32", "status": "up"}]}' listnodes
check "--json nodestatus" json_ok lvs-02 'd == {"node": "lvs-01", "status": "active"}' nodestatus lvs-01
check "--json listhblinks" json_ok lvs-02 'd == {"node": "lvs-01", "links": [{"name": "ens32", "status": "up"}]}' listhblinks lvs-01
check "--json rscstatus" json_ok lvs-01 'd["node"] == "lvs-01" and d["resources"] in ("local", "all", "transition")' rscstatus
out=$(netns_node_exec "$P" lvs-01 "$CL" --json nodetype lvs-01 2>&1; echo "exit $?")
check "--json where it is not offered: exit 11" grep -q "exit 11" <<<"$out"
finish lvs-01 lvs-02
