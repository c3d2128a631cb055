// SPDX-License-Identifier: GPL-2.0-or-later
// Configuration directory loader: file I/O around the sans-IO parsers in config/.
#include "daemon/config_loader.hpp"

#include "base/text.hpp"
#include "config/authkeys.hpp"
#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "platform/files.hpp"

namespace hb::daemon {

bool LinuxSystemView::interface_exists(std::string_view name) const
{
    return platform::interface_exists(name);
}

bool LinuxSystemView::is_executable_file(const std::string& path) const
{
    return platform::is_executable_file(path);
}

bool LinuxSystemView::user_exists(std::string_view name) const
{
    return platform::user_exists(name);
}

bool LinuxSystemView::group_exists(std::string_view name) const
{
    return platform::group_exists(name);
}

bool LinuxSystemView::resolves_ipv4(std::string_view host) const
{
    return platform::resolves_ipv4(host);
}

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

}  // namespace

LoadResult load_config(const LoadOptions& options, const config::SystemView& system)
{
    LoadResult result;
    base::Diagnostics& diags = result.diagnostics;
    const std::string& dir = options.config_dir;
    result.node_name = options.node_name ? base::to_lower(*options.node_name)
                                         : local_node_name(dir);

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
    }
    if (ha_cf) {
        const config::ScriptDirs dirs{dir + "/resource.d", options.init_dir};
        static const std::vector<config::ResourceGroup> no_groups;
        config::check_config(ha_cf->config, haresources ? haresources->groups : no_groups,
                             result.node_name, dirs, system, diags);
    }
    diags.sort_by_location({ha_cf_path, authkeys_path, haresources_path});
    if (!diags.has_errors() && ha_cf && authkeys && haresources) {
        result.config = config::Config{std::move(ha_cf->config), std::move(authkeys->keys),
                                       std::move(haresources->groups), result.node_name, dir};
    }
    return result;
}

}  // namespace hb::daemon
