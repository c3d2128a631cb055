#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The helper programs and the IPaddr agents refuse bad command lines with a message and the
# documented exit code, before touching any interface (so no root and no namespace needed:
# nothing here reads more than the interface list or sends anything).
# Usage: SCRIPT BINDIR SOURCEDIR
set -u
bin=$1
src=$2
passed=0
failed=0

# expect DESCRIPTION CODE PATTERN CMD... : CMD exits CODE and its stderr matches PATTERN.
expect() {
    local what=$1 code=$2 pattern=$3 err rc
    shift 3
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -eq "$code" ] && grep -Eq -- "$pattern" <<<"$err"; then
        echo "ok   $what"
        passed=$((passed + 1))
    else
        echo "FAIL $what (exit $rc, expected $code; stderr: $err)"
        failed=$((failed + 1))
    fi
}

expect "findif without argument" 2 'expected exactly one argument' "$bin/hb_findif"
expect "findif with a bad address" 2 "'1.2.3' is not an IPv4 address" "$bin/hb_findif" 1.2.3
expect "findif with a bad netmask" 2 "'255.0.255.0' is neither" "$bin/hb_findif" 10.0.0.1/255.0.255.0
expect "findif with a missing interface" 1 "interface 'hbnosuch0' does not exist" \
    "$bin/hb_findif" 10.0.0.1/24/hbnosuch0
expect "findif --help" 0 '' "$bin/hb_findif" --help

expect "send_arp without arguments" 2 'expected DEVICE SRC_IP SRC_MAC' "$bin/hb_send_arp"
expect "send_arp with a bad address" 2 "'10.0.0.256' is not an IPv4 address" \
    "$bin/hb_send_arp" lo 10.0.0.256 auto 10.0.0.1 ffffffffffff
expect "send_arp with a bad MAC" 2 "'00:11' is not a MAC address" \
    "$bin/hb_send_arp" lo 10.0.0.1 00:11 10.0.0.1 ffffffffffff
expect "send_arp with a bad interval" 2 "invalid interval 'fast'" \
    "$bin/hb_send_arp" -i fast lo 10.0.0.1 auto 10.0.0.1 ffffffffffff
expect "send_arp with a zero repeat count" 2 "invalid repeat count '0'" \
    "$bin/hb_send_arp" -r 0 lo 10.0.0.1 auto 10.0.0.1 ffffffffffff
expect "send_arp on a missing interface" 1 "interface 'hbnosuch0' does not exist" \
    "$bin/hb_send_arp" hbnosuch0 10.0.0.1 auto 10.0.0.1 ffffffffffff

for agent in IPaddr IPaddr2; do
    a=$src/resource.d/$agent
    expect "$agent without arguments" 2 'missing address and action' "$a"
    expect "$agent without an address" 2 "missing address before 'start'" "$a" start
    expect "$agent without an action" 2 "missing action after" "$a" 10.0.0.1
    expect "$agent with an unknown action" 3 "unknown action 'restart'" "$a" 10.0.0.1 restart
    expect "$agent with too many arguments" 2 'got 3 arguments' "$a" 10.0.0.1 24 start
    expect "$agent with a bad address" 2 "'10.0.0.300' is not an IPv4 address" \
        "$a" 10.0.0.300/24 start
    expect "$agent with a bad prefix" 2 "'40' is neither a prefix length" "$a" 10.0.0.1/40 status
    expect "$agent with a bad netmask" 2 "'255.255.0.255' is neither" \
        "$a" 10.0.0.1/255.255.0.255 stop
    expect "$agent with a bad broadcast" 2 "'10.0.0.256' is not a broadcast address" \
        "$a" 10.0.0.1/24/ens32/10.0.0.256 start
    expect "$agent with broadcast before interface" 2 'must be an interface' \
        "$a" 10.0.0.1/24/10.0.0.255/ens32 start
    expect "$agent with an empty part" 2 'empty part' "$a" 10.0.0.1//ens32 start
    expect "$agent with too many parts" 2 'too many parts' "$a" 10.0.0.1/24/ens32/10.0.0.255/x start
    expect "$agent with a bad interface name" 2 "'en s32' is not an interface name" \
        "$a" "10.0.0.1/24/en s32" start
    expect "$agent with a long label" 2 'longer than the kernel' \
        "$a" 10.0.0.1/24/ens32:0123456789ab start
    expect "$agent with a bad ARP_REPEAT" 2 "ARP_REPEAT 'many' is not 0-10000" \
        env ARP_REPEAT=many "$a" 10.0.0.1/24/ens32 start
    expect "$agent under dash" 2 'missing address and action' dash "$a"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
