// SPDX-License-Identifier: GPL-2.0-or-later
// parse_authkeys on its own: the accepted file forms (crc, md5, sha1, key rollover, comments,
// index range), which key signs, and the file-mode and owner rules heartbeat applies.
#include <catch2/catch.hpp>

#include <string>

#include "config/authkeys.hpp"
#include "support/diagnostics.hpp"

namespace {

using hb::base::Severity;
using hb::config::AuthKeysResult;
using hb::config::AuthMethod;
using hb::config::FileMeta;
using hb::config::parse_authkeys;

const std::string path = "/etc/ha.d/authkeys";

AuthKeysResult parse(const std::string& text)
{
    return parse_authkeys(text, path, std::nullopt);
}

AuthKeysResult parse_with_meta(unsigned mode, unsigned owner = 0, unsigned expected_owner = 0)
{
    return parse_authkeys("auth 1\n1 sha1 secret\n", path, FileMeta{mode, owner}, expected_owner);
}

std::string dump(const AuthKeysResult& result)
{
    return hb::test::diagnostics_text(result.diagnostics, "  ");
}

}  // namespace

TEST_CASE("authkeys: crc key", "[config][authkeys]")
{
    const auto result = parse("auth 1\n1 crc\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.keys.keys.size() == 1);
    CHECK(result.keys.active_index == 1);
    CHECK(result.keys.active().method == AuthMethod::crc);
    CHECK(result.keys.active().secret.empty());
    CHECK(result.keys.active().where.line == 2);
    // crc signs nothing worth having: said once, as a warning on the key's line.
    REQUIRE(result.diagnostics.all().size() == 1);
    const auto& d = result.diagnostics.all().front();
    CHECK(d.severity == Severity::warning);
    CHECK(d.where.line == 2);
    CHECK(d.message.find("crc") != std::string::npos);
}

TEST_CASE("authkeys: md5 key", "[config][authkeys]")
{
    const auto result = parse("auth 3\n3 md5 Hello!\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    CHECK(result.keys.active_index == 3);
    CHECK(result.keys.active().index == 3);
    CHECK(result.keys.active().method == AuthMethod::md5);
    CHECK(result.keys.active().secret == "Hello!");
}

TEST_CASE("authkeys: sha1 key", "[config][authkeys]")
{
    const auto result = parse("auth 1\n1 sha1 4f1d3a4e2b\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    CHECK(result.keys.active().method == AuthMethod::sha1);
    CHECK(result.keys.active().secret == "4f1d3a4e2b");
    CHECK(result.keys.file.file == path);
    CHECK(result.keys.file.line == 0);
    CHECK(result.keys.active().where.file == path);
}

TEST_CASE("authkeys: several keys for rollover, auth 2 selects key 2", "[config][authkeys]")
{
    const auto result = parse("auth 2\n1 sha1 oldsecret\n2 sha1 newsecret\n3 md5 spare\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    REQUIRE(result.keys.keys.size() == 3);
    CHECK(result.keys.active_index == 2);
    CHECK(result.keys.active().secret == "newsecret");
    CHECK(result.keys.active().where.line == 3);
    // Every key stays known, so packets signed with any of them are accepted.
    CHECK(result.keys.keys.at(1).secret == "oldsecret");
    CHECK(result.keys.keys.at(1).method == AuthMethod::sha1);
    CHECK(result.keys.keys.at(3).method == AuthMethod::md5);
    CHECK(result.keys.keys.at(3).secret == "spare");
}

TEST_CASE("authkeys: other keys may come before the auth line", "[config][authkeys]")
{
    // Only the selected key has to follow `auth N`.
    const auto result = parse("1 md5 old\nauth 2\n2 sha1 new\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.keys.keys.size() == 2);
    CHECK(result.keys.active().secret == "new");
}

TEST_CASE("authkeys: comments and blank lines are skipped", "[config][authkeys]")
{
    const auto result = parse("# heartbeat keys\n"
                              "\n"
                              "   \t\n"
                              "   # indented comment\n"
                              "auth 1\n"
                              "\n"
                              "#1 crc\n"
                              "1 sha1 secret\n"
                              "# the end\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    REQUIRE(result.keys.keys.size() == 1);
    CHECK(result.keys.active().method == AuthMethod::sha1);
    CHECK(result.keys.active().where.line == 8);
}

TEST_CASE("authkeys: blanks and tabs around the words", "[config][authkeys]")
{
    const auto result = parse("  auth\t1  \n\t1   sha1\tsecret  \n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    CHECK(result.keys.active().secret == "secret");
}

TEST_CASE("authkeys: CRLF line endings are not part of the secret", "[config][authkeys]")
{
    const auto result = parse("auth 1\r\n1 sha1 secret\r\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.keys.active().secret == "secret");
}

TEST_CASE("authkeys: a '#' inside a secret is part of it", "[config][authkeys]")
{
    const auto result = parse("auth 1\n1 sha1 abc#def\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.keys.active().secret == "abc#def");
}

TEST_CASE("authkeys: key indexes 0 and 15 are in range", "[config][authkeys]")
{
    SECTION("auth 0")
    {
        const auto result = parse("auth 0\n0 sha1 zero\n15 md5 fifteen\n");
        INFO(dump(result));
        REQUIRE(result.ok());
        CHECK(result.keys.active_index == 0);
        CHECK(result.keys.active().secret == "zero");
        REQUIRE(result.keys.keys.count(15) == 1);
        CHECK(result.keys.keys.at(15).method == AuthMethod::md5);
        CHECK(result.keys.keys.at(15).secret == "fifteen");
    }
    SECTION("auth 15")
    {
        const auto result = parse("auth 15\n15 sha1 top\n");
        INFO(dump(result));
        REQUIRE(result.ok());
        CHECK(result.keys.active_index == 15);
        CHECK(result.keys.active().index == 15);
        CHECK(result.keys.active().secret == "top");
    }
}

TEST_CASE("authkeys: active() is the key auth N names", "[config][authkeys]")
{
    const auto result = parse("auth 7\n7 md5 seven\n8 sha1 eight\n");
    REQUIRE(result.ok());
    const auto& active = result.keys.active();
    CHECK(&active == &result.keys.keys.at(7));
    CHECK(active.index == 7);
    CHECK(active.method == AuthMethod::md5);
    CHECK(active.secret == "seven");
}

TEST_CASE("authkeys: method names", "[config][authkeys]")
{
    CHECK(hb::config::to_string(AuthMethod::crc) == "crc");
    CHECK(hb::config::to_string(AuthMethod::md5) == "md5");
    CHECK(hb::config::to_string(AuthMethod::sha1) == "sha1");
}

TEST_CASE("authkeys: a bad file is not ok", "[config][authkeys]")
{
    const auto result = parse("auth 1\n1 sha1\n");
    CHECK_FALSE(result.ok());
    CHECK(result.diagnostics.has_errors());
}

TEST_CASE("authkeys: file mode", "[config][authkeys]")
{
    SECTION("0600 and 0400 are fine; the file-type bits stat() adds do not matter")
    {
        for (const unsigned mode : {0600U, 0400U, 0100600U}) {
            const auto result = parse_with_meta(mode);
            INFO("mode " << std::oct << mode << "\n" << dump(result));
            CHECK(result.ok());
            CHECK(result.diagnostics.all().empty());
        }
    }
    SECTION("0644 is refused, at line 0, saying chmod 600")
    {
        const auto result = parse_with_meta(0644);
        INFO(dump(result));
        CHECK_FALSE(result.ok());
        REQUIRE(result.diagnostics.count(Severity::error) == 1);
        const auto& d = result.diagnostics.all().front();
        CHECK(d.severity == Severity::error);
        CHECK(d.where.file == path);
        CHECK(d.where.line == 0);
        CHECK(d.message.find("chmod 600") != std::string::npos);
        CHECK(hb::base::format(d).rfind(path + ": error: ", 0) == 0);
    }
    SECTION("0640 and 0604 are refused too")
    {
        for (const unsigned mode : {0640U, 0604U, 0444U}) {
            const auto result = parse_with_meta(mode);
            INFO("mode 0" << ((mode >> 6) & 7U) << ((mode >> 3) & 7U) << (mode & 7U) << "\n"
                                << dump(result));
            CHECK_FALSE(result.ok());
        }
    }
    SECTION("0620 is only a warning")
    {
        const auto result = parse_with_meta(0620);
        INFO(dump(result));
        CHECK(result.ok());
        REQUIRE(result.diagnostics.all().size() == 1);
        const auto& d = result.diagnostics.all().front();
        CHECK(d.severity == Severity::warning);
        CHECK(d.where.line == 0);
        CHECK(d.message.find("chmod 600") != std::string::npos);
    }
    SECTION("without metadata nothing is checked")
    {
        const auto result = parse("auth 1\n1 sha1 secret\n");
        CHECK(result.diagnostics.all().empty());
    }
}

TEST_CASE("authkeys: owner", "[config][authkeys]")
{
    SECTION("owned by the uid heartbeat runs as")
    {
        const auto result = parse_with_meta(0600, 0, 0);
        CHECK(result.diagnostics.all().empty());
    }
    SECTION("owned by someone else is a warning naming the uid")
    {
        const auto result = parse_with_meta(0600, 1000, 0);
        INFO(dump(result));
        CHECK(result.ok());
        REQUIRE(result.diagnostics.all().size() == 1);
        const auto& d = result.diagnostics.all().front();
        CHECK(d.severity == Severity::warning);
        CHECK(d.where.line == 0);
        CHECK(d.message.find("1000") != std::string::npos);
    }
    SECTION("the expected owner need not be root")
    {
        const auto result = parse_with_meta(0600, 107, 107);
        CHECK(result.diagnostics.all().empty());
    }
}
