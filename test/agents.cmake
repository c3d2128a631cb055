# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the helper programs (tools/send_arp, tools/send_ua, tools/findif) and the
# IPaddr/IPaddr2/IPv6addr agents (resource.d/). Included from test/CMakeLists.txt, after hb_system_test is defined.

# Bad command lines: refused with a message and the documented exit code (no root needed).
add_test(NAME tools.cli
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/unit/tools/cli_test.sh
                 ${CMAKE_RUNTIME_OUTPUT_DIRECTORY} ${CMAKE_SOURCE_DIR})
set_tests_properties(tools.cli PROPERTIES LABELS cli TIMEOUT 60)

# The agents in network namespaces: every argument form, idempotency, gratuitous ARP.
hb_system_test(ipaddr 040-ipaddr.sh)
# IPv6: IPv6addr and IPaddr2, nodad, unsolicited neighbour advertisements at a takeover.
hb_system_test(ipv6addr 041-ipv6addr.sh)
hb_system_test(ipv6_failover 042-ipv6-failover.sh)
