// SPDX-License-Identifier: GPL-2.0-or-later
// Generation and uuid files.
#include "platform/state_files.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "base/unique_fd.hpp"

namespace hb::platform {

namespace {

std::error_code last_error()
{
    return {errno, std::generic_category()};
}

/// Writes all of `bytes` to `fd` (retrying short writes and EINTR).
bool write_all(int fd, std::string_view bytes, std::error_code& error)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error = last_error();
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all_synced(const std::string& path, const std::string& bytes, std::error_code& error)
{
    const base::UniqueFd fd(
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_SYNC | O_CLOEXEC, 0644));
    if (!fd) {
        error = last_error();
        return false;
    }
    if (!write_all(fd.get(), bytes, error)) {
        return false;
    }
    if (::fsync(fd.get()) != 0) {
        error = last_error();
        return false;
    }
    return true;
}

}  // namespace

std::optional<std::string> read_file_prefix(const std::string& path, std::size_t max,
                                            std::error_code& error)
{
    const base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        error = last_error();
        return std::nullopt;
    }
    std::string out(max, '\0');
    std::size_t got = 0;
    while (got < max) {
        const ssize_t n = ::read(fd.get(), out.data() + got, max - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

bool replace_file(const std::string& path, std::string_view bytes, std::error_code& error,
                  std::optional<unsigned> mode)
{
    const std::string tmp = path + ".tmp";
    base::UniqueFd fd(
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode.value_or(0644)));
    if (!fd || (mode && ::fchmod(fd.get(), static_cast<mode_t>(*mode)) != 0)) {
        error = last_error();
        if (fd) {
            fd.reset();
            ::unlink(tmp.c_str());
        }
        return false;
    }
    const bool written = write_all(fd.get(), bytes, error);
    fd.reset();
    if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
        if (written) {
            error = last_error();
        }
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

bool append_file(const std::string& path, std::string_view bytes, std::error_code& error)
{
    base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) {
        error = last_error();
        return false;
    }
    return write_all(fd.get(), bytes, error);
}

std::optional<Generation> bump_generation(const std::string& state_dir, std::error_code& error)
{
    const std::string path = state_dir + "/hb_generation";
    Generation g;
    std::error_code ignored;
    const auto text = read_file_prefix(path, 16, ignored);
    std::uint64_t previous = 0;
    bool parsed = false;
    if (text && !text->empty()) {
        std::size_t i = 0;
        while (i < text->size() && (*text)[i] == ' ') {
            ++i;
        }
        std::size_t digits = 0;
        while (i + digits < text->size() && (*text)[i + digits] >= '0' &&
               (*text)[i + digits] <= '9') {
            previous = previous * 10 + static_cast<std::uint64_t>((*text)[i + digits] - '0');
            ++digits;
        }
        parsed = digits > 0 && digits <= 15;
        g.was_broken = !parsed;
    }
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    if (parsed) {
        g.value = previous + 1;
    } else {
        g.first_start = !g.was_broken;
        g.value = now + 1;
    }
    std::array<char, 32> line{};
    std::snprintf(line.data(), line.size(), "%15llu\n", static_cast<unsigned long long>(g.value));
    if (!write_all_synced(path, line.data(), error)) {
        return std::nullopt;
    }
    return g;
}

std::optional<std::string> load_or_create_uuid(const std::string& state_dir, bool& created,
                                               std::error_code& error)
{
    const std::string path = state_dir + "/hb_uuid";
    created = false;
    std::error_code ignored;
    if (const auto existing = read_file_prefix(path, 16, ignored);
        existing && existing->size() == 16) {
        return existing;
    }
    std::string uuid(16, '\0');
    std::size_t got = 0;
    while (got < uuid.size()) {
        const ssize_t n = ::getrandom(uuid.data() + got, uuid.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = last_error();
            return std::nullopt;
        }
        got += static_cast<std::size_t>(n);
    }
    // A version 4 (random) uuid, as libuuid makes them.
    uuid[6] = static_cast<char>((static_cast<unsigned char>(uuid[6]) & 0x0fU) | 0x40U);
    uuid[8] = static_cast<char>((static_cast<unsigned char>(uuid[8]) & 0x3fU) | 0x80U);
    if (!write_all_synced(path, uuid, error)) {
        return std::nullopt;
    }
    created = true;
    return uuid;
}

std::string uuid_from_name(const std::string& node_name)
{
    // heartbeat seeds glibc's rand() with a string hash of the name and draws 32 hex digits.
    int seed = 0;
    if (!node_name.empty()) {
        seed = static_cast<signed char>(node_name[0]);
        for (std::size_t i = 1; i < node_name.size(); ++i) {
            seed = static_cast<int>(static_cast<unsigned>(seed) * 31U +
                                    static_cast<unsigned>(static_cast<signed char>(node_name[i])));
        }
    }
    // A private glibc-compatible generator would be needed for byte-identical uuids across
    // implementations; srand/rand are process-global but nothing else in the daemon uses them.
    std::srand(static_cast<unsigned>(seed));
    std::string raw(16, '\0');
    for (std::size_t i = 0; i < 16; ++i) {
        const int hi = std::rand() % 16;
        const int lo = std::rand() % 16;
        raw[i] = static_cast<char>((hi << 4) | lo);
    }
    return raw;
}

std::string uuid_to_string(const std::string& raw)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        const auto b = static_cast<unsigned char>(raw[i]);
        out += digits[b >> 4U];
        out += digits[b & 0xfU];
    }
    return out;
}

std::string read_load_average()
{
    std::error_code ignored;
    const auto text = read_file_prefix("/proc/loadavg", 63, ignored);
    if (!text || text->empty()) {
        return "n/a";
    }
    const auto nl = text->find('\n');
    return text->substr(0, nl);
}

}  // namespace hb::platform
