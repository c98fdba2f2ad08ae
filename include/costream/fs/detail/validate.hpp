// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/detail/validate.hpp: the argument checks Node's fs makes before any system call
// (lib/internal/fs/utils.js getValidatedPath, validateInt32 for descriptors, ...), so a
// wrong argument throws at once, on the caller's thread, with Node's code and message.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace costream::fs::detail {

/// The largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER).
inline constexpr std::int64_t max_safe_integer = 9007199254740991;

/// A number as Node's ERR_OUT_OF_RANGE prints it: digits grouped by '_' when |v| > 2**32
/// (internal/errors.js addNumericalSeparator), e.g. 9_007_199_254_740_992.
inline std::string node_number(std::int64_t v) {
    std::string digits = std::to_string(v);
    const bool neg = v < 0;
    const std::int64_t magnitude_minus_1 = neg ? -(v + 1) : v - 1;  // no overflow at the ends
    if (magnitude_minus_1 < (std::int64_t{1} << 32)) return digits; // |v| <= 2**32
    std::string body = neg ? digits.substr(1) : digits;
    std::string out;
    const std::size_t lead = body.size() % 3 == 0 ? 3 : body.size() % 3;
    out.append(body, 0, lead);
    for (std::size_t i = lead; i < body.size(); i += 3)
        out.append("_").append(body, i, 3);
    return neg ? "-" + out : out;
}

/// Throws Node's ERR_OUT_OF_RANGE: `The value of "<name>" is out of range. It must be
/// <range>. Received <v>`.
[[noreturn]] inline void throw_out_of_range(std::string_view name, std::string_view range,
                                            std::int64_t v) {
    std::string m = "The value of \"";
    m.append(name).append("\" is out of range. It must be ").append(range).append(". Received ");
    m.append(node_number(v));
    throw range_error(errc::out_of_range, m);
}

/// A string as util.inspect quotes it in Node's messages: single quotes (double quotes
/// when the text has a single quote and no double one), control characters (C0, DEL and the
/// C1 range U+0080..U+009F) escaped; then, as ERR_INVALID_ARG_VALUE does, cut after 128
/// UTF-16 code units with "..." appended.
inline std::string inspect_string(std::string_view s) {
    const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
    const char q = dq ? '"' : '\'';
    std::string out(1, q);
    std::size_t units = 1; // UTF-16 code units in `out`, as JavaScript counts them
    bool full = false;     // past 128 units: cut there and "..." appended
    auto add = [&](std::string_view piece, std::size_t n) {
        if (full) return;
        if (units + n > 128) {
            // node: inspected.slice(0, 128) + '...' (an ASCII piece, such as an escape, may
            // be cut inside; a multi-byte character is left out whole)
            if (n == piece.size()) out.append(piece.substr(0, 128 - units));
            out += "...";
            full = true;
            return;
        }
        out.append(piece);
        units += n;
    };
    auto hex = [&](unsigned v) {
        char h[8];
        std::snprintf(h, sizeof h, "\\x%02X", v);
        add(h, 4);
    };
    for (std::size_t i = 0; i < s.size() && !full; ++i) {
        const char c = s[i];
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '\n':
            add("\\n", 2);
            continue;
        case '\t':
            add("\\t", 2);
            continue;
        case '\b':
            add("\\b", 2);
            continue;
        case '\f':
            add("\\f", 2);
            continue;
        case '\r':
            add("\\r", 2);
            continue;
        case '\\':
            add("\\\\", 2);
            continue;
        default:
            break;
        }
        if (c == q) {
            add(std::string{'\\', c}, 2);
        } else if (u < 0x20 || u == 0x7f) {
            hex(u);
        } else if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            hex(static_cast<unsigned char>(s[++i])); // U+0080..U+009F
        } else if (u >= 0x80) {
            // One UTF-8 sequence: one code unit, two for a 4-byte one (a surrogate pair).
            std::size_t len = u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC0 ? 2 : 1;
            len = std::min(len, s.size() - i);
            add(s.substr(i, len), len == 4 ? 2 : 1);
            i += len - 1;
        } else {
            add(std::string_view(&c, 1), 1);
        }
    }
    add(std::string_view(&q, 1), 1);
    return out;
}

/// Node's getValidatedPath: a path holding a NUL byte throws type_error
/// ERR_INVALID_ARG_VALUE ("The argument 'path' must be a string, Uint8Array, or URL without
/// null bytes. Received '...'"). The operating system would see the path cut at the NUL
/// and act on another file, so this is checked before anything else.
inline void validate_path(std::string_view path, std::string_view name = "path") {
    if (path.find('\0') == std::string_view::npos) return;
    std::string m = "The argument '";
    m.append(name).append("' must be a string, Uint8Array, or URL without null bytes. Received ");
    m.append(inspect_string(path));
    throw type_error(errc::invalid_arg_value, m);
}

/// Node's validateInt32(fd, 'fd', 0): a negative descriptor throws range_error
/// ERR_OUT_OF_RANGE at once (an int cannot exceed Node's upper bound, 2147483647).
inline void validate_fd(int fd) {
    if (fd < 0) throw_out_of_range("fd", ">= 0 && <= 2147483647", fd);
}

/// Node's fs.access/copyFile mode check: bits outside 0..7 throw ERR_OUT_OF_RANGE
/// ("mode is out of range: >= 0 && <= 7"; Node's own wording for this one).
inline void validate_mode_bits(int mode) {
    if (mode < 0 || mode > 7)
        throw range_error(errc::out_of_range, "mode is out of range: >= 0 && <= 7");
}

} // namespace costream::fs::detail
