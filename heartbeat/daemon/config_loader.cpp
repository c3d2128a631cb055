// SPDX-License-Identifier: GPL-2.0-or-later
// Configuration directory loader: file I/O around the sans-IO parsers in config/.
#include "daemon/config_loader.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "config/authkeys.hpp"
#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "config/ng_cf.hpp"
#include "lvs/nft_ruleset.hpp"
#include "lvs/rules.hpp"
#include "platform/files.hpp"

namespace hb::daemon {

std::string local_node_name(const std::string& config_dir)
{
    std::error_code error;
    if (const auto nodeinfo = platform::read_config_file(config_dir + "/nodeinfo", error)) {
        const auto words = base::split(nodeinfo->text, base::whitespace);
        if (!words.empty()) {
            return base::to_lower(words.front());
        }
    }
    return base::to_lower(platform::uname_nodename());
}

namespace {

std::optional<platform::FileContents> read_or_report(const std::string& path,
                                                     base::Diagnostics& diags)
{
    std::error_code error;
    auto contents = platform::read_config_file(path, error);
    if (!contents) {
        diags.error(base::SourceLocation{path, 0}, "cannot read file: " + error.message());
    }
    return contents;
}

// The LVS rules files that haresources hands to ipvsadm-wrapper, checked as the agent will
// check them at start (and for the nftables back end when this machine would use it), so a
// bad line is found before the director takes over, not during the takeover.
void check_lvs_rules(const std::vector<config::ResourceGroup>& groups, base::Diagnostics& diags)
{
    std::vector<std::string> seen;
    for (const config::ResourceGroup& group : groups) {
        for (const config::Resource& r : group.resources) {
            if (r.script != "ipvsadm-wrapper") {
                continue;
            }
            if (r.args.size() != 1 || r.args[0].empty() || r.args[0][0] != '/') {
                diags.error(r.where,
                            "ipvsadm-wrapper takes one argument, the absolute path of "
                            "its rules file (ipvsadm-wrapper::/etc/ha.d/ipvsadm.rules)");
                continue;
            }
            const std::string& path = r.args[0];
            if (std::find(seen.begin(), seen.end(), path) != seen.end()) {
                continue;
            }
            seen.push_back(path);
            std::error_code error;
            const auto file = platform::read_config_file(path, error);
            if (!file) {
                diags.error(r.where, "rules file " + path + " of " + base::quote(r.text) +
                                         " cannot be read: " + error.message());
                continue;
            }
            lvs::RulesResult rules = lvs::parse_rules(file->text, path);
            diags.append(rules.diagnostics);
            if (rules.config && (rules.config->backend == lvs::BackendChoice::nftables ||
                                 (rules.config->backend == lvs::BackendChoice::automatic &&
                                  !platform::kernel_has_ipvs()))) {
                diags.append(lvs::nftables_diagnostics(*rules.config));
            }
        }
    }
}

}  // namespace

LoadResult load_config(const LoadOptions& options, const config::SystemView& system)
{
    LoadResult result;
    base::Diagnostics& diags = result.diagnostics;
    const std::string& dir = options.config_dir;
    result.node_name =
        options.node_name ? base::to_lower(*options.node_name) : local_node_name(dir);

    const std::string ha_cf_path = dir + "/ha.cf";
    const std::string authkeys_path = dir + "/authkeys";
    const std::string haresources_path = dir + "/haresources";

    std::optional<config::HaCfResult> ha_cf;
    if (const auto file = read_or_report(ha_cf_path, diags)) {
        ha_cf = config::parse_ha_cf(file->text, ha_cf_path);
        diags.append(ha_cf->diagnostics);
    }
    std::optional<config::AuthKeysResult> authkeys;
    if (const auto file = read_or_report(authkeys_path, diags)) {
        authkeys = config::parse_authkeys(file->text, authkeys_path,
                                          config::FileMeta{file->mode, file->owner_uid},
                                          platform::effective_uid());
        diags.append(authkeys->diagnostics);
    }
    std::optional<config::HaResourcesResult> haresources;
    if (const auto file = read_or_report(haresources_path, diags)) {
        haresources = config::parse_haresources(file->text, haresources_path);
        diags.append(haresources->diagnostics);
        check_lvs_rules(haresources->groups, diags);
    }
    // Ours (metrics): optional, so a directory 3.0.6 ran from is complete without it.
    const std::string ng_cf_path = dir + "/" + config::ng_cf_name;
    std::optional<config::NgCfResult> ng_cf;
    std::error_code ng_error;
    if (const auto file = platform::read_config_file(ng_cf_path, ng_error)) {
        ng_cf = config::parse_ng_cf(file->text, ng_cf_path);
        diags.append(ng_cf->diagnostics);
    } else if (ng_error != std::errc::no_such_file_or_directory) {
        diags.error(base::SourceLocation{ng_cf_path, 0}, "cannot read file: " + ng_error.message());
    }
    if (ha_cf) {
        const config::ScriptDirs dirs{dir + "/resource.d", options.init_dir};
        static const std::vector<config::ResourceGroup> no_groups;
        config::check_config(ha_cf->config, haresources ? haresources->groups : no_groups,
                             result.node_name, dirs, system, diags);
    }
    diags.sort_by_location({ha_cf_path, authkeys_path, haresources_path, ng_cf_path});
    if (!diags.has_errors() && ha_cf && authkeys && haresources) {
        result.config = config::Config{std::move(ha_cf->config),
                                       std::move(authkeys->keys),
                                       std::move(haresources->groups),
                                       result.node_name,
                                       dir,
                                       ng_cf ? std::move(ng_cf->config) : config::NgCf{}};
    }
    return result;
}

}  // namespace hb::daemon
