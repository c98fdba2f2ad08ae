// libFuzzer target for encoding.hpp and string_decoder.hpp: arbitrary bytes through every
// encoding, checked against slow reference decoders and against the invariants Node's own
// encodings keep. Build with the `fuzz` preset; run: ./encoding_fuzz -max_total_time=20
#include <costream/encoding.hpp>
#include <costream/string_decoder.hpp>

#include "encoding_reference.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using costream::encoding;
using bytes = std::vector<std::uint8_t>;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

const encoding all_encodings[] = {encoding::utf8,     encoding::utf16le, encoding::latin1,
                                  encoding::ascii,    encoding::hex,     encoding::base64,
                                  encoding::base64url};

template <class Text>
bytes encode(const Text& text, encoding enc) {
    bytes out(costream::byte_length(text, enc));
    out.resize(costream::encode_into(text, enc, out));
    return out;
}

bool is_valid_utf8(const std::string& s) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    return costream_reference::utf8_decode(p, s.size()) == costream::to_u16string(s) &&
           costream::to_utf8_string(costream::to_u16string(s)) == s;
}

/// Every truncated write is a prefix of the full one and no longer than asked.
template <class Text>
void check_truncation(const Text& text, encoding enc, const bytes& full, std::size_t cap) {
    bytes small(cap);
    std::size_t n = costream::encode_into(text, enc, small);
    check(n <= cap, "encode_into wrote past its span");
    check(
        n <= full.size() &&
            std::equal(small.begin(), small.begin() + static_cast<std::ptrdiff_t>(n), full.begin()),
        "truncated write is not a prefix of the full write");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in(data, size);
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::u16string units(size / 2, u'\0');
    for (std::size_t i = 0; i < units.size(); ++i)
        units[i] = static_cast<char16_t>(data[2 * i] | (data[2 * i + 1] << 8));
    // A cheap deterministic stream of numbers from the input, for caps and cut points.
    std::uint64_t state = 0x9E3779B97F4A7C15ull ^ size;
    for (std::size_t i = 0; i < size && i < 16; ++i)
        state = state * 31 + data[i];
    auto next = [&](std::size_t bound) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return bound ? static_cast<std::size_t>(state % bound) : 0;
    };

    // Decoding: the reference decoders agree, the results are valid UTF-8, and decoding the
    // re-encoded text gives the same text again.
    check(costream::decode_u16(in, encoding::utf8) == costream_reference::utf8_decode(data, size),
          "utf8 decode differs from the WHATWG reference");
    for (auto enc : all_encodings) {
        std::string s = costream::decode(in, enc);
        std::u16string u = costream::decode_u16(in, enc);
        check(costream::to_utf8_string(u) == s, "decode is not the UTF-8 form of decode_u16");
        check(is_valid_utf8(s), "decode produced invalid UTF-8");
        check(costream::decode(encode(std::string_view(s), enc), enc) == s,
              "decode(encode(decode(x))) != decode(x)");
        check(costream::decode_u16(encode(std::u16string_view(u), enc), enc) == u,
              "decode_u16 re-encoding is not stable");
        if (enc != encoding::utf8 && enc != encoding::utf16le && enc != encoding::ascii)
            check(encode(std::string_view(s), enc) == bytes(in.begin(), in.end()),
                  "exact encoding did not round-trip");
    }
    check(costream_reference::base64_encode(data, size, false) ==
              costream::decode(in, encoding::base64),
          "base64 encode differs from the reference");
    check(costream_reference::base64_encode(data, size, true) ==
              costream::decode(in, encoding::base64url),
          "base64url encode differs from the reference");

    // Encoding the input taken as text (UTF-8 std::string and UTF-16 units).
    std::u16string text_units = costream::to_u16string(text);
    for (auto enc : all_encodings) {
        bytes a = encode(text, enc);
        bytes b = encode(std::u16string_view(text_units), enc);
        check(a == b, "std::string input differs from its UTF-16 units");
        bytes big(costream::byte_length(text, enc) + 4);
        check(costream::encode_into(text, enc, big) <= big.size() - 4, "byte_length too small");
        check_truncation(text, enc, a, next(a.size() + 2));
        bytes c = encode(std::u16string_view(units), enc);
        check_truncation(std::u16string_view(units), enc, c, next(c.size() + 2));
    }
    check(encode(text, encoding::hex) ==
              costream_reference::hex_decode(text_units.data(), text_units.size()),
          "hex decode differs from the reference");
    check(encode(text, encoding::base64) ==
              costream_reference::base64_decode(text_units.data(), text_units.size()),
          "base64 decode differs from the reference");
    check(encode(std::u16string_view(units), encoding::base64url) ==
              costream_reference::base64_decode(units.data(), units.size()),
          "base64 decode of UTF-16 differs from the reference");
    check(encode(std::u16string_view(units), encoding::hex) ==
              costream_reference::hex_decode(units.data(), units.size()),
          "hex decode of UTF-16 differs from the reference");

    // Text made mostly of digits (mapped from the input), so that hex and base64 decoding
    // run long clean stretches through the block loops before meeting junk, '=' or a
    // non-ASCII character.
    {
        static const char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        static const char* const rare[] = {"=",        " ",        "\n", "-",    "_",
                                           "\xc5\xa1", "\xc4\xbd", "!",  "\xff", "g"};
        const bool hexish = size > 0 && (data[0] & 1);
        std::string digits;
        for (std::size_t i = 0; i < size; ++i) {
            std::uint8_t b = data[i];
            if (b >= 0xF6)
                digits += rare[b - 0xF6];
            else
                digits += hexish ? "0123456789abcdefABCDEF"[b % 22] : alphabet[b & 63];
        }
        std::u16string digit_units = costream::to_u16string(digits);
        for (bool simd : {true, false}) {
            costream::detail::encoding_simd_enabled = simd;
            check(encode(std::string_view(digits), encoding::hex) ==
                      costream_reference::hex_decode(digit_units.data(), digit_units.size()),
                  "hex decode of digit text differs from the reference");
            check(encode(std::string_view(digits), encoding::base64) ==
                      costream_reference::base64_decode(digit_units.data(), digit_units.size()),
                  "base64 decode of digit text differs from the reference");
            bytes small(next(digits.size()));
            std::size_t n =
                costream::encode_into(std::string_view(digits), encoding::base64, small);
            bytes full = costream_reference::base64_decode(digit_units.data(), digit_units.size());
            check(n == std::min(small.size(), full.size()) &&
                      std::equal(small.begin(), small.begin() + n, full.begin()),
                  "short base64 write of digit text is not the reference's prefix");
        }
        costream::detail::encoding_simd_enabled = true;
    }

    // Mostly valid UTF-8 (code points made from the input, with a raw byte here and there),
    // so UTF-8 validation runs its block loop over long valid stretches before an error.
    {
        std::string text8;
        for (std::size_t i = 0; i < size; ++i) {
            std::uint8_t b = data[i];
            std::uint8_t tmp[4];
            if (b >= 0xF8)
                text8 += static_cast<char>(i + 1 < size ? data[++i] : b); // raw byte
            else if (b < 0x80)
                text8 += static_cast<char>(b);
            else {
                char32_t cp = b < 0xC0   ? 0x80 + (b - 0x80) * 37
                              : b < 0xE0 ? 0x800 + (b - 0xC0) * 1931
                                         : 0x10000 + (b - 0xE0) * 40009;
                text8.append(reinterpret_cast<const char*>(tmp),
                             costream::detail::utf8_put(tmp, cp));
            }
        }
        const auto* t = reinterpret_cast<const std::uint8_t*>(text8.data());
        std::span<const std::uint8_t> tb(t, text8.size());
        const std::string want =
            costream::to_utf8_string(costream_reference::utf8_decode(t, text8.size()));
        for (bool simd : {true, false}) {
            costream::detail::encoding_simd_enabled = simd;
            check(costream::decode(tb, encoding::utf8) == want,
                  "utf8 decode of mostly valid text differs from the reference");
            check(costream::byte_length(std::string_view(text8), encoding::utf8) == want.size(),
                  "utf8 byte_length of mostly valid text is wrong");
        }
        costream::detail::encoding_simd_enabled = true;
    }

    // The SIMD kernels and the scalar loops agree (where the CPU has no AVX2 both are scalar).
    for (auto enc : all_encodings) {
        costream::detail::encoding_simd_enabled = true;
        std::string fast = costream::decode(in, enc);
        bytes fast_bytes = encode(text, enc);
        costream::detail::encoding_simd_enabled = false;
        check(costream::decode(in, enc) == fast, "scalar decode differs from SIMD decode");
        check(encode(text, enc) == fast_bytes, "scalar encode differs from SIMD encode");
        costream::detail::encoding_simd_enabled = true;
    }

    // string_decoder fed the input cut at input-chosen points equals the one-shot decode.
    for (auto enc : all_encodings) {
        costream::string_decoder d(enc), d16(enc);
        std::string joined;
        std::u16string joined16;
        for (std::size_t at = 0; at < size;) {
            std::size_t n = std::min(size - at, 1 + next(next(2) ? 5 : 40));
            joined += d.write(in.subspan(at, n));
            joined16 += d16.write_u16(in.subspan(at, n));
            at += n;
        }
        joined += d.end();
        joined16 += d16.end_u16();
        check(joined == costream::decode(in, enc),
              "string_decoder UTF-8 output differs from one-shot decode");
        check(joined16 == costream::decode_u16(in, enc),
              "string_decoder UTF-16 output differs from one-shot decode");
    }
    return 0;
}
