// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: every datagram a peer (or an attacker) can send goes through the wire
// decoder and the authenticator, for each authkeys method. Must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/authenticator.hpp"
#include "wire/codec.hpp"

namespace {

hb::config::AuthKeys keys_for(hb::config::AuthMethod method, int index)
{
    hb::config::AuthKeys k;
    k.active_index = index;
    k.keys[index] = hb::config::AuthKey{
        index, method, method == hb::config::AuthMethod::crc ? "" : "secret", {}};
    return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const hb::auth::Authenticator crc(keys_for(hb::config::AuthMethod::crc, 1));
    static const hb::auth::Authenticator md5(keys_for(hb::config::AuthMethod::md5, 2));
    static const hb::auth::Authenticator sha1(keys_for(hb::config::AuthMethod::sha1, 1));
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    auto decoded = hb::wire::decode(bytes);
    if (decoded.ok()) {
        // What decodes must re-encode to something that decodes to the same message.
        const auto again = hb::wire::decode(hb::wire::encode_netstring(decoded.value().message));
        if (!again.ok() || !(again.value().message == decoded.value().message)) {
            __builtin_trap();
        }
    }
    for (const auto* a : {&crc, &md5, &sha1}) {
        auto verified = a->verify(bytes);
        if (verified.ok()) {
            // Accepted datagrams must survive a sign/verify round trip.
            if (!a->verify(a->sign(verified.value().message)).ok()) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
