// SPDX-License-Identifier: GPL-2.0-or-later
// Table of bad configuration directories run through load_config: each row changes one thing
// in a valid ha.cf/authkeys/haresources set and names the diagnostic it must produce (file,
// line, severity, key words). Error rows must also leave no configuration behind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "daemon/config_loader.hpp"
#include "support/diagnostics.hpp"
#include "support/fake_system.hpp"

namespace {

using hb::base::Severity;
using hb::test::minimal_authkeys;
using hb::test::minimal_ha_cf;
using hb::test::minimal_haresources;

constexpr Severity error = Severity::error;
constexpr Severity warning = Severity::warning;

/// One bad input and the diagnostic it must produce.
struct Row {
    std::string name;
    std::optional<std::string> ha_cf = minimal_ha_cf;
    std::optional<std::string> authkeys = minimal_authkeys;
    std::optional<std::string> haresources = minimal_haresources;
    unsigned authkeys_mode = 0600;
    std::string node_name = "alpha";

    std::string file;  ///< basename of the file the diagnostic is about
    int line = 0;      ///< 0 for the whole file
    Severity severity = Severity::error;
    std::vector<std::string> keys;  ///< words the message must contain (case-insensitive)

    Row& mode(unsigned m)
    {
        authkeys_mode = m;
        return *this;
    }
    Row& node(std::string n)
    {
        node_name = std::move(n);
        return *this;
    }
    Row& without(const std::string& basename)
    {
        if (basename == "ha.cf") {
            ha_cf.reset();
        } else if (basename == "authkeys") {
            authkeys.reset();
        } else {
            haresources.reset();
        }
        return *this;
    }
};

/// `text` with its 1-based line `n` replaced by `with` (the line is dropped when `with` is
/// empty).
std::string replace_line(const std::string& text, int n, const std::string& with)
{
    std::string out;
    int current = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) {
            end = text.size();
        }
        ++current;
        if (current == n) {
            if (!with.empty()) {
                out += with + "\n";
            }
        } else {
            out += text.substr(pos, end - pos) + "\n";
        }
        pos = end + 1;
    }
    return out;
}

// minimal_ha_cf is:
//   1 logfacility local0
//   2 auto_failback on
//   3 keepalive 1
//   4 deadtime 10
//   5 bcast eth0
//   6 node alpha beta
// so appended lines start at line 7.

/// A row whose file `basename` holds `text` and must give the described diagnostic.
Row file_row(const std::string& basename, std::string name, std::string text, int line,
             Severity severity, std::vector<std::string> keys)
{
    Row row;
    row.name = std::move(name);
    (basename == "ha.cf" ? row.ha_cf : basename == "authkeys" ? row.authkeys : row.haresources) =
        std::move(text);
    row.file = basename;
    row.line = line;
    row.severity = severity;
    row.keys = std::move(keys);
    return row;
}

Row ha_cf_row(std::string name, std::string text, int line, Severity severity,
              std::vector<std::string> keys)
{
    return file_row("ha.cf", std::move(name), std::move(text), line, severity, std::move(keys));
}

/// ha.cf with line `n` replaced by `with`.
Row cf_replace(std::string name, int n, const std::string& with, int line, Severity severity,
               std::vector<std::string> keys)
{
    return ha_cf_row(std::move(name), replace_line(minimal_ha_cf, n, with), line, severity,
                     std::move(keys));
}

/// ha.cf with `extra` (whole lines) added at the end, from line 7 on.
Row cf_append(std::string name, const std::string& extra, int line, Severity severity,
              std::vector<std::string> keys)
{
    return ha_cf_row(std::move(name), minimal_ha_cf + extra, line, severity, std::move(keys));
}

/// ha.cf with `extra` (whole lines) put in front, from line 1 on.
Row cf_prepend(std::string name, const std::string& extra, int line, Severity severity,
               std::vector<std::string> keys)
{
    return ha_cf_row(std::move(name), extra + minimal_ha_cf, line, severity, std::move(keys));
}

Row authkeys_row(std::string name, std::string text, int line, Severity severity,
                 std::vector<std::string> keys)
{
    return file_row("authkeys", std::move(name), std::move(text), line, severity, std::move(keys));
}

Row haresources_row(std::string name, std::string text, int line, Severity severity,
                    std::vector<std::string> keys)
{
    return file_row("haresources", std::move(name), std::move(text), line, severity,
                    std::move(keys));
}

/// A row whose file `basename` is missing.
Row missing_file(const std::string& basename)
{
    Row row;
    row.name = "missing " + basename;
    row.without(basename);
    row.file = basename;
    row.line = 0;
    row.severity = error;
    row.keys = {"cannot read"};
    return row;
}

std::vector<Row> table()
{
    std::vector<Row> rows;
    auto add = [&rows](Row row) { rows.push_back(std::move(row)); };

    // ---- ha.cf: directives and values --------------------------------------------------
    add(cf_append("unknown directive", "keepalives 2\n", 7, error,
                  {"unknown directive", "keepalives"}));
    add(cf_replace("directive names are case-sensitive", 3, "Keepalive 1", 3, error,
                   {"unknown directive", "Keepalive"}));
    add(cf_replace("keepalive ten", 3, "keepalive ten", 3, error, {"invalid time", "ten"}));
    add(cf_replace("keepalive with bad unit 2s", 3, "keepalive 2s", 3, error,
                   {"invalid time", "2s"}));
    add(cf_replace("keepalive 1min", 3, "keepalive 1min", 3, error, {"invalid time", "1min"}));
    add(cf_replace("keepalive unit not glued: 500 ms", 3, "keepalive 500 ms", 3, error,
                   {"invalid time", "ms"}));
    add(cf_replace("keepalive 0", 3, "keepalive 0", 3, error,
                   {"keepalive", "greater than 0"}));
    add(cf_replace("deadtime 1.2.3", 4, "deadtime 1.2.3", 4, error, {"invalid time", "1.2.3"}));
    add(cf_append("warntime 0", "warntime 0\n", 7, error, {"warntime", "greater than 0"}));
    add(cf_replace("deadtime not above twice keepalive", 4, "deadtime 2", 4, error,
                   {"deadtime", "twice keepalive"}));
    add(ha_cf_row("keepalive too long for the default deadtime",
                  replace_line(replace_line(minimal_ha_cf, 3, "keepalive 20"), 4, ""), 3, error,
                  {"deadtime", "twice keepalive"}));
    add(cf_append("initdead below deadtime", "initdead 5\n", 7, error,
                  {"initdead", "smaller than deadtime"}));
    add(ha_cf_row("initdead below 10 s",
                  replace_line(minimal_ha_cf, 4, "deadtime 4") + "initdead 8\n", 7, warning,
                  {"initdead", "too small"}));
    add(cf_append("warntime above deadtime", "warntime 20\n", 7, warning,
                  {"warntime", "above deadtime"}));
    add(cf_append("deadping not above twice keepalive", "deadping 2\n", 7, error,
                  {"deadping", "twice keepalive"}));
    add(cf_replace("auto_failback maybe", 2, "auto_failback maybe", 2, error,
                   {"auto_failback", "maybe"}));
    add(cf_append("realtime perhaps", "realtime perhaps\n", 7, error,
                  {"invalid boolean", "perhaps"}));
    add(cf_append("nice_failback is obsolete", "nice_failback on\n", 7, warning,
                  {"nice_failback", "obsolete"}));
    add(cf_prepend("udpport 0", "udpport 0\n", 1, error, {"udpport", "'0'"}));
    add(cf_prepend("udpport 70000", "udpport 70000\n", 1, error, {"udpport", "70000"}));
    add(cf_append("udpport after a bcast line", "udpport 695\n", 7, warning,
                  {"udpport", "line 5"}));
    add(cf_append("hopfudge 300", "hopfudge 300\n", 7, error, {"hopfudge", "300"}));
    add(cf_append("debug -1", "debug -1\n", 7, error, {"debug", "-1"}));
    add(cf_append("rtprio 0", "rtprio 0\n", 7, error, {"rtprio", "'0'"}));
    add(cf_replace("logfacility local9", 1, "logfacility local9", 1, error,
                   {"facility", "local9"}));
    // glue's cl_syslogfac_str2int compares facility names with strcmp: case matters.
    add(cf_replace("logfacility LOCAL0 (upper case)", 1, "logfacility LOCAL0", 1, error,
                   {"facility", "LOCAL0"}));
    add(cf_replace("use_logd off with nowhere to log", 1, "use_logd off", 1, error,
                   {"use_logd", "nowhere to log"}));
    add(cf_append("hbgenmethod clock", "hbgenmethod clock\n", 7, error,
                  {"hbgenmethod", "clock"}));
    add(cf_append("msgfmt xml", "msgfmt xml\n", 7, error, {"msgfmt", "xml"}));
    add(cf_append("env without =", "env FOO\n", 7, error, {"env", "FOO", "NAME=value"}));
    add(cf_append("script timeout that is not a time", "env RSC_START_TIMEOUT=soon\n", 7, error,
                  {"invalid time", "soon"}));
    add(cf_append("script timeout of zero", "env RSC_STATUS_TIMEOUT=0\n", 7, error,
                  {"greater than 0"}));
    add(cf_append("STOPRETRYMAX that is not a number", "env STOPRETRYMAX=ten\n", 7, error,
                  {"ten", "whole number"}));
    add(cf_append("watchdog given twice", "watchdog /dev/watchdog\nwatchdog /dev/watchdog1\n",
                  8, error, {"watchdog", "twice"}));
    add(cf_append("apiauth without uid or gid", "apiauth ipfail\n", 7, error,
                  {"apiauth", "ipfail", "uid"}));
    add(cf_append("apiauth with a bad list", "apiauth ipfail user=hacluster\n", 7, error,
                  {"apiauth", "user=hacluster"}));
    // glue's ipc_str_to_auth() maps every name with getpwnam/getgrnam at parse time and
    // heartbeat refuses the apiauth line when one is unknown.
    add(cf_append("apiauth with an unknown user", "apiauth myclient uid=nosuchuser\n", 7, error,
                  {"apiauth", "nosuchuser"}));
    add(cf_append("apiauth with an unknown group", "apiauth myclient gid=nosuchgroup\n", 7,
                  error, {"apiauth", "nosuchgroup"}));
    add(cf_append("duplicate apiauth",
                  "apiauth ipfail uid=hacluster\napiauth ipfail gid=haclient\n", 8, error,
                  {"duplicate", "apiauth", "ipfail"}));
    add(cf_append("respawn with a relative path", "respawn hacluster ipfail\n", 7, error,
                  {"respawn", "absolute path"}));
    add(cf_append("respawn as an unknown user",
                  "respawn nosuchuser /usr/lib/heartbeat/ipfail\n", 7, error,
                  {"respawn", "nosuchuser", "does not exist"}));
    add(cf_append("pacemaker on", "pacemaker on\n", 7, error, {"pacemaker", "not supported"}));
    add(cf_append("crm yes (pacemaker alias)", "crm yes\n", 7, error,
                  {"pacemaker", "not supported"}));
    // set_pcmk_support() refuses a second pacemaker/crm line, whatever its value.
    add(cf_append("pacemaker given twice", "pacemaker off\ncrm off\n", 8, error,
                  {"pacemaker"}));
    // 3.0.6's set_crm_daemon_dir() tests fail_if_after_pacemaker() the wrong way round, so
    // the directive is refused unless it follows the pacemaker line.
    add(cf_append("crm_daemon_dir before pacemaker", "crm_daemon_dir /usr/lib/pacemaker\n", 7,
                  error, {"crm_daemon_dir"}));
    add(cf_append("autojoin any", "autojoin any\n", 7, error, {"autojoin", "any"}));
    add(cf_append("autojoin other", "autojoin other\n", 7, error, {"autojoin", "other"}));
    add(cf_append("unimplemented directive compression", "compression zlib\n", 7, warning,
                  {"compression", "not implement"}));
    // STONITH runs cluster-glue's external/* plugin scripts; a compiled plugin (here its
    // `null` test device) is refused rather than ignored, and so is `stonith TYPE FILE`.
    add(cf_append("stonith_host with a compiled plugin", "stonith_host * null alpha beta\n", 7,
                  error, {"null", "external/NAME"}));
    add(cf_append("stonith with a configuration file", "stonith external/ssh /etc/stonith\n", 7,
                  error, {"stonith_host *"}));
    add(cf_append("stonith_host without a type", "stonith_host *\n", 7, error,
                  {"stonith_host", "device type"}));
    add(cf_replace("old directive name udp", 5, "udp eth0", 5, warning, {"udp", "bcast"}));
    add(cf_append("directive without a value", "keepalive\n", 7, warning,
                  {"keepalive", "no value"}));
    add(ha_cf_row("CRLF line endings keep line numbers",
                  "logfacility local0\r\nauto_failback on\r\nkeepalive ten\r\ndeadtime 10\r\n"
                  "bcast eth0\r\nnode alpha beta\r\n",
                  3, error, {"invalid time", "ten"}));
    add(cf_replace("error after a comment-only line keeps its number", 2,
                   "# auto_failback off\nauto_failback maybe", 3, error,
                   {"auto_failback", "maybe"}));

    // ---- ha.cf: baud ---------------------------------------------------------------------
    add(cf_prepend("baud 12345", "baud 12345\n", 1, error, {"baud", "12345"}));
    add(cf_prepend("baud given twice", "baud 19200\nbaud 38400\n", 2, error,
                   {"baud", "twice"}));

    // ---- ha.cf: media --------------------------------------------------------------------
    add(cf_replace("mcast group not multicast", 5, "mcast eth0 10.0.0.1 694 1 0", 5, error,
                   {"10.0.0.1", "multicast"}));
    add(cf_replace("mcast ttl 5", 5, "mcast eth0 239.0.0.1 694 5 0", 5, error,
                   {"ttl", "'5'"}));
    add(cf_replace("mcast port 0", 5, "mcast eth0 239.0.0.1 0 1 0", 5, error,
                   {"port", "'0'"}));
    add(cf_replace("mcast loop 2", 5, "mcast eth0 239.0.0.1 694 1 2", 5, error,
                   {"loop", "'2'"}));
    add(cf_replace("mcast with 4 values", 5, "mcast eth0 239.0.0.1 694 1", 5, error,
                   {"mcast", "5 values"}));
    add(cf_replace("ucast without a peer", 5, "ucast eth0", 5, error, {"ucast", "peer"}));
    add(cf_replace("ucast peer that does not resolve", 5, "ucast eth0 nosuchhost.invalid", 5,
                   error, {"ucast", "nosuchhost.invalid"}));
    add(cf_append("ping host that does not resolve", "ping nosuchhost.invalid\n", 7, warning,
                  {"ping host", "nosuchhost.invalid", "never answer"}));
    add(cf_append("ping_group member that does not resolve",
                  "ping_group routers 10.0.0.1 nosuchhost.invalid\n", 7, warning,
                  {"ping host", "nosuchhost.invalid"}));
    add(cf_replace("bcast interface name too long", 5, "bcast abcdefghijklmnopq", 5, error,
                   {"interface", "abcdefghijklmnopq"}));
    add(cf_replace("no media at all", 5, "", 0, error, {"no heartbeat media"}));
    add(cf_replace("bcast on an interface the machine lacks", 5, "bcast eth9", 5, warning,
                   {"eth9", "does not exist"}));

    // ---- ha.cf: nodes --------------------------------------------------------------------
    add(cf_replace("no node lines", 6, "", 0, error, {"no nodes"}));
    add(cf_replace("node name too long", 6, "node alpha beta " + std::string(100, 'n'), 6,
                   error, {"node", "longer than"}));
    add(cf_replace("own node not declared", 6, "node alpha beta", 6, error,
                   {"gamma", "not declared"})
            .node("gamma"));

    // ---- missing files -------------------------------------------------------------------
    add(missing_file("ha.cf"));
    add(missing_file("authkeys"));
    add(missing_file("haresources"));

    // ---- authkeys --------------------------------------------------------------------------
    add(authkeys_row("authkeys mode 0644", minimal_authkeys, 0, error, {"chmod 600"}).mode(0644));
    add(authkeys_row("authkeys mode 0640", minimal_authkeys, 0, error, {"chmod 600"}).mode(0640));
    add(authkeys_row("authkeys mode 0604", minimal_authkeys, 0, error, {"chmod 600"}).mode(0604));
    add(authkeys_row("authkeys mode 0620 (group-writable)", minimal_authkeys, 0, warning,
                     {"writable", "chmod 600"})
            .mode(0620));
    add(authkeys_row("authkeys without an auth line", "1 sha1 secret\n", 0, error, {"auth"}));
    add(authkeys_row("auth 2 with only key 1", "auth 2\n1 sha1 secret\n", 1, error,
                     {"auth 2", "not defined"}));
    add(authkeys_row("key line before the auth line", "1 sha1 secret\nauth 1\n", 2, error,
                     {"auth 1", "must come before"}));
    add(authkeys_row("md5 without a secret", "auth 1\n1 md5\n", 2, error,
                     {"md5", "requires a secret"}));
    add(authkeys_row("sha1 without a secret", "auth 1\n1 sha1\n", 2, error,
                     {"sha1", "requires a secret"}));
    add(authkeys_row("crc with a key", "auth 1\n1 crc extra\n", 2, error,
                     {"crc", "does not use a secret"}));
    add(authkeys_row("unknown method sha256", "auth 1\n1 sha256 x\n", 2, error,
                     {"method", "sha256"}));
    add(authkeys_row("key index 16 out of range", "auth 1\n1 sha1 secret\n16 sha1 x\n", 3,
                     error, {"index", "16"}));
    add(authkeys_row("key index not a number", "auth 1\n1 sha1 secret\none sha1 x\n", 3, error,
                     {"index", "one"}));
    add(authkeys_row("auth without a number", "auth\n1 sha1 secret\n", 1, error,
                     {"auth", "N"}));
    add(authkeys_row("auth 16 out of range", "auth 16\n1 sha1 secret\n", 1, error,
                     {"auth", "0 to 15"}));
    add(authkeys_row("key line with only an index", "auth 1\n1 sha1 secret\n2\n", 3, error,
                     {"key line", "METHOD"}));
    add(authkeys_row("crc in use", "auth 1\n1 crc\n", 2, warning, {"crc", "forge"}));
    add(authkeys_row("key defined twice", "auth 1\n1 sha1 a\n1 sha1 b\n", 3, warning,
                     {"key 1", "line 2"}));

    // ---- haresources -----------------------------------------------------------------------
    add(haresources_row("haresources node not declared", "gamma 10.0.0.100/24/eth0\n", 1,
                        error, {"gamma", "not declared"}));
    add(haresources_row("haresources line with only a node", "alpha\n", 1, error,
                        {"alpha", "no resources"}));
    add(haresources_row("haresources line starting with a resource", "10.0.0.100/24/eth0\n", 1,
                        error, {"10.0.0.100/24/eth0", "node"}));
    add(haresources_row("IPaddr:: with an empty argument", "alpha IPaddr::\n", 1, error,
                        {"IPaddr::", "empty argument"}));
    add(haresources_row("::foo without a script", "alpha ::foo\n", 1, error,
                        {"::foo", "script"}));
    add(haresources_row("script given as a path", "alpha ../bin/sh\n", 1, error,
                        {"../bin/sh", "path"}));
    add(haresources_row("absolute script path", "alpha /bin/sh\n", 1, error,
                        {"/bin/sh", "path"}));
    add(haresources_row("IPaddr with a bad address", "alpha IPaddr::10.0.0.300/24\n", 1, error,
                        {"10.0.0.300", "IPv4"}));
    add(haresources_row("IPaddr with prefix length 40", "alpha IPaddr::10.0.0.1/40\n", 1, error,
                        {"40", "prefix length"}));
    add(haresources_row("bare IP with a bad address", "alpha 10.0.0.256\n", 1, error,
                        {"10.0.0.256", "IPv4"}));
    add(haresources_row("IPaddr without an address", "alpha IPaddr\n", 1, error,
                        {"IPaddr", "address"}));
    add(haresources_row("IPaddr with two arguments", "alpha IPaddr::10.0.0.1::eth0\n", 1, error,
                        {"IPaddr", "one argument"}));
    add(haresources_row("IPaddr2 with a bad broadcast",
                        "alpha IPaddr2::10.0.0.1/24/eth0/10.0.0.999\n", 1, error,
                        {"10.0.0.999", "broadcast"}));
    add(haresources_row("script the machine lacks", "alpha 10.0.0.100/24/eth0 httpd\n", 1,
                        warning, {"httpd", "not an executable"}));
    add(haresources_row("IPaddr on an interface the machine lacks", "alpha 10.0.0.100/24/eth9\n",
                        1, warning, {"eth9", "does not exist"}));
    add(haresources_row("duplicate group key",
                        "alpha 10.0.0.100/24/eth0\nbeta 10.0.0.100/24/eth0\n", 2, warning,
                        {"10.0.0.100/24/eth0", "line 1"}));
    add(haresources_row("bad token on a continued line",
                        "# web group\nalpha 10.0.0.100/24/eth0 \\\n    IPaddr::10.0.0.300\n", 3,
                        error, {"10.0.0.300"}));
    // ResourceManager strips comments before it joins continued lines, so a '#' on a
    // continued physical line is read as resources ("#", "web", "server"), not as a comment.
    add(haresources_row("'#' on a continued line is not a comment for ResourceManager",
                        "alpha 10.0.0.100/24/eth0 \\\n    10.0.0.101/24/eth0 # web server\n", 2,
                        warning, {"#"}));
    add(haresources_row("node-only error is reported at the group's first line",
                        "\n\nalpha \\\n\n", 3, error, {"no resources"}));

    return rows;
}

std::string basename_of(const std::string& path)
{
    return std::filesystem::path(path).filename().string();
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool contains_all(const std::string& message, const std::vector<std::string>& keys)
{
    const std::string haystack = lower(message);
    return std::all_of(keys.begin(), keys.end(), [&](const std::string& key) {
        return haystack.find(lower(key)) != std::string::npos;
    });
}

std::string dump(const hb::base::Diagnostics& diags)
{
    const std::string out = hb::test::diagnostics_text(diags, "  ");
    return out.empty() ? std::string("  (no diagnostics)\n") : out;
}

/// A configuration directory written from a row, ready for load_config.
struct Setup {
    hb::test::TempDir dir;
    hb::test::FakeSystem system;
    hb::daemon::LoadOptions options;

    explicit Setup(const Row& row)
    {
        if (row.ha_cf) {
            dir.write("ha.cf", *row.ha_cf, 0644);
        }
        if (row.authkeys) {
            dir.write("authkeys", *row.authkeys, row.authkeys_mode);
        }
        if (row.haresources) {
            dir.write("haresources", *row.haresources, 0644);
        }
        system.executables.insert(dir.path() + "/resource.d/IPaddr");
        system.executables.insert(dir.path() + "/resource.d/IPaddr2");
        options.config_dir = dir.path();
        options.node_name = row.node_name;
        options.init_dir = dir.path() + "/init.d";
    }
};

const hb::base::Diagnostic* find_expected(const hb::base::Diagnostics& diags, const Row& row)
{
    for (const auto& d : diags.all()) {
        if (basename_of(d.where.file) == row.file && d.where.line == row.line &&
            d.severity == row.severity && contains_all(d.message, row.keys)) {
            return &d;
        }
    }
    return nullptr;
}

}  // namespace

TEST_CASE("the minimal configuration loads without diagnostics", "[config][bad_inputs]")
{
    Row row;
    Setup setup(row);
    const auto result = hb::daemon::load_config(setup.options, setup.system);
    INFO("diagnostics:\n" << dump(result.diagnostics));
    CHECK(result.diagnostics.all().empty());
    CHECK(result.config.has_value());
}

TEST_CASE("bad inputs give the expected diagnostic", "[config][bad_inputs]")
{
    const std::vector<Row> rows = table();
    REQUIRE(rows.size() >= 35);

    for (const Row& row : rows) {
        DYNAMIC_SECTION(row.name)
        {
            Setup setup(row);
            const auto result = hb::daemon::load_config(setup.options, setup.system);
            const std::string expected_text =
                row.file + ":" + std::to_string(row.line) + ": " +
                std::string(hb::base::to_string(row.severity)) + " containing";
            std::string keys;
            for (const auto& key : row.keys) {
                keys += " [" + key + "]";
            }
            INFO("row: " << row.name);
            INFO("expected " << expected_text << keys);
            INFO("got:\n" << dump(result.diagnostics));

            const hb::base::Diagnostic* found = find_expected(result.diagnostics, row);
            REQUIRE(found != nullptr);

            if (row.severity == error) {
                CHECK_FALSE(result.config.has_value());
                const std::string full_path = setup.dir.path() + "/" + row.file;
                const std::string prefix =
                    row.line == 0 ? full_path + ": error: "
                                  : full_path + ":" + std::to_string(row.line) + ": error: ";
                const std::string formatted = hb::base::format(*found);
                INFO("formatted: " << formatted);
                CHECK(formatted.rfind(prefix, 0) == 0);
            } else {
                // A warning row changes nothing else, so the configuration still loads.
                CHECK_FALSE(result.diagnostics.has_errors());
                CHECK(result.config.has_value());
            }
        }
    }
}

TEST_CASE("parsing goes on after an error: three errors in ha.cf are all reported",
          "[config][bad_inputs]")
{
    Row row;
    row.ha_cf = "logfacility local0\n"
                "auto_failback maybe\n"  // line 2
                "keepalive ten\n"        // line 3
                "deadtime 10\n"
                "bcast eth0\n"
                "frobnicate yes\n"  // line 6
                "node alpha beta\n";
    Setup setup(row);
    const auto result = hb::daemon::load_config(setup.options, setup.system);
    INFO("got:\n" << dump(result.diagnostics));

    CHECK_FALSE(result.config.has_value());
    CHECK(result.diagnostics.count(Severity::error) == 3);
    for (const auto& [line, key] : std::vector<std::pair<int, std::string>>{
             {2, "maybe"}, {3, "ten"}, {6, "frobnicate"}}) {
        Row expected;
        expected.file = "ha.cf";
        expected.line = line;
        expected.severity = error;
        expected.keys = {key};
        INFO("expected error at ha.cf:" << line << " mentioning " << key);
        CHECK(find_expected(result.diagnostics, expected) != nullptr);
    }
}

TEST_CASE("errors in all three files are reported together", "[config][bad_inputs]")
{
    Row row;
    row.ha_cf = replace_line(minimal_ha_cf, 3, "keepalive 2s");
    row.authkeys = "auth 1\n1 sha256 x\n";
    row.haresources = "alpha IPaddr::10.0.0.300/24\n";
    Setup setup(row);
    const auto result = hb::daemon::load_config(setup.options, setup.system);
    INFO("got:\n" << dump(result.diagnostics));

    CHECK_FALSE(result.config.has_value());
    struct Expect {
        std::string file;
        int line;
        std::string key;
    };
    for (const Expect& e : {Expect{"ha.cf", 3, "2s"}, Expect{"authkeys", 2, "sha256"},
                            Expect{"haresources", 1, "10.0.0.300"}}) {
        Row expected;
        expected.file = e.file;
        expected.line = e.line;
        expected.severity = error;
        expected.keys = {e.key};
        INFO("expected error at " << e.file << ":" << e.line << " mentioning " << e.key);
        CHECK(find_expected(result.diagnostics, expected) != nullptr);
    }
}
