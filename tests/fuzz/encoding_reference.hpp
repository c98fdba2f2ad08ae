// Slow, obviously-correct reference decoders written straight from the specifications
// (WHATWG Encoding Standard's UTF-8 decoder; Node's src/string_bytes.cc hex_decode and
// src/base64-inl.h base64_decode_group_slow, one character at a time). The fuzzer and the
// property tests compare costream's optimized loops against them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace costream_reference {

/// WHATWG "UTF-8 decoder" (encoding.spec.whatwg.org/#utf-8-decoder), replacement mode, to
/// UTF-16 code units.
inline std::u16string utf8_decode(const std::uint8_t* p, std::size_t n) {
    std::u16string out;
    auto emit = [&](char32_t cp) {
        if (cp >= 0x10000) {
            out.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
    };
    char32_t code_point = 0;
    unsigned bytes_seen = 0, bytes_needed = 0;
    std::uint8_t lower = 0x80, upper = 0xBF;
    std::size_t i = 0;
    while (true) {
        if (i == n) {
            if (bytes_needed != 0) emit(0xFFFD);
            return out;
        }
        std::uint8_t byte = p[i];
        if (bytes_needed == 0) {
            ++i;
            if (byte <= 0x7F) {
                emit(byte);
            } else if (byte >= 0xC2 && byte <= 0xDF) {
                bytes_needed = 1;
                code_point = byte & 0x1F;
            } else if (byte >= 0xE0 && byte <= 0xEF) {
                if (byte == 0xE0) lower = 0xA0;
                if (byte == 0xED) upper = 0x9F;
                bytes_needed = 2;
                code_point = byte & 0xF;
            } else if (byte >= 0xF0 && byte <= 0xF4) {
                if (byte == 0xF0) lower = 0x90;
                if (byte == 0xF4) upper = 0x8F;
                bytes_needed = 3;
                code_point = byte & 0x7;
            } else {
                emit(0xFFFD);
            }
            continue;
        }
        if (byte < lower || byte > upper) {
            // Reset and emit U+FFFD; the byte is processed again ("prepend to stream").
            code_point = 0;
            bytes_needed = bytes_seen = 0;
            lower = 0x80;
            upper = 0xBF;
            emit(0xFFFD);
            continue;
        }
        ++i;
        lower = 0x80;
        upper = 0xBF;
        code_point = (code_point << 6) | (byte & 0x3F);
        if (++bytes_seen != bytes_needed) continue;
        emit(code_point);
        code_point = 0;
        bytes_needed = bytes_seen = 0;
    }
}

/// Node's hex_decode: pairs until the first invalid one; units read by their low byte.
template <class CharT>
std::vector<std::uint8_t> hex_decode(const CharT* s, std::size_t n) {
    auto unhex = [](std::uint8_t c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i * 2 + 1 < n; ++i) {
        int a = unhex(static_cast<std::uint8_t>(s[2 * i])),
            b = unhex(static_cast<std::uint8_t>(s[2 * i + 1]));
        if (a < 0 || b < 0) break;
        out.push_back(static_cast<std::uint8_t>(a * 16 + b));
    }
    return out;
}

/// Node's base64 decoding, one character at a time (base64_decode_group_slow's rules): both
/// alphabets, junk skipped, stop at the first '='; units read by their low byte.
template <class CharT>
std::vector<std::uint8_t> base64_decode(const CharT* s, std::size_t n) {
    auto value = [](std::uint8_t c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+' || c == '-') return 62;
        if (c == '/' || c == '_') return 63;
        return -1;
    };
    std::vector<std::uint8_t> out;
    std::uint32_t bits = 0;
    int nbits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint8_t c = static_cast<std::uint8_t>(s[i]);
        int v = value(c);
        if (v < 0) {
            if (c == '=') break;
            continue;
        }
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<std::uint8_t>(bits >> nbits));
        }
        bits &= (1u << nbits) - 1;
    }
    return out;
}

/// RFC 4648 base64 (padded) or base64url (unpadded).
inline std::string base64_encode(const std::uint8_t* p, std::size_t n, bool url) {
    const char* a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t bits = 0;
    int nbits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        bits = (bits << 8) | p[i];
        nbits += 8;
        while (nbits >= 6) {
            nbits -= 6;
            out.push_back(a[(bits >> nbits) & 63]);
        }
    }
    if (nbits > 0) out.push_back(a[(bits << (6 - nbits)) & 63]);
    if (!url)
        while (out.size() % 4)
            out.push_back('=');
    return out;
}

} // namespace costream_reference
