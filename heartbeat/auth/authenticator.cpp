// SPDX-License-Identifier: GPL-2.0-or-later
// Authentication: digests and the sign/verify rules of heartbeat 3.0.6 (spec §8.4).
//
// What is signed, for a message with fields F1…Fn:
//   inner field   auth = "N " + digest(classic lines of F1…Fn)         (classic text, no frame)
//   trailer       digest("###\n" + netstring(F1…Fn, auth) + "%%%\n")   → "len:N digest,"
// A netstring datagram is accepted on its trailer; a classic one on its inner field.
//
// One deliberate difference: heartbeat checks a packet signed with key k using method k but
// the secret of its *own* active key, which breaks key rollover; we use k's own secret, which
// is what a sender with `auth k` signed with.
#include "auth/authenticator.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <functional>

namespace hb::auth {

namespace {

std::string hex(const unsigned char* data, std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[(data[i] >> 4U) & 0xfU];
        out += digits[data[i] & 0xfU];
    }
    return out;
}

std::string hmac_hex(const EVP_MD* md, std::string_view secret, std::string_view data)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    const unsigned char* ok =
        HMAC(md, secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
    if (ok == nullptr) {
        return {};
    }
    return hex(out.data(), length);
}

bool equal_constant_time(std::string_view a, std::string_view b)
{
    if (a.size() != b.size() || a.empty()) {
        return false;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const std::array<std::uint32_t, 256>& crc_table()
{
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i << 24U;
            for (int bit = 0; bit < 8; ++bit) {
                c = (c & 0x80000000U) != 0 ? (c << 1U) ^ 0x04C11DB7U : c << 1U;
            }
            t[i] = c;
        }
        return t;
    }();
    return table;
}

}  // namespace

std::uint32_t heartbeat_crc32(std::string_view data)
{
    const auto& table = crc_table();
    std::uint32_t crc = 0;
    for (const char ch : data) {
        const auto byte = static_cast<std::uint32_t>(static_cast<unsigned char>(ch));
        crc = (crc << 8U) ^ table[((crc >> 24U) ^ byte) & 0xffU];
    }
    return ~crc;
}

std::string compute_digest(config::AuthMethod method, std::string_view secret,
                           std::string_view data)
{
    switch (method) {
    case config::AuthMethod::crc: return wire::to_hex(heartbeat_crc32(data));
    case config::AuthMethod::md5: return hmac_hex(EVP_md5(), secret, data);
    case config::AuthMethod::sha1: return hmac_hex(EVP_sha1(), secret, data);
    }
    return {};
}

std::string_view to_string(VerifyError error)
{
    switch (error) {
    case VerifyError::malformed: return "malformed";
    case VerifyError::no_signature: return "no_signature";
    case VerifyError::unknown_key: return "unknown_key";
    case VerifyError::bad_signature: return "bad_signature";
    }
    return "unknown";
}

Authenticator::Authenticator(config::AuthKeys keys) : keys_(std::move(keys)) {}

std::optional<std::string> Authenticator::digest_for(int index, std::string_view data) const
{
    const auto it = keys_.keys.find(index);
    if (it == keys_.keys.end()) {
        return std::nullopt;
    }
    return compute_digest(it->second.method, it->second.secret, data);
}

namespace {

/// `message` with its inner classic `auth` field (over its classic lines) added last.
wire::Message with_classic_auth(
    const wire::Message& message, int index,
    const std::function<std::optional<std::string>(int, std::string_view)>& digest)
{
    wire::Message signed_message = message;
    signed_message.remove(wire::field::auth);
    signed_message.add(std::string(wire::field::auth),
                       std::to_string(index) + " " +
                           digest(index, wire::classic_lines(signed_message, wire::field::auth))
                               .value_or(std::string()));
    return signed_message;
}

}  // namespace

std::string Authenticator::sign_classic(const wire::Message& message) const
{
    const auto digest = [this](int i, std::string_view text) { return digest_for(i, text); };
    return wire::encode_classic(with_classic_auth(message, keys_.active_index, digest));
}

std::string Authenticator::sign(const wire::Message& message) const
{
    const int index = keys_.active_index;
    const std::string prefix = std::to_string(index) + " ";
    const auto digest = [this](int i, std::string_view text) { return digest_for(i, text); };
    const wire::Message signed_message = with_classic_auth(message, index, digest);
    std::string datagram = wire::encode_netstring(signed_message);
    const std::string token = prefix + digest_for(index, datagram).value_or(std::string());
    datagram += std::to_string(token.size());
    datagram += ':';
    datagram += token;
    datagram += ',';
    return datagram;
}

base::Result<Verified, Rejection> Authenticator::verify(std::string_view datagram,
                                                        const wire::Limits& limits) const
{
    auto decoded = wire::decode(datagram, limits);
    if (!decoded) {
        return Rejection{VerifyError::malformed, decoded.error()};
    }
    wire::Decoded& d = decoded.value();
    std::optional<wire::AuthToken> token;
    std::string signed_data;
    if (d.format == wire::Format::netstring) {
        token = d.trailer;
        signed_data = std::move(d.signed_bytes);
    } else {
        const auto field = d.message.get(wire::field::auth);
        if (field) {
            token = wire::parse_auth_token(*field);
        }
        signed_data = wire::classic_lines(d.message, wire::field::auth);
    }
    if (!token) {
        return Rejection{VerifyError::no_signature, std::nullopt};
    }
    const auto expected = digest_for(token->index, signed_data);
    if (!expected) {
        return Rejection{VerifyError::unknown_key, std::nullopt};
    }
    if (!equal_constant_time(*expected, token->digest)) {
        return Rejection{VerifyError::bad_signature, std::nullopt};
    }
    return Verified{std::move(d.message), d.format, token->index};
}

}  // namespace hb::auth
