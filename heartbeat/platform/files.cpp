// SPDX-License-Identifier: GPL-2.0-or-later
// Linux implementations of the start-up file and machine queries.
#include "platform/files.hpp"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <vector>

#include "base/unique_fd.hpp"

namespace hb::platform {

using base::UniqueFd;

std::optional<FileContents> read_config_file(const std::string& path, std::error_code& error)
{
    error.clear();
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) {
        error = std::error_code(errno, std::generic_category());
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        error = std::error_code(errno, std::generic_category());
        return std::nullopt;
    }
    if (S_ISDIR(st.st_mode)) {
        error = std::make_error_code(std::errc::is_a_directory);
        return std::nullopt;
    }
    FileContents out;
    out.mode = static_cast<unsigned>(st.st_mode);
    out.owner_uid = static_cast<unsigned>(st.st_uid);
    std::vector<char> buf(64 * 1024);
    while (true) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = std::error_code(errno, std::generic_category());
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        out.text.append(buf.data(), static_cast<std::size_t>(n));
        if (out.text.size() > max_config_file_size) {
            error = std::make_error_code(std::errc::file_too_large);
            return std::nullopt;
        }
    }
    return out;
}

bool interface_exists(std::string_view name)
{
    if (name.empty() || name.size() >= IF_NAMESIZE) {
        return false;
    }
    const std::string copy(name);
    return ::if_nametoindex(copy.c_str()) != 0;
}

bool is_executable_file(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::pair<unsigned, unsigned>> user_ids(std::string_view name)
{
    const std::string copy(name);
    std::vector<char> buf(16384);
    struct passwd pw {};
    struct passwd* found = nullptr;
    if (::getpwnam_r(copy.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
        return std::nullopt;
    }
    return std::make_pair(static_cast<unsigned>(found->pw_uid),
                          static_cast<unsigned>(found->pw_gid));
}

std::optional<unsigned> user_id(std::string_view name)
{
    if (const auto ids = user_ids(name)) {
        return ids->first;
    }
    return std::nullopt;
}

std::optional<unsigned> group_id(std::string_view name)
{
    const std::string copy(name);
    std::vector<char> buf(65536);
    struct group gr {};
    struct group* found = nullptr;
    if (::getgrnam_r(copy.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
        return std::nullopt;
    }
    return static_cast<unsigned>(found->gr_gid);
}

bool user_exists(std::string_view name)
{
    return user_id(name).has_value();
}

bool group_exists(std::string_view name)
{
    return group_id(name).has_value();
}

std::optional<std::uint32_t> resolve_ipv4(std::string_view host)
{
    const std::string copy(host);
    struct addrinfo hints {};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    struct addrinfo* result = nullptr;
    const int rc = ::getaddrinfo(copy.c_str(), nullptr, &hints, &result);
    std::optional<std::uint32_t> address;
    if (rc == 0 && result != nullptr && result->ai_family == AF_INET) {
        address = ntohl(reinterpret_cast<const sockaddr_in*>(result->ai_addr)->sin_addr.s_addr);
    }
    if (result != nullptr) {
        ::freeaddrinfo(result);
    }
    return address;
}

bool resolves_ipv4(std::string_view host)
{
    return resolve_ipv4(host).has_value();
}

bool kernel_has_ipvs()
{
    return ::access("/proc/net/ip_vs", F_OK) == 0;
}

std::string uname_nodename()
{
    struct utsname u {};
    if (::uname(&u) != 0) {
        return {};
    }
    return u.nodename;
}

unsigned effective_uid()
{
    return static_cast<unsigned>(::geteuid());
}

std::string own_executable(const std::string& fallback)
{
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : fallback;
}

}  // namespace hb::platform
