# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lvs.sh — the tutorial's two LVS clusters for system tests, the demo and the benchmark:
# directors lvs-01/lvs-02 running our heartbeat with the VIP and ipvsadm-wrapper in one
# group, real servers web-01/web-02 serving a page that names them (websrv.py), and a
# client. Source after lib/netns.sh and lib/cluster.sh.
#
#   lvs_begin PREFIX dr|nat       namespaces and addresses (also cluster_begin's cleanup trap)
#                                 dr:  everyone on 192.168.219.0/24 (ens32); the web servers
#                                      hold the VIP on lo with arp_ignore=1/arp_announce=2
#                                 nat: web servers only on 192.168.56.0/24 (ens34) with their
#                                      gateway on the inner VIP .100; directors forward
#   lvs_rules FILE [CHECK]        the mode's ipvsadm rules, with an HTTP_GET check (CHECK:
#                                 the #@check settings; "none": no check at all)
#   lvs_confs                     both directors' /etc/ha.d (haresources: VIP(s) and
#                                 ipvsadm-wrapper::/etc/ha.d/ipvsadm.rules), client sysctls
#   lvs_web_start HOST / lvs_web_stop HOST / lvs_web_fail HOST on|off
#   lvs_agent HOST ARGS...        the installed agent inside a running director
#   lvs_holds HOST                HOST holds the VIP and its table is running
#   lvs_loop NAME SECONDS         the client's request loop (every $LVS_INTERVAL s, 0.1 by
#                                 default) in the background,
#                                 record in $state/NAME.rec; lvs_wait_loop NAME
#   lvs_summary NAME [SINCE [UNTIL]]  lvsclient's summary of a record
#
# Variables: LVS_DIRECTORS (dr: the directors, "lvs-01 lvs-02" unless set), LVS_MODE, VIP (192.168.219.100), LVS_URL, LVS_AGENT; LVS_BACKEND=ipvs puts
# #@backend ipvs and #@sync ens32 in the rules.

LVS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VIP=192.168.219.100
INNER_VIP=192.168.56.100
LVS_URL=http://$VIP/
LVS_CHECK_DEFAULT="path=/health interval=500ms timeout=400ms fall=2 rise=2"

lvs_begin() {
    LVS_MODE=$2
    local w
    case "$LVS_MODE" in
        dr)
            # shellcheck disable=SC2086
            cluster_begin "$1" ${LVS_DIRECTORS:-lvs-01 lvs-02} web-01 web-02 client
            for w in web-01 web-02; do
                netns_exec "$P" "$w" ip addr add "$VIP/32" dev lo
                netns_exec "$P" "$w" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
                    net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.ens32.arp_ignore=1 \
                    net.ipv4.conf.ens32.arp_announce=2
            done
            ;;
        nat)
            cluster_begin "$1" lvs-01 lvs-02 client
            netns_add_host "$P" web-01 && netns_add_host "$P" web-02 &&
                netns_add_network "$P" br56 192.168.56 ens34 lvs-01:11 lvs-02:12 web-01:21 \
                    web-02:22 || { echo "FAIL setup of the NAT network"; exit 1; }
            for w in web-01 web-02; do
                netns_exec "$P" "$w" ip route add default via "$INNER_VIP"
                # The gateway moves between directors: take its announcements at once.
                netns_exec "$P" "$w" sysctl -qw net.ipv4.conf.all.arp_accept=1 \
                    net.ipv4.conf.ens34.arp_accept=1 net.ipv4.neigh.ens34.locktime=0
            done
            for w in lvs-01 lvs-02; do
                netns_exec "$P" "$w" sysctl -qw net.ipv4.ip_forward=1
            done
            ;;
        *) echo "lvs_begin: mode dr or nat, not '$LVS_MODE'" >&2; exit 1 ;;
    esac
    LVS_AGENT=$HB_STAGE/usr/libexec/heartbeat/ipvsadm-wrapper
    command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
    command -v nft >/dev/null || { echo "SKIP: nft (nftables) missing"; exit 77; }
}

# lvs_rip HOST : a web server's address in the current mode.
lvs_rip() {
    case "$LVS_MODE:$1" in
        dr:web-01) echo 192.168.219.21 ;;
        dr:web-02) echo 192.168.219.22 ;;
        nat:web-01) echo 192.168.56.21 ;;
        nat:web-02) echo 192.168.56.22 ;;
    esac
}

lvs_rules() {
    local file=$1 check=${2:-$LVS_CHECK_DEFAULT} method=-g
    [ "$LVS_MODE" = nat ] && method=-m
    {
        echo "-A -t $VIP:80 -s wlc"
        echo "-a -t $VIP:80 -r $(lvs_rip web-01):80 $method -w 1"
        echo "-a -t $VIP:80 -r $(lvs_rip web-02):80 $method -w 1"
        [ "$check" = none ] || echo "#@check -t $VIP:80 HTTP_GET $check"
        if [ "${LVS_BACKEND:-nftables}" = ipvs ]; then echo "#@backend ipvs"; echo "#@sync ens32"; fi
        echo "#@name $(lvs_rip web-01) web-01"
        echo "#@name $(lvs_rip web-02) web-02"
    } >"$file"
}

lvs_confs() {
    local h vips="IPaddr::$VIP/24/ens32:0/192.168.219.255"
    [ "$LVS_MODE" = nat ] && vips="$vips IPaddr::$INNER_VIP/24/ens34:0/192.168.56.255"
    export HARESOURCES="lvs-01 $vips ipvsadm-wrapper::/etc/ha.d/ipvsadm.rules"
    cluster_vip_pair
    for h in lvs-01 lvs-02; do
        lvs_rules "$state/conf-$h/ipvsadm.rules" "${LVS_CHECK:-$LVS_CHECK_DEFAULT}"
    done
}

lvs_web_start() {
    mkdir -p "$state/ctl-$1"
    netns_bg "$P" "$1" "web-$1" python3 "$LVS_HERE/websrv.py" --name "$1" --port 80 \
        --control "$state/ctl-$1" --lifetime 900
    wait_until 5 netns_exec "$P" "$1" python3 -c '
import socket, sys
socket.create_connection(("127.0.0.1", 80), 0.5).close()' 2>/dev/null
}
lvs_web_stop() { netns_stop "$P" "web-$1" 5; }
lvs_web_fail() {
    if [ "$2" = on ]; then touch "$state/ctl-$1/fail"; else rm -f "$state/ctl-$1/fail"; fi
}

lvs_agent() {
    local host=$1
    shift
    netns_node_exec "$P" "$host" "$LVS_AGENT" /etc/ha.d/ipvsadm.rules "$@"
}

lvs_holds() {
    has_addr "$1" "$VIP" && lvs_agent "$1" status 2>/dev/null | grep -q ': running'
}
# lvs_up_count HOST N : HOST's checker sees exactly N real servers up.
lvs_up_count() {
    [ "$(lvs_agent "$1" show --json 2>/dev/null | grep -o '"health":"up"' | wc -l)" -eq "$2" ]
}
lvs_lacks() { lacks_addr "$1" "$VIP" && ! lvs_agent "$1" status 2>/dev/null | grep -q ': running'; }

LVS_CLIENT=(python3 "$LVS_HERE/lvsclient.py")

lvs_loop() {
    netns_bg "$P" client "loop-$1" "${LVS_CLIENT[@]}" loop --url "$LVS_URL" --interval "${LVS_INTERVAL:-0.1}" \
        --duration "$2" --out "$state/$1.rec" --timeout 1
    eval "LVS_LOOP_PID_$1=\$NETNS_LAST_PID"
}
lvs_wait_loop() {
    local pid
    eval "pid=\${LVS_LOOP_PID_$1:-}"
    [ -n "$pid" ] && wait "$pid" 2>/dev/null
    return 0
}

lvs_summary() {
    "${LVS_CLIENT[@]}" summary "$state/$1.rec" ${2:+--since "$2"} ${3:+--until "$3"}
}
# lvs_kv NAME KEY [SINCE [UNTIL]] : one value of a summary.
lvs_kv() { lvs_summary "$1" "${3:-}" "${4:-}" | awk -v k="$2" '$1 == k { print $2 }'; }

# lvs_servers_seen [SECONDS] : which web servers answer the client over a few seconds.
lvs_servers_seen() {
    local n=${1:-2} out
    out=$state/seen-$RANDOM.rec
    netns_exec "$P" client "${LVS_CLIENT[@]}" loop --url "$LVS_URL" --interval 0.05 \
        --duration "$n" --out "$out" --timeout 1 >/dev/null
    "${LVS_CLIENT[@]}" servers "$out" | paste -sd, -
}
