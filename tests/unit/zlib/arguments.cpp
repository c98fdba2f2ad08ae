// zlib option edges and large inputs checked against Node v20 (the JS and Node's output next
// to each case): DeflateRaw's windowBits 8, the numbers in range errors, and an input longer
// than zlib's 32-bit counts.
#include <costream/zlib.hpp>

#include <costream/errc.hpp>
#include <costream/loop.hpp>

#include <doctest/doctest.h>

#include "thrown.hpp"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

#include <sys/mman.h>

namespace zlib = costream::zlib;
using costream_test::what_thrown;

// node (v20.20.2):
//   zlib.deflateRawSync(Buffer.from('hello hello hello hello'), {windowBits: 8}).toString('hex')
//   -> 'cb48cdc9c957c8402701'  (Node turns 8 into 9 for DeflateRaw; zlib >= 1.2.9 refuses 8)
//   zlib.deflateRawSync(big, {windowBits: 8}).equals(zlib.deflateRawSync(big, {windowBits: 9}))
//   -> true;  zlib.inflateRawSync(that, {windowBits: 8}) gives big back
//   zlib.deflateSync(..., {windowBits: 8}) -> 1895cb48cdc9c957c8402701680308b1 (zlib itself)
TEST_CASE("deflate_raw with window_bits 8 compresses as with 9, as Node's DeflateRaw does") {
    const costream::buffer data = costream::buffer::from("hello hello hello hello");
    CHECK(zlib::deflate_raw_sync(data, {.window_bits = 8}).to_string("hex") ==
          "cb48cdc9c957c8402701");
    CHECK(zlib::deflate_sync(data, {.window_bits = 8}).to_string("hex") ==
          "1895cb48cdc9c957c8402701680308b1");
    std::string text;
    for (int i = 0; i < 2000; ++i)
        text += static_cast<char>('a' + (i * 7919) % 26);
    const costream::buffer big = costream::buffer::from(text + text.substr(0, 700) + text);
    const costream::buffer raw8 = zlib::deflate_raw_sync(big, {.window_bits = 8});
    CHECK(raw8.equals(zlib::deflate_raw_sync(big, {.window_bits = 9})));
    CHECK(zlib::inflate_raw_sync(raw8, {.window_bits = 8}).equals(big));
    CHECK(zlib::inflate_raw_sync(raw8, {.window_bits = 9}).equals(big));
    // The stream and the async one-shot take it too.
    auto s = zlib::create_deflate_raw({.window_bits = 8});
    CHECK(s->get_mode() == zlib::mode::deflate_raw);
    costream::loop l;
    std::string got = "never completed";
    zlib::deflate_raw(data, {.window_bits = 8}, [&](std::exception_ptr e, costream::buffer b) {
        got = e ? "error" : b.to_string("hex");
    });
    l.run();
    CHECK(got == "cb48cdc9c957c8402701");
}

// node:
//   zlib.gunzipSync(gz, {maxOutputLength: 2**53}) -> RangeError ERR_OUT_OF_RANGE The value of
//      "options.maxOutputLength" is out of range. It must be >= 1 and <= 4294967296. Received
//      9_007_199_254_740_992
//   {maxOutputLength: 2**32 + 1} -> ... Received 4_294_967_297
//   {maxOutputLength: 0}         -> ... Received 0
TEST_CASE("range errors print large and unsigned values as Node does, never as negatives") {
    const costream::buffer gz = zlib::gzip_sync("x");
    auto msg = [](const std::string& received) {
        return "RangeError [ERR_OUT_OF_RANGE]: The value of \"options.maxOutputLength\" is out of "
               "range. It must be >= 1 and <= 4294967296. Received " +
               received;
    };
    CHECK(what_thrown([&] {
              zlib::gunzip_sync(gz, {.max_output_length = std::size_t{1} << 53});
          }) == msg("9_007_199_254_740_992"));
    CHECK(what_thrown([&] {
              zlib::gunzip_sync(gz, {.max_output_length = (std::size_t{1} << 32) + 1});
          }) == msg("4_294_967_297"));
    CHECK(what_thrown([&] { zlib::gunzip_sync(gz, {.max_output_length = 0}); }) == msg("0"));
    // A size_t above LLONG_MAX used to read as a negative number ("Received -1").
    CHECK(what_thrown([&] { zlib::gunzip_sync(gz, {.max_output_length = SIZE_MAX}); }) ==
          msg("18_446_744_073_709_551_615"));
    CHECK(what_thrown(
              [&] { zlib::gunzip_sync(gz, {.max_output_length = std::size_t{1} << 32}); }) == "ok");
}

namespace {

// The CRC-32 of `n` zero bytes, by doubling with crc32_combine (no 4 GiB pass).
uLong crc_of_zeros(std::uint64_t n) {
    const unsigned char zero = 0;
    uLong crc = 0, block = ::crc32(0, &zero, 1); // block: the CRC of 2**k zeros
    z_off_t block_len = 1;
    for (; n; n >>= 1) {
        if (n & 1) crc = ::crc32_combine(crc, block, block_len);
        block = ::crc32_combine(block, block, block_len);
        block_len *= 2;
    }
    return crc;
}

} // namespace

// Not in Node (a Buffer holds at most 4 GiB there): a C++ span may be longer than zlib's
// 32-bit avail_in. The input is 4 GiB of zeros then "hello" (untouched anonymous pages: no
// memory is used for the zeros); the gzip trailer's CRC-32 proves every byte went through
// deflate. Before the fix the count was truncated to its low 32 bits (5), the trailer held
// the CRC of 5 zero bytes, and the rest was reported as consumed: silently lost.
TEST_CASE("gzip_sync of an input longer than 4 GiB compresses every byte of it") {
    const std::size_t n = (std::size_t{1} << 32) + 5;
    void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(p != MAP_FAILED);
    auto* bytes = static_cast<std::uint8_t*>(p);
    std::memcpy(bytes + n - 5, "hello", 5);
    // Level 1: the quickest pass over 4 GiB (a few seconds).
    const costream::buffer gz = zlib::gzip_sync(std::span<const std::uint8_t>(bytes, n),
                                                {.chunk_size = 1 << 20, .level = 1});
    ::munmap(p, n);
    REQUIRE(gz.size() > 18);
    const std::uint8_t* t = gz.data() + gz.size() - 8;
    const uLong crc = t[0] | (t[1] << 8) | (t[2] << 16) | (uLong(t[3]) << 24);
    const uLong isize = t[4] | (t[5] << 8) | (t[6] << 16) | (uLong(t[7]) << 24);
    const unsigned char hello[] = {'h', 'e', 'l', 'l', 'o'};
    const uLong expected =
        ::crc32_combine(crc_of_zeros(std::uint64_t{1} << 32), ::crc32(0, hello, 5), 5);
    CHECK(crc == expected);
    CHECK(isize == 5);          // the length modulo 2**32
    CHECK(gz.size() > 4000000); // ~4 GiB of zeros at about 1000:1
}
