// Property tests: random inputs (fixed seeds, so every run checks the same cases) through
// round trips and invariants that hold for every encoding.
#include <costream/encoding.hpp>
#include <costream/string_decoder.hpp>

#include "../../fuzz/encoding_reference.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using costream::encoding;

namespace {

using bytes = std::vector<std::uint8_t>;

const encoding all_encodings[] = {encoding::utf8,     encoding::utf16le, encoding::latin1,
                                  encoding::ascii,    encoding::hex,     encoding::base64,
                                  encoding::base64url};

/// Deterministic bytes: the raw engine output is fully specified by the standard (unlike the
/// distributions), so the cases are the same on every platform.
struct prng {
    std::mt19937_64 engine;
    explicit prng(std::uint64_t seed) : engine(seed) {}
    std::uint64_t next() { return engine(); }
    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
    bytes random_bytes(std::size_t max_len) {
        bytes b(below(max_len + 1));
        for (auto& x : b)
            x = static_cast<std::uint8_t>(next());
        return b;
    }
    /// Random code points from every UTF-8 length class, surrogates excluded.
    std::u32string random_code_points(std::size_t max_len) {
        std::u32string s(below(max_len + 1), 0);
        for (auto& c : s) {
            switch (below(4)) {
            case 0:
                c = static_cast<char32_t>(below(0x80));
                break;
            case 1:
                c = static_cast<char32_t>(0x80 + below(0x800 - 0x80));
                break;
            case 2:
                c = static_cast<char32_t>(0x800 + below(0x10000 - 0x800 - 0x800));
                break;
            default:
                c = static_cast<char32_t>(0x10000 + below(0x100000));
                break;
            }
            if (c >= 0xD800 && c < 0xE000) c += 0x800; // skip the surrogate range
        }
        return s;
    }
};

std::string utf8_of(const std::u32string& cps) {
    std::string out;
    for (char32_t c : cps) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Buffer.from(text, enc), checking that byte_length was big enough.
template <class Text>
bytes encode(const Text& text, encoding enc) {
    bytes out(costream::byte_length(text, enc));
    out.resize(costream::encode_into(text, enc, out));
    return out;
}

/// Lengths from tiny to a few KiB, so word-at-a-time loops see every alignment and tail.
std::size_t max_len_for(int round) {
    return round % 10 == 0 ? 3000 : round % 3 == 0 ? 200 : 40;
}

} // namespace

TEST_CASE("hex, base64, base64url and latin1 round-trip arbitrary bytes exactly") {
    prng rng(1);
    for (int round = 0; round < 400; ++round) {
        bytes b = rng.random_bytes(max_len_for(round));
        for (auto enc : {encoding::hex, encoding::base64, encoding::base64url, encoding::latin1}) {
            CAPTURE(costream::encoding_name(enc));
            CAPTURE(b.size());
            std::string text = costream::decode(b, enc);
            bytes back = encode(std::string_view(text), enc);
            CHECK(back == b);
            // Exact encodings: byte_length is exactly what encode_into writes.
            CHECK(costream::byte_length(std::string_view(text), enc) == b.size());
            std::u16string units = costream::decode_u16(b, enc);
            CHECK(encode(std::u16string_view(units), enc) == b);
        }
    }
}

TEST_CASE("utf8 round-trips valid UTF-8 exactly and byte_length equals its size") {
    prng rng(2);
    for (int round = 0; round < 400; ++round) {
        std::string text = utf8_of(rng.random_code_points(max_len_for(round) / 2));
        CAPTURE(text.size());
        CHECK(costream::decode(as_bytes(text), encoding::utf8) == text);
        CHECK(encode(std::string_view(text), encoding::utf8) == bytes(text.begin(), text.end()));
        CHECK(costream::byte_length(std::string_view(text), encoding::utf8) == text.size());
        std::u16string units = costream::decode_u16(as_bytes(text), encoding::utf8);
        CHECK(units == costream::to_u16string(text));
        CHECK(costream::to_utf8_string(units) == text);
        CHECK(costream::byte_length(std::u16string_view(units), encoding::utf8) == text.size());
        // utf16le of valid text round-trips through both text forms.
        bytes le = encode(std::string_view(text), encoding::utf16le);
        CHECK(le.size() == 2 * units.size());
        CHECK(costream::decode(le, encoding::utf16le) == text);
        CHECK(costream::decode_u16(le, encoding::utf16le) == units);
    }
}

TEST_CASE("utf16le round-trips even-length bytes exactly through UTF-16 text") {
    prng rng(3);
    for (int round = 0; round < 400; ++round) {
        bytes b = rng.random_bytes(max_len_for(round));
        b.resize(b.size() & ~std::size_t(1));
        std::u16string units = costream::decode_u16(b, encoding::utf16le);
        CHECK(units.size() == b.size() / 2);
        CHECK(encode(std::u16string_view(units), encoding::utf16le) == b);
    }
}

TEST_CASE("decoding, encoding and decoding again gives the first decoding, for every encoding") {
    prng rng(4);
    for (int round = 0; round < 400; ++round) {
        bytes b = rng.random_bytes(max_len_for(round));
        for (auto enc : all_encodings) {
            CAPTURE(costream::encoding_name(enc));
            CAPTURE(b.size());
            std::string once = costream::decode(b, enc);
            bytes again = encode(std::string_view(once), enc);
            CHECK(costream::decode(again, enc) == once);
            std::u16string units = costream::decode_u16(b, enc);
            CHECK(costream::decode_u16(encode(std::u16string_view(units), enc), enc) == units);
            // The UTF-8 result is always valid UTF-8 and is the UTF-8 form of the UTF-16 result.
            CHECK(costream::decode(as_bytes(once), encoding::utf8) == once);
            CHECK(once == costream::to_utf8_string(units));
            // byte_length is never less than what encode_into writes (base64 is an estimate).
            bytes big(costream::byte_length(std::string_view(once), enc) + 8);
            CHECK(costream::encode_into(std::string_view(once), enc, big) <= big.size() - 8);
        }
    }
}

TEST_CASE("utf8 encoding of any UTF-16 text decodes back to its UTF-8 form") {
    prng rng(5);
    for (int round = 0; round < 400; ++round) {
        std::u16string units(rng.below(max_len_for(round)), u'\0');
        for (auto& u : units) {
            // Bias towards surrogates so lone and paired ones both show up.
            u = static_cast<char16_t>(rng.below(3) == 0 ? 0xD800 + rng.below(0x800) : rng.next());
        }
        bytes utf8 = encode(std::u16string_view(units), encoding::utf8);
        CHECK(utf8.size() == costream::byte_length(std::u16string_view(units), encoding::utf8));
        std::string text = costream::to_utf8_string(units);
        CHECK(bytes(text.begin(), text.end()) == utf8);
        CHECK(costream::decode(utf8, encoding::utf8) == text);
        // Truncated writes end on a character boundary: the prefix decodes without U+FFFD added.
        std::size_t cap = rng.below(utf8.size() + 1);
        bytes small(cap);
        small.resize(costream::encode_into(std::u16string_view(units), encoding::utf8, small));
        CHECK(small.size() <= cap);
        CHECK(std::equal(small.begin(), small.end(), utf8.begin()));
        CHECK(small.size() + 4 > cap);
        CHECK(costream::decode(small, encoding::utf8) == std::string(small.begin(), small.end()));
    }
}

TEST_CASE("string_decoder fed random chunks equals the one-shot decode") {
    prng rng(6);
    for (int round = 0; round < 600; ++round) {
        bytes b = rng.random_bytes(max_len_for(round));
        if (round % 2) {
            // Mostly valid UTF-8 with a few bytes broken.
            std::string t = utf8_of(rng.random_code_points(max_len_for(round) / 3));
            b.assign(t.begin(), t.end());
            for (std::size_t k = rng.below(3); k > 0 && !b.empty(); --k)
                b[rng.below(b.size())] = static_cast<std::uint8_t>(rng.next());
        }
        for (auto enc : all_encodings) {
            CAPTURE(costream::encoding_name(enc));
            CAPTURE(b.size());
            costream::string_decoder d(enc), d16(enc);
            std::string joined;
            std::u16string joined16;
            for (std::size_t at = 0; at < b.size();) {
                std::size_t n = std::min(b.size() - at, 1 + rng.below(rng.below(2) ? 4 : 64));
                std::span<const std::uint8_t> chunk(b.data() + at, n);
                joined += d.write(chunk);
                joined16 += d16.write_u16(chunk);
                at += n;
            }
            joined += d.end();
            joined16 += d16.end_u16();
            // base64 never cuts a 3-byte group, so even its text is the one-shot text.
            CHECK(joined == costream::decode(b, enc));
            CHECK(joined16 == costream::decode_u16(b, enc));
        }
    }
}

namespace {

void check_against_references() {
    prng rng(7);
    // Mostly valid UTF-8 with a few bytes broken, long enough for the block loops.
    for (int round = 0; round < 300; ++round) {
        std::string t = utf8_of(rng.random_code_points(max_len_for(round)));
        for (std::size_t k = rng.below(4); k > 0 && !t.empty(); --k)
            t[rng.below(t.size())] = static_cast<char>(rng.next());
        const auto* p = reinterpret_cast<const std::uint8_t*>(t.data());
        CAPTURE(t.size());
        std::string want = costream::to_utf8_string(costream_reference::utf8_decode(p, t.size()));
        CHECK(costream::decode(as_bytes(t), encoding::utf8) == want);
        CHECK(costream::byte_length(std::string_view(t), encoding::utf8) == want.size());
    }
    const char digits[] = "0123456789abcdefABCDEF+/-_= \n!\xc5\xa1zZ";
    for (int round = 0; round < 400; ++round) {
        bytes b = rng.random_bytes(max_len_for(round));
        CHECK(costream::decode_u16(b, encoding::utf8) ==
              costream_reference::utf8_decode(b.data(), b.size()));
        CHECK(costream::decode(b, encoding::base64) ==
              costream_reference::base64_encode(b.data(), b.size(), false));
        CHECK(costream::decode(b, encoding::base64url) ==
              costream_reference::base64_encode(b.data(), b.size(), true));
        // Text made mostly of digits, so hex and base64 decode long runs before junk.
        std::string text(rng.below(max_len_for(round)), 'a');
        for (auto& c : text)
            c = rng.below(8) ? digits[rng.below(16)] : digits[rng.below(sizeof digits - 1)];
        if (round % 2 == 0) text.erase(std::remove(text.begin(), text.end(), '='), text.end());
        std::u16string units = costream::to_u16string(text);
        CAPTURE(text);
        CHECK(encode(std::string_view(text), encoding::hex) ==
              costream_reference::hex_decode(units.data(), units.size()));
        CHECK(encode(std::string_view(text), encoding::base64) ==
              costream_reference::base64_decode(units.data(), units.size()));
        CHECK(encode(std::u16string_view(units), encoding::base64url) ==
              costream_reference::base64_decode(units.data(), units.size()));
    }
}

} // namespace

TEST_CASE("optimized loops agree with the slow reference decoders on random input") {
    // Both the SIMD kernels (where the CPU has them) and the scalar loops alone.
    for (bool simd : {true, false}) {
        CAPTURE(simd);
        costream::detail::encoding_simd_enabled = simd;
        check_against_references();
    }
    costream::detail::encoding_simd_enabled = true;
}

TEST_CASE("utf8 validation finds each malformed sequence at every offset around block edges") {
    // Each sequence is put at every offset 0..70 inside ASCII (so it straddles the 8- and
    // 32-byte blocks of the fast loops in every way), also with a multi-byte tail after it.
    const std::string_view sequences[] = {
        "\xc3", "\xc3(", "\xe2\x82", "\xe2\x82(", "\xf0\x9d\x84", "\xc0\x80", "\xc1\xbf",
        "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf4\xbf\xbf\xbf", "\xf5\x80\x80\x80",
        "\xf8\x88\x80\x80", "\xff", "\x80", "\xbf\x80", "\xc3\xa9\x80", "\xe2\x82\xac\x80",
        "\xf0\x9d\x84\x9e\x80", "\xe2(\xac", "\xf0\x9d(\x9e",
        // valid ones, for the other side of the same checks
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf", "\xef\xbf\xbd"};
    for (bool simd : {true, false}) {
        costream::detail::encoding_simd_enabled = simd;
        for (std::string_view seq : sequences) {
            for (std::size_t offset = 0; offset <= 70; ++offset) {
                for (std::string_view tail :
                     {std::string_view(""), std::string_view("\xc3\xa9z")}) {
                    std::string t(offset, 'a');
                    t.append(seq);
                    t.append(tail);
                    t.append(40, 'b');
                    if (offset % 3 == 0) t.append("\xe2\x82\xac"); // end on a multi-byte char too
                    const auto* p = reinterpret_cast<const std::uint8_t*>(t.data());
                    std::string want =
                        costream::to_utf8_string(costream_reference::utf8_decode(p, t.size()));
                    CAPTURE(simd);
                    CAPTURE(offset);
                    CAPTURE(costream::decode(as_bytes(seq), encoding::hex));
                    CHECK(costream::decode(as_bytes(t), encoding::utf8) == want);
                    // The same sequence as the very last bytes.
                    std::string end(offset, 'a');
                    end.append(seq);
                    const auto* q = reinterpret_cast<const std::uint8_t*>(end.data());
                    CHECK(costream::decode(as_bytes(end), encoding::utf8) ==
                          costream::to_utf8_string(costream_reference::utf8_decode(q, end.size())));
                }
            }
        }
    }
    costream::detail::encoding_simd_enabled = true;
}
