// Helpers for the Node oracle ports of the buffer module: print C++ values the way the
// scenarios' JavaScript prints them (code point listings, JSON.stringify, Number#toString).
#pragma once

#include <costream/buffer.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace costream_test::js {

/// The scenarios' `cps(s)`: "U+0041 U+1D11E", one entry per code point of the JS string
/// (a lone surrogate is its own entry), as `[...s].map(codePointAt)` lists them.
inline std::string code_points(std::u16string_view s) {
    static constexpr char hexd[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
            s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        }
        std::string digits;
        for (char32_t v = c; v; v >>= 4)
            digits.insert(digits.begin(), hexd[v & 15]);
        while (digits.size() < 4)
            digits.insert(digits.begin(), '0');
        if (!out.empty()) out += ' ';
        out += "U+" + digits;
    }
    return out;
}

/// JSON.stringify of a JS string: quotes, backslashes and controls escaped, a lone
/// surrogate as \udXXX (well-formed JSON.stringify), everything else as UTF-8.
inline std::string json_string(std::u16string_view s) {
    static constexpr char hexd[] = "0123456789abcdef";
    std::u16string kept;
    std::string out = "\"";
    auto flush = [&] {
        out += costream::to_utf8_string(kept);
        kept.clear();
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char16_t c = s[i];
        const bool high = c >= 0xD800 && c <= 0xDBFF;
        const bool pair = high && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF;
        if (pair) {
            kept += c;
            kept += s[++i];
        } else if (c == u'"' || c == u'\\') {
            flush();
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == u'\n') {
            flush();
            out += "\\n";
        } else if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF)) {
            flush();
            out += "\\u";
            for (int shift = 12; shift >= 0; shift -= 4)
                out += hexd[(c >> shift) & 15];
        } else {
            kept += c;
        }
    }
    flush();
    return out + "\"";
}

/// JSON.stringify of a JS string given as UTF-8 text (valid UTF-8, no lone surrogates).
inline std::string json_string(std::string_view utf8) {
    std::string out = "\"";
    for (char c : utf8) {
        if (c == '"') {
            out += "\\\"";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

/// Number#toString for a double: the shortest representation that round-trips (what
/// std::to_chars gives), which matches JavaScript for the magnitudes the scenarios print.
inline std::string number(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

/// The scenarios' `hex(b)`.
inline std::string hex(const costream::buffer& b) {
    return b.to_string("hex");
}

} // namespace costream_test::js
