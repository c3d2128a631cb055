// SPDX-License-Identifier: GPL-2.0-or-later
// Rules-file parser. Each line is read the way `ipvsadm-restore` hands it to ipvsadm: words
// split at blanks, an optional leading `ipvsadm`, short options (`-w 1`, `-w1`) and long ones
// (`--weight 1`, `--weight=1`). The options ipvsadm accepts for `-A` and `-a` are a table
// below; each line is checked on its own and the file as a whole afterwards (a server needs
// its service first, no service or server twice), every problem with its line, reading on.
#include "lvs/rules.hpp"

#include <algorithm>
#include <map>

#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::lvs {

using base::quote;

std::string format_ipv4(Ipv4 address)
{
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
           std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

std::string_view to_string(Protocol protocol)
{
    switch (protocol) {
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::fwmark: return "fwmark";
    }
    return "tcp";
}

std::string to_option(const ServiceKey& key)
{
    switch (key.protocol) {
    case Protocol::tcp: return "-t " + format_endpoint({key.address, key.port});
    case Protocol::udp: return "-u " + format_endpoint({key.address, key.port});
    case Protocol::fwmark: return "-f " + std::to_string(key.fwmark);
    }
    return {};
}

std::string describe(const ServiceKey& key)
{
    switch (key.protocol) {
    case Protocol::tcp: return "TCP " + format_endpoint({key.address, key.port});
    case Protocol::udp: return "UDP " + format_endpoint({key.address, key.port});
    case Protocol::fwmark: return "FWM " + std::to_string(key.fwmark);
    }
    return {};
}

std::string_view to_option(Forwarding forwarding)
{
    switch (forwarding) {
    case Forwarding::direct_routing: return "-g";
    case Forwarding::nat: return "-m";
    case Forwarding::tunnel: return "-i";
    }
    return "-g";
}

std::string_view to_string(Forwarding forwarding)
{
    switch (forwarding) {
    case Forwarding::direct_routing: return "direct routing";
    case Forwarding::nat: return "NAT";
    case Forwarding::tunnel: return "tunnel";
    }
    return "direct routing";
}

namespace {

constexpr std::pair<Scheduler, std::string_view> scheduler_names[] = {
    {Scheduler::rr, "rr"},   {Scheduler::wrr, "wrr"},   {Scheduler::lc, "lc"},
    {Scheduler::wlc, "wlc"}, {Scheduler::lblc, "lblc"}, {Scheduler::lblcr, "lblcr"},
    {Scheduler::dh, "dh"},   {Scheduler::sh, "sh"},     {Scheduler::sed, "sed"},
    {Scheduler::nq, "nq"},   {Scheduler::fo, "fo"},     {Scheduler::ovf, "ovf"},
    {Scheduler::mh, "mh"},
};

constexpr std::string_view scheduler_flag_names[] = {
    "sh-fallback", "sh-port", "mh-fallback", "mh-port", "flag-1", "flag-2", "flag-3"};

}  // namespace

std::string_view to_string(Scheduler scheduler)
{
    for (const auto& [value, name] : scheduler_names) {
        if (value == scheduler) {
            return name;
        }
    }
    return "wlc";
}

std::string format_endpoint(const Endpoint& endpoint)
{
    return format_ipv4(endpoint.address) + ":" + std::to_string(endpoint.port);
}

std::string_view to_string(CheckKind kind)
{
    return kind == CheckKind::http ? "HTTP_GET" : "TCP_CHECK";
}

std::string_view to_string(BackendChoice choice)
{
    switch (choice) {
    case BackendChoice::automatic: return "auto";
    case BackendChoice::ipvs: return "ipvs";
    case BackendChoice::nftables: return "nftables";
    }
    return "auto";
}

const Check* Service::check_for(const Endpoint& server) const
{
    for (const auto& [endpoint, c] : server_checks) {
        if (endpoint == server) {
            return &c;
        }
    }
    return check ? &*check : nullptr;
}

bool Service::hashes_source_only() const
{
    const auto has_flag = [this](std::string_view flag) {
        return std::find(scheduler_flags.begin(), scheduler_flags.end(), flag) !=
               scheduler_flags.end();
    };
    if (persistence) {
        return true;
    }
    return (scheduler == Scheduler::sh && !has_flag("sh-port")) ||
           (scheduler == Scheduler::mh && !has_flag("mh-port"));
}

const Service* LvsConfig::find(const ServiceKey& key) const
{
    for (const Service& s : services) {
        if (s.key == key) {
            return &s;
        }
    }
    return nullptr;
}

std::string LvsConfig::name_of(Ipv4 address) const
{
    for (const auto& [a, name] : names) {
        if (a == address) {
            return name;
        }
    }
    return {};
}

std::string LvsConfig::label(const Endpoint& endpoint) const
{
    const std::string name = name_of(endpoint.address);
    return format_endpoint(endpoint) + (name.empty() ? "" : " (" + name + ")");
}

namespace {

// ---- values --------------------------------------------------------------------------------

// `ADDR:PORT` (port required when `need_port`), numeric only, as `ipvsadm-save -n` writes.
std::optional<Endpoint> parse_endpoint(std::string_view text, bool need_port, std::string& error)
{
    if (text.starts_with('[')) {
        error = "IPv6 addresses are not supported";
        return std::nullopt;
    }
    const auto colon = text.find(':');
    const std::string_view host = text.substr(0, colon);
    Endpoint e;
    const auto address = base::parse_ipv4(host);
    if (!address) {
        error = quote(host) +
                " is not a numeric IPv4 address (write addresses as `ipvsadm-save -n` does)";
        return std::nullopt;
    }
    e.address = *address;
    if (colon == std::string_view::npos) {
        if (need_port) {
            error = quote(text) + " has no port (expected ADDRESS:PORT)";
            return std::nullopt;
        }
        return e;
    }
    const auto port = base::parse_integer(text.substr(colon + 1), 0, 65535);
    if (!port) {
        error = quote(text.substr(colon + 1)) + " is not a port number 0-65535";
        return std::nullopt;
    }
    e.port = static_cast<std::uint16_t>(*port);
    return e;
}

std::optional<ServiceKey> parse_service_value(Protocol protocol, std::string_view value,
                                              std::string& error)
{
    ServiceKey key;
    key.protocol = protocol;
    if (protocol == Protocol::fwmark) {
        const auto mark = base::parse_integer(value, 1, 0xffffffffL);
        if (!mark) {
            error = "firewall mark " + quote(value) + " is not a number 1-4294967295";
            return std::nullopt;
        }
        key.fwmark = static_cast<std::uint32_t>(*mark);
        return key;
    }
    const auto endpoint = parse_endpoint(value, true, error);
    if (!endpoint) {
        return std::nullopt;
    }
    key.address = endpoint->address;
    key.port = endpoint->port;
    return key;
}

// A contiguous dotted netmask.
std::optional<Ipv4> parse_mask(std::string_view text)
{
    const auto mask = base::parse_ipv4(text);
    if (!mask) {
        return std::nullopt;
    }
    const Ipv4 host = ~*mask;
    if ((host & (host + 1)) != 0) {
        return std::nullopt;
    }
    return mask;
}

// ---- the -A / -a option table --------------------------------------------------------------

enum class Command { add_service, add_server };

// What one -A or -a line said, before it is checked against the rest of the file.
struct LineOptions {
    std::optional<Command> command;
    std::optional<ServiceKey> service;
    std::optional<Scheduler> scheduler;
    std::vector<std::string> scheduler_flags;
    std::optional<unsigned> persistence;
    std::optional<Ipv4> netmask;
    std::string persistence_engine;
    std::optional<Endpoint> server;
    bool server_port_given = false;
    std::optional<Forwarding> forwarding;
    std::optional<int> weight;
    std::optional<std::uint32_t> upper;
    std::optional<std::uint32_t> lower;
    std::vector<std::string> ipvs_extra;
    std::vector<std::string_view> seen;  // option names, to refuse repeats
};

enum class Arity { none, required, optional };
enum class Applies { service_line, server_line, both };

using ApplyFn = bool (*)(LineOptions&, std::string_view value, std::string& error);

struct OptionSpec {
    char short_name;  // '\0': long only
    std::string_view long_name;
    Arity arity;
    Applies applies;
    ApplyFn apply;
};

bool set_protocol(LineOptions& o, Protocol p, std::string_view value, std::string& error)
{
    if (o.service) {
        error = "more than one virtual service on the line";
        return false;
    }
    o.service = parse_service_value(p, value, error);
    return o.service.has_value();
}

bool set_forwarding(LineOptions& o, Forwarding f, std::string& error)
{
    if (o.forwarding && *o.forwarding != f) {
        error = "more than one forwarding method (-g, -m, -i) on the line";
        return false;
    }
    o.forwarding = f;
    return true;
}

template <class T>
bool set_number(std::optional<T>& field, std::string_view value, long min, long max,
                std::string_view what, std::string& error)
{
    const auto n = base::parse_integer(value, min, max);
    if (!n) {
        error = std::string(what) + " " + quote(value) + " is not a number " + std::to_string(min) +
                "-" + std::to_string(max);
        return false;
    }
    field = static_cast<T>(*n);
    return true;
}

constexpr long max_timeout = 86400L * 31;  // ipvsadm's MAX_TIMEOUT
constexpr long int_max = 2147483647L;

// ipvsadm's options that a saved or hand-written table uses, in its man page's order.
const OptionSpec option_table[] = {
    {'A', "add-service", Arity::none, Applies::both,
     [](LineOptions& o, std::string_view, std::string&) {
         o.command = Command::add_service;
         return true;
     }},
    {'a', "add-server", Arity::none, Applies::both,
     [](LineOptions& o, std::string_view, std::string&) {
         o.command = Command::add_server;
         return true;
     }},
    {'t', "tcp-service", Arity::required, Applies::both,
     [](LineOptions& o, std::string_view v, std::string& e) {
         return set_protocol(o, Protocol::tcp, v, e);
     }},
    {'u', "udp-service", Arity::required, Applies::both,
     [](LineOptions& o, std::string_view v, std::string& e) {
         return set_protocol(o, Protocol::udp, v, e);
     }},
    {'f', "fwmark-service", Arity::required, Applies::both,
     [](LineOptions& o, std::string_view v, std::string& e) {
         return set_protocol(o, Protocol::fwmark, v, e);
     }},
    {'s', "scheduler", Arity::required, Applies::service_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         for (const auto& [value, name] : scheduler_names) {
             if (name == v) {
                 o.scheduler = value;
                 return true;
             }
         }
         e = "unknown scheduler " + quote(v) +
             " (IPVS has rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh)";
         return false;
     }},
    {'b', "sched-flags", Arity::required, Applies::service_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         for (std::string_view flag : base::split(v, ",")) {
             if (std::find(std::begin(scheduler_flag_names), std::end(scheduler_flag_names),
                           flag) == std::end(scheduler_flag_names)) {
                 e = "unknown scheduler flag " + quote(flag);
                 return false;
             }
             o.scheduler_flags.emplace_back(flag);
         }
         return true;
     }},
    {'p', "persistent", Arity::optional, Applies::service_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         if (v.empty()) {
             o.persistence = 300;  // ipvsadm's default
             return true;
         }
         return set_number(o.persistence, v, 1, max_timeout, "persistence timeout", e);
     }},
    {'M', "netmask", Arity::required, Applies::service_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         o.netmask = parse_mask(v);
         if (!o.netmask) {
             e = "persistence netmask " + quote(v) + " is not a contiguous dotted netmask";
         }
         return o.netmask.has_value();
     }},
    {'\0', "pe", Arity::required, Applies::service_line,
     [](LineOptions& o, std::string_view v, std::string&) {
         o.persistence_engine = std::string(v);
         return true;
     }},
    {'r', "real-server", Arity::required, Applies::server_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         o.server = parse_endpoint(v, false, e);
         o.server_port_given = v.find(':') != std::string_view::npos;
         return o.server.has_value();
     }},
    {'g', "gatewaying", Arity::none, Applies::server_line,
     [](LineOptions& o, std::string_view, std::string& e) {
         return set_forwarding(o, Forwarding::direct_routing, e);
     }},
    {'m', "masquerading", Arity::none, Applies::server_line,
     [](LineOptions& o, std::string_view, std::string& e) {
         return set_forwarding(o, Forwarding::nat, e);
     }},
    {'i', "ipip", Arity::none, Applies::server_line,
     [](LineOptions& o, std::string_view, std::string& e) {
         return set_forwarding(o, Forwarding::tunnel, e);
     }},
    {'w', "weight", Arity::required, Applies::server_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         return set_number(o.weight, v, 0, 65535, "weight", e);
     }},
    {'x', "u-threshold", Arity::required, Applies::server_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         return set_number(o.upper, v, 0, int_max, "upper threshold", e);
     }},
    {'y', "l-threshold", Arity::required, Applies::server_line,
     [](LineOptions& o, std::string_view v, std::string& e) {
         return set_number(o.lower, v, 0, int_max, "lower threshold", e);
     }},
    {'\0', "tun-type", Arity::required, Applies::server_line,
     [](LineOptions& o, std::string_view v, std::string&) {
         o.ipvs_extra.insert(o.ipvs_extra.end(), {"--tun-type", std::string(v)});
         return true;
     }},
    {'\0', "tun-port", Arity::required, Applies::server_line,
     [](LineOptions& o, std::string_view v, std::string&) {
         o.ipvs_extra.insert(o.ipvs_extra.end(), {"--tun-port", std::string(v)});
         return true;
     }},
    {'\0', "tun-nocsum", Arity::none, Applies::server_line,
     [](LineOptions& o, std::string_view, std::string&) {
         o.ipvs_extra.emplace_back("--tun-nocsum");
         return true;
     }},
    {'\0', "tun-csum", Arity::none, Applies::server_line,
     [](LineOptions& o, std::string_view, std::string&) {
         o.ipvs_extra.emplace_back("--tun-csum");
         return true;
     }},
    {'\0', "tun-remcsum", Arity::none, Applies::server_line,
     [](LineOptions& o, std::string_view, std::string&) {
         o.ipvs_extra.emplace_back("--tun-remcsum");
         return true;
     }},
    // Output-only flags that a copied `ipvsadm -S -n` line may carry.
    {'n', "numeric", Arity::none, Applies::both,
     [](LineOptions&, std::string_view, std::string&) { return true; }},
};

// ipvsadm commands that have no place in a table the agent applies and removes.
constexpr std::pair<std::string_view, std::string_view> foreign_commands[] = {
    {"-C", "would clear every service on the director"},
    {"--clear", "would clear every service on the director"},
    {"-D", "deletes a service"},
    {"--delete-service", "deletes a service"},
    {"-d", "deletes a real server"},
    {"--delete-server", "deletes a real server"},
    {"-E", "edits a service"},
    {"--edit-service", "edits a service"},
    {"-e", "edits a real server"},
    {"--edit-server", "edits a real server"},
    {"-R", "restores a table"},
    {"-S", "saves a table"},
    {"--set", "sets connection timeouts"},
    {"--start-daemon", "starts a sync daemon (use #@sync)"},
    {"--stop-daemon", "stops a sync daemon"},
};

const OptionSpec* find_short(char c)
{
    for (const OptionSpec& spec : option_table) {
        if (spec.short_name == c) {
            return &spec;
        }
    }
    return nullptr;
}

const OptionSpec* find_long(std::string_view name)
{
    for (const OptionSpec& spec : option_table) {
        if (spec.long_name == name) {
            return &spec;
        }
    }
    return nullptr;
}

// Reads the words of one -A/-a line into `options`; false (with `error`) at the first
// problem, since later words of a broken line mean nothing reliable.
bool read_options(const std::vector<std::string_view>& words, LineOptions& options,
                  std::string& error)
{
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string_view word = words[i];
        for (const auto& [name, why] : foreign_commands) {
            if (word == name) {
                error = quote(word) + " does not belong in a rules file: it " + std::string(why) +
                        " (a rules file holds -A and -a lines, as `ipvsadm-save -n` writes)";
                return false;
            }
        }
        const OptionSpec* spec = nullptr;
        std::optional<std::string_view> attached;
        if (word.starts_with("--")) {
            const std::string_view body = word.substr(2);
            const auto eq = body.find('=');
            spec = find_long(body.substr(0, eq));
            if (eq != std::string_view::npos) {
                attached = body.substr(eq + 1);
            }
        } else if (word.size() >= 2 && word[0] == '-') {
            spec = find_short(word[1]);
            if (word.size() > 2) {
                attached = word.substr(2);
            }
        }
        if (spec == nullptr) {
            error = "unknown option " + quote(word);
            return false;
        }
        if (attached && spec->arity == Arity::none) {
            error = "option " + quote(word) + " takes no value";
            return false;
        }
        if (std::find(options.seen.begin(), options.seen.end(), spec->long_name) !=
            options.seen.end()) {
            error = "option --" + std::string(spec->long_name) + " given twice";
            return false;
        }
        options.seen.push_back(spec->long_name);
        std::string_view value;
        if (attached) {
            value = *attached;
        } else if (spec->arity == Arity::required) {
            if (i + 1 >= words.size()) {
                error = "option " + quote(word) + " needs a value";
                return false;
            }
            value = words[++i];
        } else if (spec->arity == Arity::optional && i + 1 < words.size() &&
                   !words[i + 1].starts_with('-')) {
            value = words[++i];
        }
        if (options.command) {
            const bool service_line = *options.command == Command::add_service;
            if ((spec->applies == Applies::service_line && !service_line) ||
                (spec->applies == Applies::server_line && service_line)) {
                error = "option " + quote(word) + " does not apply to " +
                        (service_line ? "-A (a virtual service)" : "-a (a real server)");
                return false;
            }
        } else if (spec->short_name != 'A' && spec->short_name != 'a') {
            error =
                "a rules line starts with -A (a virtual service) or -a (a real server), "
                "not " +
                quote(word);
            return false;
        }
        if (!spec->apply(options, value, error)) {
            return false;
        }
    }
    return true;
}

// ---- #@ extension lines --------------------------------------------------------------------

// `key=value` words of a #@check line.
bool apply_check_setting(Check& check, std::string_view key, std::string_view value,
                         std::string& error)
{
    const auto duration = [&](Milliseconds& field) {
        const auto d = base::parse_duration(value);
        if (!d || d->count() <= 0) {
            error = std::string(key) + " " + quote(value) +
                    " is not a positive duration (e.g. 2 or 500ms)";
            return false;
        }
        field = *d;
        return true;
    };
    const auto count = [&](int& field) {
        const auto n = base::parse_integer(value, 1, 1000);
        if (!n) {
            error = std::string(key) + " " + quote(value) + " is not a count 1-1000";
            return false;
        }
        field = static_cast<int>(*n);
        return true;
    };
    if (key == "interval") {
        return duration(check.interval);
    }
    if (key == "timeout") {
        return duration(check.timeout);
    }
    if (key == "fall") {
        return count(check.fall);
    }
    if (key == "rise") {
        return count(check.rise);
    }
    if (key == "port") {
        const auto n = base::parse_integer(value, 1, 65535);
        if (!n) {
            error = "port " + quote(value) + " is not a port number 1-65535";
            return false;
        }
        check.port = static_cast<std::uint16_t>(*n);
        return true;
    }
    if (check.kind == CheckKind::http) {
        if (key == "path") {
            if (!value.starts_with('/') ||
                value.find_first_of(" \t\r\n") != std::string_view::npos) {
                error = "path " + quote(value) + " must start with '/' and hold no blanks";
                return false;
            }
            check.path = std::string(value);
            return true;
        }
        if (key == "status") {
            check.status.clear();
            for (std::string_view code : base::split(value, ",")) {
                const auto n = base::parse_integer(code, 100, 599);
                if (!n) {
                    error = "status " + quote(code) + " is not an HTTP status code 100-599";
                    return false;
                }
                check.status.push_back(static_cast<int>(*n));
            }
            if (check.status.empty()) {
                error = "status needs at least one code";
                return false;
            }
            return true;
        }
        if (key == "digest") {
            const std::string lower = base::to_lower(value);
            if (lower.size() != 32 ||
                lower.find_first_not_of("0123456789abcdef") != std::string::npos) {
                error = "digest " + quote(value) + " is not an MD5 digest (32 hex digits)";
                return false;
            }
            check.digest = lower;
            return true;
        }
        if (key == "host") {
            if (value.empty() || value.find_first_of(" \t\r\n") != std::string_view::npos) {
                error = "host " + quote(value) + " is not a host name";
                return false;
            }
            check.host = std::string(value);
            return true;
        }
    }
    error = "unknown setting " + quote(key) + " for " + std::string(to_string(check.kind)) +
            (check.kind == CheckKind::http
                 ? " (interval, timeout, fall, rise, port, path, status, digest, host)"
                 : " (interval, timeout, fall, rise, port)");
    return false;
}

// A service named on an extension line: `-t ADDR:PORT`, `-u ADDR:PORT` or `-f MARK`.
std::optional<ServiceKey> read_service_words(const std::vector<std::string_view>& words,
                                             std::size_t& i, std::string& error)
{
    if (i + 1 >= words.size()) {
        error = "expected a service (-t ADDR:PORT, -u ADDR:PORT or -f MARK)";
        return std::nullopt;
    }
    const std::string_view flag = words[i];
    Protocol p = Protocol::tcp;
    if (flag == "-t") {
        p = Protocol::tcp;
    } else if (flag == "-u") {
        p = Protocol::udp;
    } else if (flag == "-f") {
        p = Protocol::fwmark;
    } else {
        error = "expected a service (-t ADDR:PORT, -u ADDR:PORT or -f MARK), not " + quote(flag);
        return std::nullopt;
    }
    i += 2;
    return parse_service_value(p, words[i - 1], error);
}

class Parser {
public:
    explicit Parser(const std::string& path) { config_.path = path; }

    void line(std::string_view text, int number)
    {
        where_ = {config_.path, number};
        const std::string_view trimmed = base::trim(text);
        if (trimmed.starts_with("#@")) {
            extension(base::split(trimmed.substr(2), base::whitespace));
            return;
        }
        if (trimmed.empty() || trimmed.starts_with('#')) {
            return;
        }
        // ipvsadm-restore ends a line at '#' too.
        std::vector<std::string_view> words =
            base::split(trimmed.substr(0, trimmed.find('#')), base::whitespace);
        if (!words.empty() && words.front() == "ipvsadm") {
            words.erase(words.begin());
        }
        if (words.empty()) {
            return;
        }
        LineOptions options;
        std::string error;
        if (!read_options(words, options, error)) {
            diags_.error(where_, error);
            return;
        }
        if (*options.command == Command::add_service) {
            add_service(options);
        } else {
            add_server(options);
        }
    }

    RulesResult finish()
    {
        RulesResult result;
        result.diagnostics = diags_;
        if (config_.services.empty() && !diags_.has_errors()) {
            result.diagnostics.error({config_.path, 0}, "no virtual service (-A line) in the file");
        }
        if (!result.diagnostics.has_errors()) {
            result.config = std::move(config_);
        }
        return result;
    }

private:
    Service* find(const ServiceKey& key)
    {
        for (Service& s : config_.services) {
            if (s.key == key) {
                return &s;
            }
        }
        return nullptr;
    }

    Service* existing_service(const ServiceKey& key)
    {
        Service* s = find(key);
        if (s == nullptr) {
            diags_.error(where_, "service " + to_option(key) +
                                     " is not defined (its -A line must come first)");
        }
        return s;
    }

    void add_service(const LineOptions& o)
    {
        if (!o.service) {
            diags_.error(where_, "-A needs a service: -t ADDR:PORT, -u ADDR:PORT or -f MARK");
            return;
        }
        if (const Service* other = find(*o.service)) {
            diags_.error(where_, "service " + to_option(*o.service) +
                                     " is defined twice (first on line " +
                                     std::to_string(other->where.line) + ")");
            return;
        }
        if (o.service->protocol != Protocol::fwmark && o.service->port == 0 && !o.persistence) {
            diags_.error(where_, "service " + to_option(*o.service) +
                                     ": port 0 (every port) needs persistence (-p), as in "
                                     "ipvsadm");
            return;
        }
        if (o.netmask && !o.persistence) {
            diags_.error(where_, "-M applies to persistent services only (add -p)");
            return;
        }
        Service s;
        s.key = *o.service;
        s.scheduler = o.scheduler.value_or(Scheduler::wlc);
        s.scheduler_flags = o.scheduler_flags;
        s.persistence = o.persistence;
        s.persistence_mask = o.netmask;
        s.persistence_engine = o.persistence_engine;
        s.where = where_;
        config_.services.push_back(std::move(s));
    }

    // The server of a -a line (or of #@sorry), filled and checked; nullopt after an error.
    std::optional<RealServer> make_server(const LineOptions& o, const Service& service)
    {
        RealServer r;
        r.endpoint = *o.server;
        if (!o.server_port_given) {
            r.endpoint.port = service.key.port;  // ipvsadm copies the service's port
        }
        r.forwarding = o.forwarding.value_or(Forwarding::direct_routing);
        r.weight = o.weight.value_or(1);
        r.upper_threshold = o.upper.value_or(0);
        r.lower_threshold = o.lower.value_or(0);
        r.ipvs_extra = o.ipvs_extra;
        r.where = where_;
        if (r.forwarding != Forwarding::nat && service.key.protocol != Protocol::fwmark &&
            r.endpoint.port != service.key.port && service.key.port != 0) {
            diags_.warning(where_, "real server " + format_endpoint(r.endpoint) + " with " +
                                       std::string(to_string(r.forwarding)) +
                                       ": the port is not rewritten, packets keep port " +
                                       std::to_string(service.key.port));
        }
        if (!r.ipvs_extra.empty() && r.forwarding != Forwarding::tunnel) {
            diags_.error(where_, "--tun-* options apply to tunnel (-i) real servers only");
            return std::nullopt;
        }
        return r;
    }

    void add_server(const LineOptions& o)
    {
        if (!o.service) {
            diags_.error(where_,
                         "-a needs the service it belongs to: -t ADDR:PORT, "
                         "-u ADDR:PORT or -f MARK");
            return;
        }
        if (!o.server) {
            diags_.error(where_, "-a needs a real server: -r ADDR[:PORT]");
            return;
        }
        Service* service = existing_service(*o.service);
        if (service == nullptr) {
            return;
        }
        auto server = make_server(o, *service);
        if (!server) {
            return;
        }
        for (const RealServer& other : service->servers) {
            if (other.endpoint == server->endpoint) {
                diags_.error(where_, "real server " + format_endpoint(server->endpoint) +
                                         " is added to " + to_option(service->key) +
                                         " twice (first on line " +
                                         std::to_string(other.where.line) + ")");
                return;
            }
        }
        service->servers.push_back(std::move(*server));
    }

    // The defined service an extension line names first (words[i…]); nullptr with `error`.
    Service* named_service(const std::vector<std::string_view>& words, std::size_t& i,
                           std::string& error)
    {
        const auto key = read_service_words(words, i, error);
        if (!key) {
            return nullptr;
        }
        Service* service = find(*key);
        if (service == nullptr) {
            error = "service " + to_option(*key) + " is not defined (its -A line must come first)";
        }
        return service;
    }

    void extension(const std::vector<std::string_view>& words)
    {
        if (words.empty()) {
            diags_.error(where_, "empty #@ line (expected check, sorry, name, backend or sync)");
            return;
        }
        const std::string_view keyword = words.front();
        std::string error;
        bool ok = false;
        if (keyword == "check") {
            ok = check_line(words, error);
        } else if (keyword == "sorry") {
            ok = sorry_line(words, error);
        } else if (keyword == "name") {
            ok = name_line(words, error);
        } else if (keyword == "backend") {
            ok = backend_line(words, error);
        } else if (keyword == "sync") {
            ok = sync_line(words, error);
        } else {
            error = "unknown extension #@" + std::string(keyword) +
                    " (expected check, sorry, name, backend or sync; write '# @' for a comment)";
        }
        if (!ok) {
            diags_.error(where_, error);
        }
    }

    // #@check SERVICE [-r RIP:PORT] TCP_CHECK|HTTP_GET [key=value …]
    bool check_line(const std::vector<std::string_view>& words, std::string& error)
    {
        std::size_t i = 1;
        Service* service = named_service(words, i, error);
        if (service == nullptr) {
            return false;
        }
        const ServiceKey* key = &service->key;
        std::optional<Endpoint> server;
        if (i < words.size() && words[i] == "-r") {
            if (i + 1 >= words.size()) {
                error = "-r needs a real server ADDR[:PORT]";
                return false;
            }
            server = parse_endpoint(words[i + 1], false, error);
            if (!server) {
                return false;
            }
            if (words[i + 1].find(':') == std::string_view::npos) {
                server->port = key->port;
            }
            const bool known =
                std::any_of(service->servers.begin(), service->servers.end(),
                            [&](const RealServer& r) { return r.endpoint == *server; });
            if (!known) {
                error = "real server " + format_endpoint(*server) + " is not in " +
                        to_option(*key) + " (its -a line must come first)";
                return false;
            }
            i += 2;
        }
        if (i >= words.size()) {
            error = "expected the check's kind: TCP_CHECK or HTTP_GET";
            return false;
        }
        Check check;
        check.where = where_;
        if (words[i] == "TCP_CHECK") {
            check.kind = CheckKind::tcp;
        } else if (words[i] == "HTTP_GET") {
            check.kind = CheckKind::http;
        } else {
            error = "unknown check " + quote(words[i]) + " (expected TCP_CHECK or HTTP_GET)";
            return false;
        }
        std::vector<std::string_view> keys;
        for (++i; i < words.size(); ++i) {
            const auto eq = words[i].find('=');
            if (eq == std::string_view::npos || eq == 0) {
                error = "expected key=value, not " + quote(words[i]);
                return false;
            }
            const std::string_view k = words[i].substr(0, eq);
            if (std::find(keys.begin(), keys.end(), k) != keys.end()) {
                error = "setting " + quote(k) + " given twice";
                return false;
            }
            keys.push_back(k);
            if (!apply_check_setting(check, k, words[i].substr(eq + 1), error)) {
                return false;
            }
        }
        if (check.timeout > check.interval) {
            error = "timeout " + base::format_ms(check.timeout) + " is longer than interval " +
                    base::format_ms(check.interval) + " (a probe must end before the next starts)";
            return false;
        }
        if (key->protocol == Protocol::udp) {
            error =
                "checks of UDP services are not supported (TCP_CHECK and HTTP_GET connect "
                "over TCP); check the servers through a TCP port with port=N on a TCP "
                "service, or leave the UDP service unchecked";
            return false;
        }
        if (server) {
            for (const auto& [endpoint, c] : service->server_checks) {
                if (endpoint == *server) {
                    error = "real server " + format_endpoint(*server) +
                            " already has a check (line " + std::to_string(c.where.line) + ")";
                    return false;
                }
            }
            service->server_checks.emplace_back(*server, check);
        } else {
            if (service->check) {
                error = "service " + to_option(*key) + " already has a check (line " +
                        std::to_string(service->check->where.line) + ")";
                return false;
            }
            service->check = check;
        }
        return true;
    }

    // #@sorry SERVICE -r ADDR[:PORT] [-g|-m]
    bool sorry_line(const std::vector<std::string_view>& words, std::string& error)
    {
        std::size_t i = 1;
        Service* service = named_service(words, i, error);
        if (service == nullptr) {
            return false;
        }
        const ServiceKey* key = &service->key;
        if (service->sorry) {
            error = "service " + to_option(*key) + " already has a sorry server (line " +
                    std::to_string(service->sorry->where.line) + ")";
            return false;
        }
        std::vector<std::string_view> rest(words.begin() + static_cast<std::ptrdiff_t>(i),
                                           words.end());
        LineOptions o;
        o.command = Command::add_server;
        if (!read_options(rest, o, error)) {
            return false;
        }
        if (!o.server) {
            error = "#@sorry needs a server: -r ADDR[:PORT]";
            return false;
        }
        if (o.weight || o.upper || o.lower) {
            error = "#@sorry takes -r and a forwarding method only";
            return false;
        }
        if (!o.forwarding && !service->servers.empty()) {
            o.forwarding = service->servers.front().forwarding;
        }
        auto server = make_server(o, *service);
        if (!server) {
            return false;
        }
        service->sorry = std::move(*server);
        return true;
    }

    // #@name ADDR NAME
    bool name_line(const std::vector<std::string_view>& words, std::string& error)
    {
        if (words.size() != 3) {
            error = "expected #@name ADDRESS NAME";
            return false;
        }
        const auto address = base::parse_ipv4(words[1]);
        if (!address) {
            error = quote(words[1]) + " is not an IPv4 address";
            return false;
        }
        if (words[2].find_first_of("()\"\\") != std::string_view::npos) {
            error = "name " + quote(words[2]) + " holds a character we do not put in log lines";
            return false;
        }
        for (const auto& [a, name] : config_.names) {
            if (a == *address) {
                error = format_ipv4(*address) + " is already named " + quote(name);
                return false;
            }
        }
        config_.names.emplace_back(*address, std::string(words[2]));
        return true;
    }

    // #@backend auto|ipvs|nftables
    bool backend_line(const std::vector<std::string_view>& words, std::string& error)
    {
        if (backend_line_ != 0) {
            error = "#@backend given twice (first on line " + std::to_string(backend_line_) + ")";
            return false;
        }
        if (words.size() == 2) {
            for (BackendChoice c :
                 {BackendChoice::automatic, BackendChoice::ipvs, BackendChoice::nftables}) {
                if (words[1] == to_string(c)) {
                    config_.backend = c;
                    backend_line_ = where_.line;
                    return true;
                }
            }
        }
        error = "expected #@backend auto, ipvs or nftables";
        return false;
    }

    // #@sync IFACE [syncid N]
    bool sync_line(const std::vector<std::string_view>& words, std::string& error)
    {
        if (config_.sync) {
            error = "#@sync given twice (first on line " +
                    std::to_string(config_.sync->where.line) + ")";
            return false;
        }
        SyncDaemon sync;
        sync.where = where_;
        if (words.size() != 2 && !(words.size() == 4 && words[2] == "syncid")) {
            error = "expected #@sync INTERFACE [syncid N]";
            return false;
        }
        if (words[1].empty() || words[1].size() > 15 ||
            words[1].find_first_of("/: ") != std::string_view::npos) {
            error = quote(words[1]) + " is not an interface name";
            return false;
        }
        sync.interface = std::string(words[1]);
        if (words.size() == 4) {
            const auto id = base::parse_integer(words[3], 0, 255);
            if (!id) {
                error = "syncid " + quote(words[3]) + " is not a number 0-255";
                return false;
            }
            sync.syncid = static_cast<unsigned>(*id);
        }
        config_.sync = sync;
        return true;
    }

    LvsConfig config_;
    base::Diagnostics diags_;
    base::SourceLocation where_;
    int backend_line_ = 0;
};

}  // namespace

RulesResult parse_rules(std::string_view text, const std::string& path)
{
    Parser parser(path);
    int number = 0;
    for (std::string_view line : base::split_lines(text)) {
        parser.line(line, ++number);
    }
    return parser.finish();
}

}  // namespace hb::lvs
