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

# expect DESCRIPTION CODE PATTERN CMD... : CMD exits CODE and its stderr matches PATTERN;
# expect_out: its stdout does.
expect() { expect_on stderr "$@"; }
expect_out() { expect_on stdout "$@"; }
expect_on() {
    local stream=$1 what=$2 code=$3 pattern=$4 text rc
    shift 4
    if [ "$stream" = stderr ]; then
        text=$("$@" 2>&1 >/dev/null)
    else
        text=$("$@" 2>/dev/null)
    fi
    rc=$?
    if [ "$rc" -eq "$code" ] && grep -Eq -- "$pattern" <<<"$text"; then
        echo "ok   $what"
        passed=$((passed + 1))
    else
        echo "FAIL $what (exit $rc, expected $code; $stream: $text)"
        failed=$((failed + 1))
    fi
}

expect "findif without argument" 2 'expected exactly one argument' "$bin/hb_findif"
expect "findif with a bad address" 2 "'1.2.3' is not an IPv4 address" "$bin/hb_findif" 1.2.3
expect "findif with a bad netmask" 2 "'255.0.255.0' is neither" "$bin/hb_findif" 10.0.0.1/255.0.255.0
expect "findif with a missing interface" 1 "interface 'hbnosuch0' does not exist" \
    "$bin/hb_findif" 10.0.0.1/24/hbnosuch0
expect "findif --help" 0 '' "$bin/hb_findif" --help
expect "findif with a bad IPv6 address" 2 "'2001:db8:::1' is not an IPv6 address" \
    "$bin/hb_findif" 2001:db8:::1/64
expect "findif with an IPv6 prefix over 128" 2 "'129' is not a prefix length \(0-128\)" \
    "$bin/hb_findif" 2001:db8::1/129
expect "findif with an IPv6 broadcast" 2 'IPv6 has no broadcast' \
    "$bin/hb_findif" 2001:db8::1/64/ens32/2001:db8::ffff
expect "findif with an IPv6 label" 2 'IPv6 addresses take no label' \
    "$bin/hb_findif" 2001:db8::1/64/ens32:0
expect "findif with a multicast address" 2 "'ff02::1' is not a unicast address" \
    "$bin/hb_findif" ff02::1
expect "findif with IPv6 on a missing interface" 1 "interface 'hbnosuch0' does not exist" \
    "$bin/hb_findif" 2001:db8::1/64/hbnosuch0
expect "findif with a link-local address and no NIC" 1 'fe80::1 is link-local' \
    "$bin/hb_findif" fe80::1

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

expect "send_ua without arguments" 2 'expected DEVICE IP6' "$bin/hb_send_ua"
expect "send_ua with one argument" 2 'expected DEVICE IP6' "$bin/hb_send_ua" lo
expect "send_ua with too many arguments" 2 'expected DEVICE IP6' \
    "$bin/hb_send_ua" lo 2001:db8::1 64
expect "send_ua with a bad address" 2 "'2001:db8::g' is not an IPv6 address" \
    "$bin/hb_send_ua" lo 2001:db8::g
expect "send_ua with an IPv4 address" 2 "'10.0.0.1' is not an IPv6 address" \
    "$bin/hb_send_ua" lo 10.0.0.1
expect "send_ua with a multicast address" 2 "'ff02::1' is not a unicast address" \
    "$bin/hb_send_ua" lo ff02::1
expect "send_ua with a bad interface name" 2 "'a/b' is not an interface name" \
    "$bin/hb_send_ua" a/b 2001:db8::1
expect "send_ua with a bad interval" 2 "invalid interval 'fast'" \
    "$bin/hb_send_ua" -i fast lo 2001:db8::1
expect "send_ua with a zero repeat count" 2 "invalid repeat count '0'" \
    "$bin/hb_send_ua" -r 0 lo 2001:db8::1
expect "send_ua with an empty pid file" 2 'empty pid file name' \
    "$bin/hb_send_ua" -p '' lo 2001:db8::1
expect "send_ua with an unknown option" 2 'unknown option or missing value: -x' \
    "$bin/hb_send_ua" -x lo 2001:db8::1
expect "send_ua with a missing option value" 2 'missing value: -i' "$bin/hb_send_ua" -i
expect "send_ua -h" 0 '' "$bin/hb_send_ua" -h
expect "send_ua on a missing interface" 1 "interface 'hbnosuch0' does not exist" \
    "$bin/hb_send_ua" hbnosuch0 2001:db8::1

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

a=$src/resource.d/IPaddr
expect "IPaddr refuses IPv6" 2 'IPaddr takes IPv4 addresses only.*IPaddr2 or IPv6addr' \
    "$a" 2001:db8::100/64/ens32 start
expect "IPaddr refuses IPv6 split at '::'" 2 'got 3 arguments' "$a" 2001:db8 100/64 start
a=$src/resource.d/IPv6addr
expect "IPv6addr without arguments" 2 'missing address and action' "$a"
expect "IPv6addr's usage" 2 '^usage: IPv6addr IP6\[/PREFIX\[/NIC\]\] ' "$a"
expect "IPv6addr with an IPv4 address" 2 "'10.0.0.1' is not an IPv6 address" "$a" 10.0.0.1/24 start
expect "IPv6addr with an unknown action" 3 "unknown action 'restart'" "$a" 2001:db8::1 restart
for agent in IPaddr2 IPv6addr; do
    a=$src/resource.d/$agent
    expect "$agent with a bad IPv6 address" 2 "'2001:db8::1::2' is not an IPv6 address" \
        "$a" 2001:db8::1::2/64 start
    expect "$agent with a zone" 2 "'fe80::1%ens32' is not an IPv6 address" "$a" fe80::1%ens32 start
    expect "$agent with a multicast address" 2 "'ff02::1' is not a unicast address" \
        "$a" ff02::1/64/ens32 start
    expect "$agent with the unspecified address" 2 "'::' is not a unicast address" "$a" :: stop
    expect "$agent with an IPv6 prefix over 128" 2 "'129' is not a prefix length \(0-128\)" \
        "$a" 2001:db8::1/129 start
    expect "$agent with a netmask for IPv6" 2 "'ffff:ffff::' is not a prefix length" \
        "$a" 2001:db8::1/ffff:ffff::/ens32 start
    expect "$agent with an IPv6 broadcast" 2 'too many parts .*IPv6 has no broadcast' \
        "$a" 2001:db8::1/64/ens32/2001:db8::ffff start
    expect "$agent with an IPv6 label" 2 'IPv6 addresses take no label' \
        "$a" 2001:db8::1/64/ens32:0 start
    expect "$agent with an empty IPv6 part" 2 'empty part \(expected IP6' "$a" 2001:db8::1//ens32 start
    expect "$agent with a bad IPv6 interface name" 2 "'en s32' is not an interface name" \
        "$a" "2001:db8::1/64/en s32" start
    expect "$agent with IPv6 and a bad ARP_REPEAT" 2 "ARP_REPEAT 'x' is not 0-10000" \
        env ARP_REPEAT=x "$a" 2001:db8::1/64/ens32 start
    expect "$agent with IPv6 on a missing interface" 1 "interface 'hbnosuch0' does not exist" \
        env HA_BIN="$bin" "$a" 2001:db8::1/64/hbnosuch0 start
    # Status and stop only read: they run without root.
    expect_out "$agent status prints the address as ip does" 3 \
        '^INFO: 2001:db8::100 on hbnosuch0: stopped$' "$a" 2001:0DB8:0:0::0100/64/hbnosuch0 status
    expect_out "$agent joins an address heartbeat split at '::'" 3 \
        '^INFO: 2001:db8::100 on hbnosuch0: stopped$' "$a" 2001:db8 100/64/hbnosuch0 status
    expect_out "$agent stop of an absent IPv6 address succeeds" 0 'already stopped' \
        "$a" 2001:db8::100/64/hbnosuch0 stop
    expect "$agent with IPv6 under dash" 2 "'2001:db8::g' is not an IPv6 address" \
        dash "$a" 2001:db8::g start
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
