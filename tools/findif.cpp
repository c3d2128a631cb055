// SPDX-License-Identifier: GPL-2.0-or-later
// findif: which interface, prefix length and broadcast address serve an IPv4 address, or
// which interface and prefix length serve an IPv6 one, from the kernel's connected routes
// (main table; IPv4 scope link, IPv6 without a gateway) read through libnl-route. Used by
// the IPaddr/IPaddr2/IPv6addr agents when their argument leaves the NIC or netmask out.
//   findif IP[/CIDR[/NIC[/BROADCAST]]]   ->   "NIC CIDR BROADCAST"
//   findif IP6[/PREFIX[/NIC]]            ->   "NIC PREFIX"
//   OCF_RESKEY_ip=IP ... findif [-C]     ->   "NIC<TAB>netmask M<TAB>broadcast B" (the form
//                                             resource-agents' OCF IPaddr expects at this path)
// Exit 0 found, 1 no interface serves the address, 2 bad usage or argument.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/address_spec.hpp"
#include "tools/netlink.hpp"

namespace {

using hb::base::ConnectedRoute;

constexpr int exit_found = 0;
constexpr int exit_not_found = 1;
constexpr int exit_usage = 2;

void print_usage(std::FILE* out)
{
    std::fputs(
        "usage: findif IP[/CIDR[/NIC[/BROADCAST]]]\n"
        "       findif IP6[/PREFIX[/NIC]]\n"
        "       OCF_RESKEY_ip=IP [OCF_RESKEY_cidr_netmask=CIDR] [OCF_RESKEY_nic=NIC]\n"
        "       [OCF_RESKEY_broadcast=BROADCAST] findif [-C]\n"
        "  Prints \"NIC CIDR BROADCAST\": the interface whose connected route (longest\n"
        "  prefix) contains IP, only routes on NIC when given; CIDR and BROADCAST as given,\n"
        "  else the route's prefix length and the subnet's highest address. The second\n"
        "  form prints \"NIC<TAB>netmask MASK<TAB>broadcast BROADCAST\" (-C: MASK in bits).\n"
        "  For an IPv6 address it prints \"NIC PREFIX\" (an on-link route's prefix, or PREFIX\n"
        "  as given); a link-local address needs its NIC.\n",
        out);
}

// What serves an address: interface and prefix length (and, for IPv4, broadcast).
struct Answer {
    std::string device;
    int prefix = 0;
    hb::base::Ipv4 broadcast = 0;
};

// The interface and prefix for `spec` (an AddressSpec or Ipv6AddressSpec): the ones it names,
// else the longest connected route's among `routes_of(view)`. Prints why not and returns the
// exit code otherwise.
template <class Spec, class RoutesOf>
int find_interface(const Spec& spec, const std::string& ip_text, RoutesOf routes_of, Answer& answer)
{
    hb::tools::NetlinkView reader;
    std::string error;
    if (!reader.load(error)) {
        std::fprintf(stderr, "findif: %s\n", error.c_str());
        return exit_not_found;
    }
    if (!spec.device.empty() && !reader.has_link(spec.device)) {
        std::fprintf(stderr, "findif: interface '%s' does not exist\n", spec.device.c_str());
        return exit_not_found;
    }
    answer.device = spec.device;
    answer.prefix = spec.prefix.value_or(0);
    if (!answer.device.empty() && spec.prefix) {
        return exit_found;
    }
    const auto routes = routes_of(reader);
    const auto route = hb::base::select_route(routes, spec.ip, spec.device);
    if (!route) {
        if (spec.device.empty()) {
            std::fprintf(stderr,
                         "findif: no interface serves %s (no connected route contains it)\n",
                         ip_text.c_str());
        } else {
            std::fprintf(stderr,
                         "findif: interface '%s' does not serve %s (no connected route on "
                         "it contains it)\n",
                         spec.device.c_str(), ip_text.c_str());
        }
        return exit_not_found;
    }
    answer.device = route->device;
    answer.prefix = spec.prefix.value_or(route->prefix);
    return exit_found;
}

// Fills `answer` for an IPv4 `spec`; prints why not and returns the exit code otherwise.
int resolve(const hb::base::AddressSpec& spec, Answer& answer)
{
    const int rc = find_interface(
        spec, hb::base::format_ipv4(spec.ip),
        [](const hb::tools::NetlinkView& view) { return view.connected_routes(); }, answer);
    if (rc == exit_found) {
        answer.broadcast = spec.broadcast.value_or(hb::base::broadcast_of(spec.ip, answer.prefix));
    }
    return rc;
}

// The same for an IPv6 `spec`. Every interface has fe80::/64, so a link-local address
// names no interface by itself: it needs its NIC.
int resolve(const hb::base::Ipv6AddressSpec& spec, Answer& answer)
{
    const std::string ip_text = hb::base::format_ipv6(spec.ip);
    if (hb::base::is_ipv6_link_local(spec.ip) && spec.device.empty()) {
        std::fprintf(stderr,
                     "findif: %s is link-local: every interface could serve it (give "
                     "IP6/PREFIX/NIC)\n",
                     ip_text.c_str());
        return exit_not_found;
    }
    return find_interface(
        spec, ip_text, [](const hb::tools::NetlinkView& view) { return view.connected_routes6(); },
        answer);
}

std::string_view env(const char* name)
{
    const char* value = std::getenv(name);
    return value == nullptr ? std::string_view{} : std::string_view{value};
}

// A parsed argument (or its error) to an answer; the exit status says which.
template <class Parsed>
int answer_for(const Parsed& parsed, Answer& answer)
{
    if (!parsed.spec) {
        std::fprintf(stderr, "findif: %s\n", parsed.error.c_str());
        return exit_usage;
    }
    return resolve(*parsed.spec, answer);
}

// resource-agents' calling convention: the address in OCF_RESKEY_* variables.
int run_ocf_mode(bool cidr_bits)
{
    Answer answer;
    const int rc =
        answer_for(hb::base::spec_from_fields(env("OCF_RESKEY_ip"), env("OCF_RESKEY_cidr_netmask"),
                                              env("OCF_RESKEY_nic"), env("OCF_RESKEY_broadcast")),
                   answer);
    if (rc != exit_found) {
        return rc;
    }
    const std::string mask = cidr_bits ? std::to_string(answer.prefix)
                                       : hb::base::format_ipv4(hb::base::netmask_of(answer.prefix));
    std::printf("%s\tnetmask %s\tbroadcast %s\n", answer.device.c_str(), mask.c_str(),
                hb::base::format_ipv4(answer.broadcast).c_str());
    return exit_found;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string_view first = argc > 1 ? argv[1] : "";
    if (argc == 2 && (first == "-h" || first == "--help")) {
        print_usage(stdout);
        return exit_found;
    }
    if ((argc == 1 || (argc == 2 && first == "-C")) && std::getenv("OCF_RESKEY_ip") != nullptr) {
        return run_ocf_mode(argc == 2);
    }
    if (argc != 2 || first.starts_with('-')) {
        std::fputs(
            "findif: expected exactly one argument IP[/CIDR[/NIC[/BROADCAST]]] or "
            "IP6[/PREFIX[/NIC]]\n",
            stderr);
        print_usage(stderr);
        return exit_usage;
    }
    Answer answer;
    if (hb::base::looks_like_ipv6_spec(first)) {
        if (const int rc = answer_for(hb::base::parse_ipv6_spec(first), answer); rc != exit_found) {
            return rc;
        }
        std::printf("%s %d\n", answer.device.c_str(), answer.prefix);
        return exit_found;
    }
    if (const int rc = answer_for(hb::base::parse_address_spec(first), answer); rc != exit_found) {
        return rc;
    }
    std::printf("%s %d %s\n", answer.device.c_str(), answer.prefix,
                hb::base::format_ipv4(answer.broadcast).c_str());
    return exit_found;
}
