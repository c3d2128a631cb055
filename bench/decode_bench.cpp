// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark (not a test): decode and decode+verify throughput of a captured heartbeat 3.0.6
// status datagram (sha1), ours next to the real cluster-glue 1.0.12 libplumb (Debian's
// libplumb.so.2, loaded at run time) in the same process, printed as messages/s and ratios.
// For the reference's verify, libplumb calls back into an HMAC-SHA1 through OpenSSL, the
// same primitive ours uses, so the ratio compares the message handling around it.
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "auth/authenticator.hpp"
#include "wire/codec.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

template <class F>
double per_second(F&& f, int iterations)
{
    const auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) {
        f();
    }
    const std::chrono::duration<double> took = Clock::now() - start;
    return iterations / took.count();
}

// libplumb's C interface.
using WirefmtToMsg = void* (*)(const char*, std::size_t, int);
using MsgDel = void (*)(void*);
using AuthMethod = int (*)(int, const void*, std::size_t, char*, std::size_t);
using SetAuth = void (*)(AuthMethod);

int reference_auth(int which, const void* data, std::size_t len, char* out, std::size_t outlen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    HMAC(EVP_sha1(), "secret", 6, static_cast<const unsigned char*>(data), len, md, &mdlen);
    std::string hex;
    static const char* digits = "0123456789abcdef";
    for (unsigned i = 0; i < mdlen; ++i) {
        hex += digits[md[i] >> 4U];
        hex += digits[md[i] & 0xfU];
    }
    std::snprintf(out, outlen, "%s", hex.c_str());
    return which < 0 ? 1 : which;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string dir = argc > 1 ? argv[1] : "test/data/packets";
    const int iterations = argc > 2 ? std::atoi(argv[2]) : 200000;
    const std::string datagram = slurp(dir + "/sha1-status.bin");
    if (datagram.empty()) {
        std::fprintf(stderr, "cannot read %s/sha1-status.bin\n", dir.c_str());
        return 1;
    }
    hb::config::AuthKeys keys;
    keys.active_index = 1;
    keys.keys[1] = hb::config::AuthKey{1, hb::config::AuthMethod::sha1, "secret", {}};
    const hb::auth::Authenticator authenticator(keys);
    if (!authenticator.verify(datagram).ok()) {
        std::fprintf(stderr, "the captured datagram does not verify\n");
        return 1;
    }
    const double ours_decode = per_second([&] { (void)hb::wire::decode(datagram); }, iterations);
    const double ours_verify = per_second([&] { (void)authenticator.verify(datagram); }, iterations);
    std::printf("datagram: %zu bytes (sha1 status from heartbeat 3.0.6), %d iterations\n",
                datagram.size(), iterations);
    std::printf("ours       decode          %10.0f msg/s\n", ours_decode);
    std::printf("ours       decode+verify   %10.0f msg/s\n", ours_verify);

    void* plumb = dlopen("libplumb.so.2", RTLD_NOW);
    if (plumb == nullptr) {
        std::printf("reference  libplumb.so.2 not found (%s): install Debian's heartbeat to compare\n",
                    dlerror());
        return 0;
    }
    auto wirefmt2msg = reinterpret_cast<WirefmtToMsg>(dlsym(plumb, "wirefmt2msg"));
    auto msg_del = reinterpret_cast<MsgDel>(dlsym(plumb, "ha_msg_del"));
    auto set_auth = reinterpret_cast<SetAuth>(dlsym(plumb, "cl_set_authentication_computation_method"));
    if (wirefmt2msg == nullptr || msg_del == nullptr || set_auth == nullptr) {
        std::printf("reference  libplumb lacks the expected symbols\n");
        return 0;
    }
    auto run_reference = [&](int flag) {
        void* m = wirefmt2msg(datagram.data(), datagram.size(), flag);
        if (m != nullptr) {
            msg_del(m);
        }
        return m != nullptr;
    };
    if (!run_reference(0)) {
        std::printf("reference  libplumb refused the datagram\n");
        return 0;
    }
    const double ref_decode = per_second([&] { run_reference(0); }, iterations);
    set_auth(reference_auth);
    const bool ref_verifies = run_reference(1);
    const double ref_verify = per_second([&] { run_reference(1); }, iterations);
    std::printf("reference  decode          %10.0f msg/s   (libplumb wirefmt2msg)\n", ref_decode);
    std::printf("reference  decode+verify   %10.0f msg/s   (libplumb + HMAC-SHA1 via OpenSSL%s)\n",
                ref_verify, ref_verifies ? "" : ", VERIFY FAILED");
    std::printf("ratio ours/reference: decode %.2fx, decode+verify %.2fx\n", ours_decode / ref_decode,
                ours_verify / ref_verify);
    return 0;
}
