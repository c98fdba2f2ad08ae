// Argument edges of costream::crypto checked against Node v20 (the JS and Node's output
// next to each case): odd-length hex text in update(), scrypt's N/r/p/maxmem limits, and
// the message of a failed PBKDF2.
#include <costream/crypto.hpp>

#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>

#include <doctest/doctest.h>

#include "thrown.hpp"

#include <exception>
#include <string>

namespace crypto = costream::crypto;
using costream_test::what_thrown;

// node (v20.20.2):
//   crypto.createHash('sha256').update('abc', 'hex')
//   -> TypeError ERR_INVALID_ARG_VALUE The argument 'encoding' is invalid for data of length
//      3. Received 'hex'
//   crypto.createHmac('sha256', 'k').update('abc', 'hex') -> the same
//   crypto.createHash('sha256').update('abcd', 'hex').digest('hex')
//   -> 123d4c7ef2d1600a1b3a0f6addc60a10f05a3495c9409f2ecbf4cc095d000a6b
//   crypto.createHash('sha256').update('abz1', 'hex').digest('hex')   (stops at 'z', as
//   Buffer.from) -> 087d80f7f182dd44f184aa86ca34488853ebcc04f0c60d5294919a466b463831
TEST_CASE("update with hex text of odd length throws ERR_INVALID_ARG_VALUE instead of dropping a "
          "digit") {
    const std::string msg = "TypeError [ERR_INVALID_ARG_VALUE]: The argument 'encoding' is "
                            "invalid for data of length 3. Received 'hex'";
    auto h = crypto::create_hash("sha256");
    CHECK(what_thrown([&] { h->update("abc", "hex"); }) == msg);
    CHECK(what_thrown([&] { h->update(std::string_view("abc"), costream::encoding::hex); }) == msg);
    // Nothing was hashed by the failed calls.
    CHECK(h->update("abcd", "hex").digest("hex") ==
          "123d4c7ef2d1600a1b3a0f6addc60a10f05a3495c9409f2ecbf4cc095d000a6b");
    auto m = crypto::create_hmac("sha256", "k");
    CHECK(what_thrown([&] { m->update("abc", "hex"); }) == msg);
    CHECK(crypto::create_hash("sha256")->update("abz1", "hex").digest("hex") ==
          "087d80f7f182dd44f184aa86ca34488853ebcc04f0c60d5294919a466b463831");
}

// node (v20.20.2), internal/validators.js validateEncoding (the length is JavaScript's
// string.length, in UTF-16 code units; the encoding is quoted as given):
//   createHash('sha256').update('abc', 'HEX')
//   -> TypeError ERR_INVALID_ARG_VALUE The argument 'encoding' is invalid for data of length
//      3. Received 'HEX'
//   createHmac('sha256', 'k').update('abcde', 'Hex') -> ... length 5. Received 'Hex'
//   createHash('sha256').update('ABCD', 'HeX')
//   -> 123d4c7ef2d1600a1b3a0f6addc60a10f05a3495c9409f2ecbf4cc095d000a6b
//   createHash('sha256').update('\u00e9', 'hex') -> ... length 1. Received 'hex'
//   createHash('sha256').update('a\u00e9', 'hex')
//   -> e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855   (nothing decoded)
//   createHash('sha256').update('\u{1F600}', 'hex') -> e3b0c442...   (length 2)
//   createHash('sha256').update('a\u{1F600}', 'hex') -> ... length 3. Received 'hex'
//   createHash('sha256').update('ab\u00e9c', 'hex')
//   -> 087d80f7f182dd44f184aa86ca34488853ebcc04f0c60d5294919a466b463831   (0xab, then stops)
TEST_CASE("odd-length hex errors quote the encoding as spelled and count the text's length in "
          "UTF-16 code units, as Node") {
    auto msg = [](int length, const char* spelled) {
        return "TypeError [ERR_INVALID_ARG_VALUE]: The argument 'encoding' is invalid for data "
               "of length " +
               std::to_string(length) + ". Received '" + spelled + "'";
    };
    const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    auto h = crypto::create_hash("sha256");
    CHECK(what_thrown([&] { h->update("abc", "HEX"); }) == msg(3, "HEX"));
    CHECK(what_thrown([&] { h->update(std::string_view("abc"), std::string("hEx")); }) ==
          msg(3, "hEx"));
    const char* name = "Hex";
    CHECK(what_thrown([&] { h->update("abc", name); }) == msg(3, "Hex"));
    CHECK(what_thrown([&] { h->update("abc", costream::encoding_arg("HEX")); }) == msg(3, "HEX"));
    auto m = crypto::create_hmac("sha256", "k");
    CHECK(what_thrown([&] { m->update("abcde", "Hex"); }) == msg(5, "Hex"));
    CHECK(crypto::create_hash("sha256")->update("ABCD", "HeX").digest("hex") ==
          "123d4c7ef2d1600a1b3a0f6addc60a10f05a3495c9409f2ecbf4cc095d000a6b");

    // Lengths as JavaScript counts them: U+00E9 is 1 unit (2 UTF-8 bytes), U+1F600 is 2
    // units (4 bytes).
    CHECK(what_thrown([&] { h->update("\u00e9", "hex"); }) == msg(1, "hex"));
    CHECK(what_thrown([&] { h->update("a\U0001F600", "hex"); }) == msg(3, "hex"));
    CHECK(what_thrown([&] { m->update("ab\u00e9", "hex"); }) == msg(3, "hex"));
    CHECK(crypto::create_hash("sha256")->update("a\u00e9", "hex").digest("hex") == empty);
    CHECK(crypto::create_hash("sha256")->update("\U0001F600", "hex").digest("hex") == empty);
    CHECK(crypto::create_hash("sha256")->update("ab\u00e9c", "hex").digest("hex") ==
          "087d80f7f182dd44f184aa86ca34488853ebcc04f0c60d5294919a466b463831");
    // Nothing was hashed by the failed calls.
    CHECK(h->digest("hex") == empty);
}

// node:
//   crypto.scryptSync('p', 's', 10, {N: 2**32}) -> RangeError ERR_OUT_OF_RANGE The value of "N"
//      is out of range. It must be >= 0 && <= 4294967295. Received 4294967296
//   {r: 2**32} -> ... "r" ...;  {p: 2**32} -> ... "p" ...   (the same message)
//   {maxmem: 2**53} -> RangeError ERR_OUT_OF_RANGE The value of "maxmem" is out of range. It
//      must be >= 0 && <= 9007199254740991. Received 9_007_199_254_740_992
//   crypto.scrypt('p', 's', 10, {N: 2**32}, cb) -> the same, thrown at once
//   crypto.scryptSync('p', 's', -1, {N: 3}) -> the keylen error first
TEST_CASE("scrypt checks N, r and p as uint32 and maxmem as a safe integer, before OpenSSL") {
    auto range = [](const char* name) {
        return std::string("RangeError [ERR_OUT_OF_RANGE]: The value of \"") + name +
               "\" is out of range. It must be >= 0 && <= 4294967295. Received 4294967296";
    };
    const std::uint64_t big = std::uint64_t{1} << 32;
    CHECK(what_thrown([&] { crypto::scrypt_sync("p", "s", 10, {.N = big}); }) == range("N"));
    CHECK(what_thrown([&] { crypto::scrypt_sync("p", "s", 10, {.N = 3, .r = big}); }) ==
          range("r"));
    CHECK(what_thrown([&] { crypto::scrypt_sync("p", "s", 10, {.N = 2, .p = big}); }) ==
          range("p"));
    CHECK(what_thrown([&] {
              crypto::scrypt_sync("p", "s", 10, {.N = 2, .maxmem = std::uint64_t{1} << 53});
          }) == "RangeError [ERR_OUT_OF_RANGE]: The value of \"maxmem\" is out of range. It must "
                "be >= 0 && <= 9007199254740991. Received 9_007_199_254_740_992");
    CHECK(what_thrown([&] { crypto::scrypt_sync("p", "s", -1, {.N = 3}); }) ==
          "RangeError [ERR_OUT_OF_RANGE]: The value of \"keylen\" is out of range. It must be >= 0 "
          "&& <= 2147483647. Received -1");
    costream::loop l;
    bool ran = false;
    CHECK(what_thrown([&] {
              crypto::scrypt("p", "s", 10, {.N = big},
                             [&](std::exception_ptr, costream::buffer) { ran = true; });
          }) == range("N"));
    l.run();
    CHECK_FALSE(ran);
    // The largest accepted values still reach OpenSSL's own check (memory limit).
    CHECK(what_thrown([&] {
              crypto::scrypt_sync("p", "s", 10, {.N = 2, .maxmem = 9007199254740991});
          }) == "ok");
}

// node:
//   crypto.pbkdf2Sync('p', 's', 1, 10, 'shake256')           -> Error: Deriving bits failed
//   crypto.pbkdf2('p', 's', 1, 10, 'shake256', cb)  -> cb(Error: Deriving bits failed)
TEST_CASE("a PBKDF2 that OpenSSL refuses fails with Node's message, sync and on the pool") {
    CHECK(what_thrown([] {
              crypto::pbkdf2_sync("p", "s", 1, 10, "shake256");
          }).starts_with("Error [ERR_CRYPTO_OPERATION_FAILED]: Deriving bits failed"));
    costream::loop l;
    std::string got = "never completed";
    crypto::pbkdf2("p", "s", 1, 10, "shake256", [&](std::exception_ptr e, costream::buffer) {
        got = what_thrown([&] {
            if (e) std::rethrow_exception(e);
        });
    });
    l.run();
    CHECK(got.starts_with("Error [ERR_CRYPTO_OPERATION_FAILED]: Deriving bits failed"));
}

// node:
//   crypto.createHash('shake256', {outputLength: 2**32}) -> RangeError ERR_OUT_OF_RANGE The
//      value of "options.outputLength" is out of range. It must be >= 0 && <= 4294967295.
//      Received 4294967296
//   crypto.createHash('sha256', {outputLength: 2**32})   -> the same (checked before the
//      algorithm); crypto.createHash('nope', {outputLength: 2**32}) -> the same
//   crypto.createHash('shake256', {outputLength: 2**32 - 1}) -> a Hash
TEST_CASE("create_hash checks output_length as a uint32 before anything else") {
    const std::string msg = "RangeError [ERR_OUT_OF_RANGE]: The value of \"options.outputLength\" "
                            "is out of range. It must be >= 0 && <= 4294967295. Received "
                            "4294967296";
    const std::size_t big = std::size_t{1} << 32;
    CHECK(what_thrown([&] { crypto::create_hash("shake256", {.output_length = big}); }) == msg);
    CHECK(what_thrown([&] { crypto::create_hash("sha256", {.output_length = big}); }) == msg);
    CHECK(what_thrown([&] { crypto::create_hash("nope", {.output_length = big}); }) == msg);
    auto h = crypto::create_hash("shake256", {.output_length = 16});
    CHECK(what_thrown([&] { h->copy({.output_length = big}); }) == msg);
    CHECK(what_thrown([&] { crypto::create_hash("shake256", {.output_length = big - 1}); }) ==
          "ok");
}
