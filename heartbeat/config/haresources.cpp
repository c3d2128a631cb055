// SPDX-License-Identifier: GPL-2.0-or-later
// haresources parser. heartbeat's ResourceManager turns the file into logical lines with
// sed: strip '#…', join lines ending in '\', squeeze blanks, drop empty lines. We do the
// same while remembering each token's physical line for diagnostics, and we validate what
// the shell never did (script names, empty arguments, IPaddr address forms).
#include "config/haresources.hpp"

#include "base/address_spec.hpp"
#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::config {

using base::quote;

bool looks_like_ip_resource(std::string_view token)
{
    // The shell glob [0-9]*.[0-9]*.[0-9]*.[0-9]*: a digit first, then three dots each
    // followed directly by a digit, anything in between.
    if (token.empty() || token[0] < '0' || token[0] > '9') {
        return false;
    }
    std::size_t pos = 1;
    for (int dots = 0; dots < 3; ++dots) {
        bool found = false;
        while (pos + 1 < token.size()) {
            if (token[pos] == '.' && token[pos + 1] >= '0' && token[pos + 1] <= '9') {
                pos += 2;
                found = true;
                break;
            }
            ++pos;
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

bool is_address_agent(std::string_view script)
{
    return script == "IPaddr" || script == "IPaddr2" || script == "IPv6addr";
}

namespace {

struct Token {
    std::string_view text;
    int line = 0;
};

/// The agents whose one argument may be an IPv6 address spec.
bool takes_ipv6_address(std::string_view script)
{
    return script == "IPaddr2" || script == "IPv6addr";
}

// The address argument, read by the parser findif uses, so what is accepted here is what
// the agent will accept: IP[/CIDR[/NIC[/BROADCAST]]], or IP6[/PREFIX[/NIC]] for the agents
// that take IPv6 (IPaddr is 3.0.6's IPv4 agent, as there).
void check_ip_argument(std::string_view arg, const base::SourceLocation& where,
                       std::string_view script, base::Diagnostics& diags)
{
    const bool v6 = base::looks_like_ipv6_spec(arg);
    if (v6 && !takes_ipv6_address(script)) {
        diags.error(where, std::string(script) + " takes an IPv4 address; for '" +
                               std::string(arg) + "' use IPaddr2 or IPv6addr");
        return;
    }
    if (!v6 && script == "IPv6addr") {
        diags.error(where, "IPv6addr takes an IPv6 address (IP6[/PREFIX[/NIC]]), not '" +
                               std::string(arg) + "'");
        return;
    }
    const std::string error =
        v6 ? base::parse_ipv6_spec(arg).error : base::parse_address_spec(arg).error;
    if (!error.empty()) {
        diags.error(where, std::string(script) + " " + error);
    }
}

std::optional<Resource> parse_resource(const Token& token, const std::string& path,
                                       base::Diagnostics& diags)
{
    const base::SourceLocation where{path, token.line};
    Resource r;
    r.text = std::string(token.text);
    r.where = where;
    std::string_view spec = token.text;
    std::string canonical;
    if (looks_like_ip_resource(spec)) {
        canonical = "IPaddr::" + std::string(spec);
        spec = canonical;
    }
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (true) {
        const std::size_t sep = spec.find("::", pos);
        parts.push_back(spec.substr(pos, sep == std::string_view::npos ? sep : sep - pos));
        if (sep == std::string_view::npos) {
            break;
        }
        pos = sep + 2;
    }
    const auto script = parts[0];
    if (script.empty()) {
        diags.error(where, "resource " + quote(token.text) + " has no script name before '::'");
        return std::nullopt;
    }
    if (script.find('/') != std::string_view::npos || script == "." || script == "..") {
        diags.error(where, "resource script " + quote(script) +
                               " must be a plain name found in resource.d or /etc/init.d, not a "
                               "path");
        return std::nullopt;
    }
    r.script = std::string(script);
    // An IPv6 service address holds "::" itself (`IPaddr2::2001:db8::100/64/ens32`): for the
    // agents that take one, everything after the script's "::" is that one argument. 3.0.6
    // splits it, so there such an address had to be written without "::".
    if (parts.size() > 2 && takes_ipv6_address(script)) {
        const std::string_view rest = spec.substr(script.size() + 2);
        if (base::is_ipv6_literal(rest.substr(0, rest.find('/')))) {
            parts = {script, rest};
        }
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (parts[i].empty()) {
            diags.error(where, "resource " + quote(token.text) + " has an empty argument (" +
                                   "arguments are separated by '::')");
            return std::nullopt;
        }
        r.args.emplace_back(parts[i]);
    }
    if (is_address_agent(r.script)) {
        if (r.args.empty()) {
            diags.error(where, "resource " + quote(token.text) + " needs an address: " + r.script +
                                   "::IP[/CIDR[/NIC[/BROADCAST]]]");
            return std::nullopt;
        }
        if (r.args.size() > 1) {
            diags.error(where, "resource " + quote(token.text) + ": " + r.script +
                                   " takes one argument, " +
                                   (r.script == "IPv6addr" ? "IP6[/PREFIX[/NIC]]"
                                                           : "IP[/CIDR[/NIC[/BROADCAST]]]"));
            return std::nullopt;
        }
        const std::size_t before = diags.count(base::Severity::error);
        check_ip_argument(r.args[0], where, r.script, diags);
        if (diags.count(base::Severity::error) != before) {
            return std::nullopt;
        }
    }
    return r;
}

}  // namespace

HaResourcesResult parse_haresources(std::string_view text, const std::string& path)
{
    HaResourcesResult result;
    base::Diagnostics& diags = result.diagnostics;
    std::vector<ResourceGroup> groups;

    std::vector<Token> logical;
    int logical_start = 0;
    auto flush = [&] {
        if (logical.empty()) {
            return;
        }
        const base::SourceLocation where{path, logical_start};
        ResourceGroup group;
        group.node = base::to_lower(logical[0].text);
        group.where = where;
        if (logical.size() < 2) {
            diags.error(where, "node " + quote(logical[0].text) +
                                   " is given no resources (expected 'NODE RESOURCE…')");
            logical.clear();
            return;
        }
        if (looks_like_ip_resource(logical[0].text) ||
            logical[0].text.find("::") != std::string_view::npos) {
            diags.error(where,
                        "a line must start with the preferred node's name, not with the "
                        "resource " +
                            quote(logical[0].text));
            logical.clear();
            return;
        }
        bool ok = true;
        for (std::size_t i = 1; i < logical.size(); ++i) {
            if (auto r = parse_resource(logical[i], path, diags)) {
                group.resources.push_back(std::move(*r));
            } else {
                ok = false;
            }
        }
        if (ok) {
            groups.push_back(std::move(group));
        }
        logical.clear();
    };

    int line_number = 0;
    bool continued = false;
    for (std::string_view line : base::split_lines(text)) {
        ++line_number;
        if (line.find('\0') != std::string_view::npos) {
            diags.error(base::SourceLocation{path, line_number}, "line contains a NUL byte");
            continue;
        }
        const std::size_t hash = line.find('#');
        if (continued && hash != std::string_view::npos) {
            std::string ignored;
            for (const auto word : base::split(line.substr(hash), " \t\r")) {
                ignored += (ignored.empty() ? "" : " ") + std::string(word);
            }
            diags.warning(base::SourceLocation{path, line_number},
                          "'#' on a continued line: heartbeat 3.0.6's ResourceManager does not "
                          "treat it as a comment and would run " +
                              quote(ignored) + " as resources; it is a comment here");
        }
        line = line.substr(0, hash);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        // sed joins a line ending in a backslash with the next one, before squeezing blanks.
        const bool continues = !line.empty() && line.back() == '\\';
        if (continues) {
            line.remove_suffix(1);
        }
        if (!continued) {
            flush();
            logical_start = line_number;
        }
        for (const auto word : base::split(line, " \t")) {
            if (logical.empty()) {
                logical_start = line_number;
            }
            logical.push_back(Token{word, line_number});
        }
        continued = continues;
    }
    flush();
    result.groups = std::move(groups);
    return result;
}

}  // namespace hb::config
