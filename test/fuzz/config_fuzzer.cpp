// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: every file an administrator writes — ha.cf, authkeys, haresources and
// an ipvsadm rules file — through its parser, and what a parsed file feeds: the cross-file
// check against a machine the input describes, the reload plan, the LVS data plane's
// plans and nftables ruleset. The input's first byte picks the file; a whole configuration
// is three files separated by a NUL.
// Properties: no crash; every diagnostic names the file it was given and a line that
// exists; a reload to the same configuration changes nothing; slot tables only name
// servers of their service.
#include <cstdint>
#include <string>

#include "config/authkeys.hpp"
#include "config/config_check.hpp"
#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "config/reload_plan.hpp"
#include "fuzz_support.hpp"
#include "lvs/dataplane.hpp"
#include "lvs/ipvs_commands.hpp"
#include "lvs/nft_ruleset.hpp"
#include "lvs/rules.hpp"

namespace {

using namespace hb;

/// A machine whose answers the input chose.
class Machine final : public config::SystemView {
public:
    explicit Machine(std::uint8_t answers) : answers_(answers) {}
    bool interface_exists(std::string_view) const override { return (answers_ & 1) != 0; }
    bool is_executable_file(const std::string&) const override { return (answers_ & 2) != 0; }
    bool user_exists(std::string_view) const override { return (answers_ & 4) != 0; }
    bool group_exists(std::string_view) const override { return (answers_ & 8) != 0; }
    bool resolves_ipv4(std::string_view) const override { return (answers_ & 16) != 0; }

private:
    std::uint8_t answers_;
};

/// Each diagnostic names `path` and a line of `text` (0: the file as a whole).
void check_locations(const base::Diagnostics& diags, const std::string& path, std::string_view text)
{
    long lines = 1;
    for (const char c : text) {
        lines += c == '\n' ? 1 : 0;
    }
    for (const auto& d : diags.all()) {
        HB_FUZZ_CHECK(d.where.file == path);
        HB_FUZZ_CHECK(d.where.line >= 0 && d.where.line <= lines);
        HB_FUZZ_CHECK(!d.message.empty());
    }
}

void rules(std::string_view text)
{
    const std::string path = "/etc/ha.d/ipvsadm.rules";
    const auto parsed = lvs::parse_rules(text, path);
    check_locations(parsed.diagnostics, path, text);
    if (!parsed.config) {
        return;
    }
    const lvs::LvsConfig& config = *parsed.config;
    check_locations(lvs::nftables_diagnostics(config), path, text);
    const lvs::HealthTable health = lvs::all_up(config);
    const lvs::Facts facts;
    const auto plans = lvs::plan_all(config, health, facts);
    HB_FUZZ_CHECK(plans.size() == config.services.size());
    for (std::size_t s = 0; s < plans.size(); ++s) {
        const auto sorry = static_cast<int>(lvs::sorry_index(config.services[s]));
        for (const int slot : plans[s].current) {
            HB_FUZZ_CHECK(slot >= -1 && slot <= sorry);
        }
    }
    const std::string name = lvs::nft_table_name(path);
    (void)lvs::render_nft(config, plans, facts, name);
    (void)lvs::render_nft_delete(lvs::nft_tables(config, name));
    const auto desired = lvs::ipvs_desired(config, health);
    HB_FUZZ_CHECK(lvs::ipvs_apply(desired, desired).empty());
}

void whole(std::string_view text, std::uint8_t answers)
{
    const auto cut = [&text]() {
        const auto nul = text.find('\0');
        const std::string_view part = text.substr(0, nul);
        text = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
        return part;
    };
    const std::string_view ha_cf_text = cut();
    const std::string_view haresources_text = cut();
    const std::string_view authkeys_text = cut();

    config::Config c;
    auto ha_cf = config::parse_ha_cf(ha_cf_text, "/etc/ha.d/ha.cf");
    auto haresources = config::parse_haresources(haresources_text, "/etc/ha.d/haresources");
    auto authkeys =
        config::parse_authkeys(authkeys_text, "/etc/ha.d/authkeys", config::FileMeta{0600, 0}, 0);
    check_locations(ha_cf.diagnostics, "/etc/ha.d/ha.cf", ha_cf_text);
    check_locations(haresources.diagnostics, "/etc/ha.d/haresources", haresources_text);
    check_locations(authkeys.diagnostics, "/etc/ha.d/authkeys", authkeys_text);
    c.ha_cf = std::move(ha_cf.config);
    c.groups = std::move(haresources.groups);
    c.authkeys = std::move(authkeys.keys);
    c.node_name = "lvs-01";
    c.config_dir = "/etc/ha.d";

    const Machine machine(answers);
    base::Diagnostics checked;
    config::check_config(c.ha_cf, c.groups, c.node_name, config::ScriptDirs{"/etc/ha.d/resource.d"},
                         machine, checked);
    if (!ha_cf.ok() || !haresources.ok() || !authkeys.ok() || checked.has_errors()) {
        return;
    }
    const config::ReloadPlan same = config::plan_reload(c, c);
    HB_FUZZ_CHECK(same.unchanged());
    HB_FUZZ_CHECK(same.groups.empty());
    (void)same.summary();
    (void)config::link_media(c.ha_cf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    const std::uint8_t which = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (which % 5) {
    case 0: {
        const auto r = config::parse_ha_cf(text, "ha.cf");
        check_locations(r.diagnostics, "ha.cf", text);
        break;
    }
    case 1: {
        // The mode and owner heartbeat checks, from the selector's high bits.
        const config::FileMeta meta{(which & 0x80) != 0 ? 0644U : 0600U,
                                    (which & 0x40) != 0 ? 1000U : 0U};
        const auto r = config::parse_authkeys(text, "authkeys", meta, 0);
        check_locations(r.diagnostics, "authkeys", text);
        break;
    }
    case 2: {
        const auto r = config::parse_haresources(text, "haresources");
        check_locations(r.diagnostics, "haresources", text);
        break;
    }
    case 3: rules(text); break;
    default: whole(text, static_cast<std::uint8_t>(which >> 3)); break;
    }
    return 0;
}
