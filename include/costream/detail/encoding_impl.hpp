// Private building blocks of encoding.hpp and string_decoder.hpp: lookup tables, UTF-8
// validation and transcoding (WHATWG), hex and base64 loops with Node's lenient rules.
// Every loop writes through a raw pointer into storage sized once by its caller.
#pragma once

#include <costream/config.hpp>
#include <costream/detail/encoding_simd.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace costream::detail {

// ---------------------------------------------------------------------------------------------
// Tables

/// 0..15 for a hex digit (either case), 0xFF otherwise. node: src/string_bytes.cc unhex
inline constexpr std::array<std::uint8_t, 256> unhex_table = [] {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t)
        v = 0xFF;
    for (int c = '0'; c <= '9'; ++c)
        t[c] = static_cast<std::uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c)
        t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c)
        t[c] = static_cast<std::uint8_t>(c - 'A' + 10);
    return t;
}();

/// Two lowercase hex digits per byte, in memory order (first digit at the lower address).
inline constexpr std::array<std::array<char, 2>, 256> hex_pair_table = [] {
    std::array<std::array<char, 2>, 256> t{};
    constexpr char digits[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i)
        t[i] = {digits[i >> 4], digits[i & 15]};
    return t;
}();

/// 0..63 for a base64 or base64url character (both alphabets at once, as Node's decoder
/// accepts them), 0xFF otherwise (high bit set: "not a digit"). node: src/base64.h unbase64
inline constexpr std::array<std::uint8_t, 256> unbase64_table = [] {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t)
        v = 0xFF;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] = static_cast<std::uint8_t>(c - 'A');
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = static_cast<std::uint8_t>(c - 'a' + 26);
    for (int c = '0'; c <= '9'; ++c)
        t[c] = static_cast<std::uint8_t>(c - '0' + 52);
    t['+'] = 62;
    t['-'] = 62;
    t['/'] = 63;
    t['_'] = 63;
    return t;
}();

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// ---------------------------------------------------------------------------------------------
// Word-at-a-time helpers

inline std::uint64_t load64(const void* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

/// Length of the leading run of ASCII bytes in [p, p + n).
inline std::size_t ascii_prefix(const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(COSTREAM_ENCODING_AVX2)
    if (n >= 128 && cpu_has_avx2()) i = ascii_prefix_avx2(p, n);
#endif
    // 32 bytes per step: one OR-reduction keeps the loop branch-light on long ASCII text.
    for (; i + 32 <= n; i += 32) {
        std::uint64_t v =
            load64(p + i) | load64(p + i + 8) | load64(p + i + 16) | load64(p + i + 24);
        if (v & 0x8080808080808080ull) break;
    }
    for (; i + 8 <= n; i += 8)
        if (load64(p + i) & 0x8080808080808080ull) break;
    while (i < n && p[i] < 0x80)
        ++i;
    return i;
}

/// memcpy that accepts n == 0 with null pointers (an empty span's data() may be null, and
/// memcpy(nullptr, ..., 0) is undefined behaviour).
inline void copy_bytes(void* dst, const void* src, std::size_t n) noexcept {
    if (n != 0) std::memcpy(dst, src, n);
}

inline bool is_ascii(const std::uint8_t* p, std::size_t n) noexcept {
    return ascii_prefix(p, n) == n;
}

inline const std::uint8_t* bytes_of(std::string_view s) noexcept {
    return reinterpret_cast<const std::uint8_t*>(s.data());
}

// ---------------------------------------------------------------------------------------------
// UTF-8 (WHATWG Encoding Standard, "UTF-8 decoder")

/// utf8_next's code point for an invalid sequence (callers write U+FFFD for it).
inline constexpr char32_t utf8_bad = 0x110000;

/// Decodes one code point starting at p (p < end) and returns the bytes it takes. An invalid
/// sequence yields utf8_bad and consumes its maximal subpart (the longest prefix of a valid
/// sequence, at least one byte), so decoding resumes at the first byte that cannot continue
/// it: exactly one U+FFFD per maximal subpart, as V8 and TextDecoder do.
inline std::size_t utf8_next(const std::uint8_t* p, const std::uint8_t* end,
                             char32_t& cp) noexcept {
    const std::uint8_t b0 = p[0];
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t need;
    std::uint8_t lo = 0x80, hi = 0xBF;
    char32_t c;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        c = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        c = b0 & 0x0Fu;
        if (b0 == 0xE0)
            lo = 0xA0; // no overlong 3-byte forms
        else if (b0 == 0xED)
            hi = 0x9F; // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        c = b0 & 0x07u;
        if (b0 == 0xF0)
            lo = 0x90; // no overlong 4-byte forms
        else if (b0 == 0xF4)
            hi = 0x8F; // nothing above U+10FFFF
    } else {
        cp = utf8_bad;
        return 1;
    }
    std::size_t i = 1;
    for (; i <= need; ++i) {
        if (p + i >= end || p[i] < lo || p[i] > hi) {
            cp = utf8_bad;
            return i;
        }
        lo = 0x80;
        hi = 0xBF;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    cp = c;
    return i;
}

/// Per lead byte, what a valid sequence starting with it looks like: its length (0: not a
/// lead byte), the range of its second byte (lo .. lo + span, WHATWG's narrowed bounds after
/// E0, ED, F0, F4), and which of bytes 2-3 must be continuation bytes (mask and value over a
/// little-endian 32-bit load of the sequence).
struct utf8_lead_info {
    std::uint8_t length, lo, span;
    std::uint32_t cont_mask, cont_value;
};

inline constexpr std::array<utf8_lead_info, 256> utf8_lead_table = [] {
    std::array<utf8_lead_info, 256> t{};
    for (int b = 0xC2; b <= 0xDF; ++b)
        t[b] = {2, 0x80, 0x3F, 0, 0};
    for (int b = 0xE0; b <= 0xEF; ++b)
        t[b] = {3, 0x80, 0x3F, 0x00C00000u, 0x00800000u};
    t[0xE0].lo = 0xA0;
    t[0xE0].span = 0x1F;
    t[0xED].span = 0x1F;
    for (int b = 0xF0; b <= 0xF4; ++b)
        t[b] = {4, 0x80, 0x3F, 0xC0C00000u, 0x80800000u};
    t[0xF0].lo = 0x90;
    t[0xF0].span = 0x2F;
    t[0xF4].span = 0x0F;
    return t;
}();

inline std::uint32_t load32(const void* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

/// Length of the longest prefix of [p, p + n) that is valid UTF-8 and ends on a character
/// boundary; n when the whole input is valid.
inline std::size_t utf8_valid_prefix(const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(COSTREAM_ENCODING_AVX2)
    if (n >= 64 && cpu_has_avx2()) i = utf8_validate_avx2(p, n);
#endif
    // Main loop while 8 bytes can be read: skip the ASCII run in one step (the position of
    // the first high bit), then check one multi-byte character without branching on its
    // length, so mixed text costs one well-predicted branch per character.
    while (i + 8 <= n) {
        std::uint64_t high = load64(p + i) & 0x8080808080808080ull;
        if (high == 0) {
            i += 8;
            continue;
        }
        if constexpr (std::endian::native == std::endian::little)
            i += static_cast<std::size_t>(std::countr_zero(high)) / 8;
        else
            while (p[i] < 0x80)
                ++i;
        if (i + 4 > n) break;
        const utf8_lead_info& lead = utf8_lead_table[p[i]];
        const std::uint32_t w = load32(p + i);
        const bool second_ok = static_cast<std::uint8_t>(p[i + 1] - lead.lo) <= lead.span;
        const bool rest_ok = (w & lead.cont_mask) == lead.cont_value;
        if (!(lead.length != 0 && second_ok && rest_ok)) return i;
        i += lead.length;
    }
    // The last few bytes, one character at a time.
    while (i < n) {
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        char32_t cp;
        std::size_t len = utf8_next(p + i, p + n, cp);
        if (cp == utf8_bad) return i;
        i += len;
    }
    return n;
}

/// Bytes needed to encode code point cp in UTF-8.
constexpr std::size_t utf8_length_of(char32_t cp) noexcept {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/// Writes cp as UTF-8 at out and returns the bytes written.
inline std::size_t utf8_put(std::uint8_t* out, char32_t cp) noexcept {
    if (cp < 0x80) {
        out[0] = static_cast<std::uint8_t>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<std::uint8_t>(0xC0 | (cp >> 6));
        out[1] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<std::uint8_t>(0xE0 | (cp >> 12));
        out[1] = static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<std::uint8_t>(0xF0 | (cp >> 18));
    out[1] = static_cast<std::uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
    return 4;
}

/// Decodes arbitrary bytes as UTF-8 into UTF-8 with U+FFFD replacements. Writes at most
/// 3 * n bytes at out (an invalid byte becomes three) and returns the bytes written.
inline std::size_t utf8_sanitize(std::uint8_t* out, const std::uint8_t* p, std::size_t n) noexcept {
    std::uint8_t* o = out;
    std::size_t i = 0;
    while (i < n) {
        std::size_t run = utf8_valid_prefix(p + i, n - i);
        copy_bytes(o, p + i, run);
        o += run;
        i += run;
        if (i == n) break;
        char32_t cp;
        i += utf8_next(p + i, p + n, cp); // invalid here: one maximal subpart
        o += utf8_put(o, 0xFFFD);
    }
    return static_cast<std::size_t>(o - out);
}

/// Bytes that utf8_sanitize writes for [p, p + n).
inline std::size_t utf8_sanitized_length(const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t total = 0, i = 0;
    while (i < n) {
        std::size_t run = utf8_valid_prefix(p + i, n - i);
        total += run;
        i += run;
        if (i == n) break;
        char32_t cp;
        i += utf8_next(p + i, p + n, cp);
        total += 3;
    }
    return total;
}

/// Decodes arbitrary bytes as UTF-8 into UTF-16 code units (WHATWG). Writes at most n units.
inline std::size_t utf8_to_utf16(char16_t* out, const std::uint8_t* p, std::size_t n) noexcept {
    char16_t* o = out;
    std::size_t i = 0;
    while (i < n) {
        std::size_t run = ascii_prefix(p + i, n - i);
        for (std::size_t k = 0; k < run; ++k)
            o[k] = p[i + k];
        o += run;
        i += run;
        while (i < n && p[i] >= 0x80) {
            char32_t cp;
            i += utf8_next(p + i, p + n, cp);
            if (cp == utf8_bad) {
                *o++ = 0xFFFD;
            } else if (cp >= 0x10000) {
                *o++ = static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
                *o++ = static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
            } else {
                *o++ = static_cast<char16_t>(cp);
            }
        }
    }
    return static_cast<std::size_t>(o - out);
}

/// UTF-16 code units in the JS string whose UTF-8 form is [p, p + n) (invalid subparts count
/// as one U+FFFD each).
inline std::size_t utf16_length_of_utf8(const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t units = 0, i = 0;
    while (i < n) {
        std::size_t run = ascii_prefix(p + i, n - i);
        units += run;
        i += run;
        while (i < n && p[i] >= 0x80) {
            char32_t cp;
            i += utf8_next(p + i, p + n, cp);
            units += cp >= 0x10000 && cp != utf8_bad ? 2 : 1;
        }
    }
    return units;
}

// ---------------------------------------------------------------------------------------------
// UTF-16

constexpr bool is_high_surrogate(char32_t u) noexcept {
    return u >= 0xD800 && u <= 0xDBFF;
}
constexpr bool is_low_surrogate(char32_t u) noexcept {
    return u >= 0xDC00 && u <= 0xDFFF;
}
constexpr bool is_surrogate(char32_t u) noexcept {
    return u >= 0xD800 && u <= 0xDFFF;
}

/// Reads the code point at s[i] (i < n) from UTF-16 units; a lone surrogate becomes U+FFFD,
/// as V8 writes it into UTF-8. Returns the units consumed.
inline std::size_t utf16_next(const char16_t* s, std::size_t i, std::size_t n,
                              char32_t& cp) noexcept {
    char32_t u = s[i];
    if (!is_surrogate(u)) {
        cp = u;
        return 1;
    }
    if (is_high_surrogate(u) && i + 1 < n && is_low_surrogate(s[i + 1])) {
        cp = 0x10000 + ((u - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
        return 2;
    }
    cp = 0xFFFD;
    return 1;
}

/// UTF-8 bytes of UTF-16 units (lone surrogates count 3, for EF BF BD).
inline std::size_t utf8_length_of_utf16(const char16_t* s, std::size_t n) noexcept {
    std::size_t total = 0;
    for (std::size_t i = 0; i < n;) {
        char32_t u = s[i];
        if (u < 0x80) {
            total += 1;
            ++i;
        } else if (u < 0x800) {
            total += 2;
            ++i;
        } else if (is_high_surrogate(u) && i + 1 < n && is_low_surrogate(s[i + 1])) {
            total += 4;
            i += 2;
        } else {
            total += 3;
            ++i;
        }
    }
    return total;
}

/// Writes UTF-16 units as UTF-8 (lone surrogates as EF BF BD); out needs 3 bytes per unit.
inline std::size_t utf16_to_utf8(std::uint8_t* out, const char16_t* s, std::size_t n) noexcept {
    std::uint8_t* o = out;
    for (std::size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            *o++ = static_cast<std::uint8_t>(s[i++]);
            continue;
        }
        char32_t cp;
        i += utf16_next(s, i, n, cp);
        o += utf8_put(o, cp);
    }
    return static_cast<std::size_t>(o - out);
}

/// Reads little-endian UTF-16 unit k from bytes.
inline char16_t load_u16le(const std::uint8_t* p) noexcept {
    return static_cast<char16_t>(p[0] | (p[1] << 8));
}

/// Writes the UTF-8 form of the units stored little-endian in [p, p + 2 * units), lone
/// surrogates as EF BF BD. out needs 3 bytes per unit.
inline std::size_t utf16le_bytes_to_utf8(std::uint8_t* out, const std::uint8_t* p,
                                         std::size_t units) noexcept {
    std::uint8_t* o = out;
    for (std::size_t i = 0; i < units;) {
        char32_t u = load_u16le(p + 2 * i);
        if (u < 0x80) {
            *o++ = static_cast<std::uint8_t>(u);
            ++i;
            continue;
        }
        if (!is_surrogate(u)) {
            o += utf8_put(o, u);
            ++i;
            continue;
        }
        if (is_high_surrogate(u) && i + 1 < units) {
            char32_t lo = load_u16le(p + 2 * (i + 1));
            if (is_low_surrogate(lo)) {
                o += utf8_put(o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i += 2;
                continue;
            }
        }
        o += utf8_put(o, 0xFFFD);
        ++i;
    }
    return static_cast<std::size_t>(o - out);
}

// ---------------------------------------------------------------------------------------------
// hex

/// Writes 2 * n lowercase hex digits for [p, p + n) at out.
inline void hex_encode(char* out, const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(COSTREAM_ENCODING_AVX2)
    if (n >= 32 && cpu_has_avx2()) i = hex_encode_avx2(out, p, n);
#endif
    for (; i < n; ++i)
        std::memcpy(out + 2 * i, hex_pair_table[p[i]].data(), 2);
}

/// Node's hex decoder: pairs of digits into at most dstlen bytes; stops at the first pair
/// that is not two hex digits and ignores a trailing odd digit. A UTF-16 unit is read by its
/// low byte (Node casts each unit to uint8_t), so U+0161 reads as 'a'.
/// node: src/string_bytes.cc hex_decode
template <class CharT>
std::size_t hex_decode(std::uint8_t* dst, std::size_t dstlen, const CharT* src,
                       std::size_t srclen) noexcept {
    std::size_t n = srclen / 2 < dstlen ? srclen / 2 : dstlen;
    std::size_t i = 0;
#if defined(COSTREAM_ENCODING_AVX2)
    if constexpr (sizeof(CharT) == 1) {
        if (n >= 16 && cpu_has_avx2())
            i = hex_decode_avx2(dst, reinterpret_cast<const std::uint8_t*>(src), n);
    }
#endif
    for (; i < n; ++i) {
        std::uint8_t a = unhex_table[static_cast<std::uint8_t>(src[2 * i])];
        std::uint8_t b = unhex_table[static_cast<std::uint8_t>(src[2 * i + 1])];
        if ((a | b) & 0xF0) return i;
        dst[i] = static_cast<std::uint8_t>((a << 4) | b);
    }
    return n;
}

// ---------------------------------------------------------------------------------------------
// base64

/// Characters base64 (padded) or base64url (unpadded) encoding of n bytes takes.
constexpr std::size_t base64_encoded_length(std::size_t n, bool url) noexcept {
    return url ? (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1) : (n + 2) / 3 * 4;
}

/// Encodes [p, p + n) at out; returns the characters written (base64_encoded_length).
inline std::size_t base64_encode(char* out, const std::uint8_t* p, std::size_t n,
                                 bool url) noexcept {
    const char* a = url ? base64url_alphabet : base64_alphabet;
    char* o = out;
    std::size_t i = 0;
#if defined(COSTREAM_ENCODING_AVX2)
    if (n >= 28 && cpu_has_avx2()) {
        i = base64_encode_avx2(out, p, n, url);
        o += i / 3 * 4;
    }
#endif
    for (; i + 3 <= n; i += 3) {
        std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8) | p[i + 2];
        o[0] = a[v >> 18];
        o[1] = a[(v >> 12) & 63];
        o[2] = a[(v >> 6) & 63];
        o[3] = a[v & 63];
        o += 4;
    }
    if (n - i == 1) {
        std::uint32_t v = std::uint32_t(p[i]) << 16;
        *o++ = a[v >> 18];
        *o++ = a[(v >> 12) & 63];
        if (!url) {
            *o++ = '=';
            *o++ = '=';
        }
    } else if (n - i == 2) {
        std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8);
        *o++ = a[v >> 18];
        *o++ = a[(v >> 12) & 63];
        *o++ = a[(v >> 6) & 63];
        if (!url) *o++ = '=';
    }
    return static_cast<std::size_t>(o - out);
}

/// What base64_decode_core did: bytes written and, when it met a non-ASCII byte in UTF-8
/// input (which only the UTF-16 view of the text can decode), where to resume.
struct base64_progress {
    std::size_t written;
    std::size_t resume; ///< input offset of the quantum in progress, when stopped_at_non_ascii
    bool stopped_at_non_ascii;
};

/// Node's lenient base64/base64url decoder into at most dstlen bytes. Characters of either
/// alphabet are digits; any other character (whitespace, junk) is skipped; the first '='
/// stops decoding wherever it is; a final lone digit yields nothing; trailing bits are
/// ignored. A UTF-16 unit is read by its low byte, as Node does.
/// node: src/base64-inl.h base64_decode_fast / base64_decode_group_slow
/// With StopAtNonAscii (UTF-8 input), it stops at the start of the
/// quantum holding the first non-ASCII byte: everything before it is ASCII, so byte offsets
/// and UTF-16 offsets agree up to there and the caller finishes on UTF-16 units.
template <class CharT, bool StopAtNonAscii>
base64_progress base64_decode_core(std::uint8_t* dst, std::size_t dstlen, const CharT* src,
                                   std::size_t srclen) noexcept {
    std::size_t i = 0, k = 0;
    for (;;) {
#if defined(COSTREAM_ENCODING_AVX2)
        if constexpr (sizeof(CharT) == 1) {
            if (srclen - i >= 32 && dstlen - k >= 32 && cpu_has_avx2()) {
                std::size_t used = 0;
                k += base64_decode_avx2(dst + k, dstlen - k,
                                        reinterpret_cast<const std::uint8_t*>(src) + i, srclen - i,
                                        used);
                i += used;
            }
        }
#endif
        // Four digits at a time while no junk shows up and the output has room.
        while (i + 4 <= srclen && k + 3 <= dstlen) {
            std::uint8_t a = unbase64_table[static_cast<std::uint8_t>(src[i])];
            std::uint8_t b = unbase64_table[static_cast<std::uint8_t>(src[i + 1])];
            std::uint8_t c = unbase64_table[static_cast<std::uint8_t>(src[i + 2])];
            std::uint8_t d = unbase64_table[static_cast<std::uint8_t>(src[i + 3])];
            if ((a | b | c | d) & 0x80) break;
            dst[k] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
            dst[k + 1] = static_cast<std::uint8_t>((b << 4) | (c >> 2));
            dst[k + 2] = static_cast<std::uint8_t>((c << 6) | d);
            i += 4;
            k += 3;
        }
        // One quantum a digit at a time, skipping junk; then back to the fast loops, as
        // Node's base64_decode_fast does after each base64_decode_group_slow.
        unsigned q = 0;
        std::uint32_t prev = 0;
        const std::size_t quantum_i = i, quantum_k = k;
        for (;;) {
            if (i == srclen || k == dstlen) return {k, 0, false};
            std::uint8_t ch = static_cast<std::uint8_t>(src[i++]);
            std::uint8_t v = unbase64_table[ch];
            if (v & 0x80) {
                if constexpr (StopAtNonAscii) {
                    if (ch >= 0x80) return {quantum_k, quantum_i, true};
                }
                if (ch == '=') return {k, 0, false};
                continue;
            }
            switch (q) {
            case 0:
                break;
            case 1:
                dst[k++] = static_cast<std::uint8_t>((prev << 2) | (v >> 4));
                break;
            case 2:
                dst[k++] = static_cast<std::uint8_t>((prev << 4) | (v >> 2));
                break;
            case 3:
                dst[k++] = static_cast<std::uint8_t>((prev << 6) | v);
                break;
            }
            prev = v;
            if (++q == 4) break;
        }
    }
}

/// Node's lenient base64/base64url decoder over UTF-16 units (or ASCII bytes): see
/// base64_decode_core. Returns the bytes written.
template <class CharT>
std::size_t base64_decode(std::uint8_t* dst, std::size_t dstlen, const CharT* src,
                          std::size_t srclen) noexcept {
    return base64_decode_core<CharT, false>(dst, dstlen, src, srclen).written;
}

/// Node's Buffer.byteLength estimate for base64/base64url: 3/4 of the length after dropping
/// up to two trailing '=' (lib/buffer.js base64ByteLength). `last` and `before_last` are the
/// final two UTF-16 units (0 when absent).
constexpr std::size_t base64_byte_length(std::size_t units, char32_t last,
                                         char32_t before_last) noexcept {
    if (units > 0 && last == '=') {
        --units;
        if (units > 1 && before_last == '=') --units;
    }
    return (units * 3) >> 2;
}

} // namespace costream::detail
