// SPDX-License-Identifier: GPL-2.0-or-later
// Authentication: known-answer digests, sign/verify round trips for each method, and
// rejection of forged, unsigned and wrongly keyed datagrams.
#include <catch2/catch.hpp>

#include "auth/authenticator.hpp"

using namespace hb;
using config::AuthMethod;

namespace {

config::AuthKeys keys(AuthMethod method, const std::string& secret, int index = 1)
{
    config::AuthKeys k;
    k.active_index = index;
    k.keys[index] = config::AuthKey{index, method, secret, {}};
    return k;
}

wire::Message hello()
{
    wire::Message m;
    m.add("t", "status");
    m.add("st", "active");
    m.add("src", "lvs-01");
    m.add("srcuuid", std::string(16, '\x42'), wire::FieldType::binary);
    m.add("seq", "1");
    return m;
}

}  // namespace

TEST_CASE("heartbeat's crc is CRC-32/POSIX without the length", "[auth]")
{
    CHECK(auth::heartbeat_crc32("123456789") == 0x765E7680U);
    CHECK(auth::heartbeat_crc32("") == 0xFFFFFFFFU);
    // %lx: no leading zeros.
    CHECK(auth::compute_digest(AuthMethod::crc, "", "123456789") == "765e7680");
}

TEST_CASE("md5 and sha1 are HMACs (RFC 2202 vectors)", "[auth]")
{
    CHECK(auth::compute_digest(AuthMethod::sha1, "Jefe", "what do ya want for nothing?") ==
          "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    CHECK(auth::compute_digest(AuthMethod::md5, "Jefe", "what do ya want for nothing?") ==
          "750c783e6ab0b503eaa86e310a5db738");
    // Keys longer than the block are hashed first (RFC 2202 case 6).
    CHECK(auth::compute_digest(AuthMethod::sha1, std::string(80, '\xaa'),
                               "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST_CASE("signed datagrams verify with the same keys, for every method", "[auth]")
{
    for (const AuthMethod method : {AuthMethod::crc, AuthMethod::md5, AuthMethod::sha1}) {
        INFO(config::to_string(method));
        const auth::Authenticator a(keys(method, method == AuthMethod::crc ? "" : "secret"));
        const std::string datagram = a.sign(hello());
        // Layout: netstring body with the inner auth field last, then the trailer.
        CHECK(datagram.rfind("###\n", 0) == 0);
        const auto end = datagram.find("%%%\n");
        REQUIRE(end != std::string::npos);
        CHECK(datagram.find(":(0)auth=1 ") < end);
        auto v = a.verify(datagram);
        REQUIRE(v.ok());
        CHECK(v.value().key_index == 1);
        CHECK(v.value().message.get("src") == std::optional<std::string_view>("lvs-01"));
        // The inner field signs the classic text of the other fields.
        const auto inner = v.value().message.get("auth");
        REQUIRE(inner.has_value());
        CHECK(*inner == "1 " + auth::compute_digest(method, method == AuthMethod::crc ? "" : "secret",
                                                    wire::classic_lines(hello(), "auth")));
    }
}

TEST_CASE("forged, unsigned and foreign datagrams are rejected with a reason", "[auth]")
{
    const auth::Authenticator ours(keys(AuthMethod::sha1, "secret"));
    const auth::Authenticator theirs(keys(AuthMethod::sha1, "other"));
    const auth::Authenticator other_index(keys(AuthMethod::sha1, "secret", 3));

    CHECK(ours.verify(theirs.sign(hello())).error().error == auth::VerifyError::bad_signature);
    CHECK(ours.verify(other_index.sign(hello())).error().error == auth::VerifyError::unknown_key);
    CHECK(ours.verify(wire::encode_netstring(hello())).error().error ==
          auth::VerifyError::no_signature);
    CHECK(ours.verify("garbage").error().error == auth::VerifyError::malformed);
    CHECK(ours.verify("garbage").error().decode_error == wire::DecodeError::unknown_format);

    // Changing any one byte of the signed part breaks the signature or the framing.
    const std::string good = ours.sign(hello());
    const auto end = good.find("%%%\n") + 4;
    for (std::size_t i = 0; i < end; ++i) {
        std::string forged = good;
        forged[i] = static_cast<char>(forged[i] ^ 0x01);
        INFO("byte " << i);
        CHECK_FALSE(ours.verify(forged).ok());
    }
}

TEST_CASE("classic datagrams are checked on their inner auth field", "[auth]")
{
    const auth::Authenticator a(keys(AuthMethod::md5, "secret"));
    wire::Message m = hello();
    m.add("auth", "1 " + auth::compute_digest(AuthMethod::md5, "secret", wire::classic_lines(m, "auth")));
    auto ok = a.verify(wire::encode_classic(m));
    REQUIRE(ok.ok());
    CHECK(ok.value().format == wire::Format::classic);
    m.set("st", "dead");
    CHECK(a.verify(wire::encode_classic(m)).error().error == auth::VerifyError::bad_signature);
    CHECK(a.verify(wire::encode_classic(hello())).error().error == auth::VerifyError::no_signature);
}

TEST_CASE("a second key verifies during rollover", "[auth]")
{
    config::AuthKeys both = keys(AuthMethod::sha1, "new", 2);
    both.keys[1] = config::AuthKey{1, AuthMethod::md5, "old", {}};
    const auth::Authenticator receiver(both);
    const auth::Authenticator old_sender(keys(AuthMethod::md5, "old", 1));
    auto v = receiver.verify(old_sender.sign(hello()));
    REQUIRE(v.ok());
    CHECK(v.value().key_index == 1);
}
