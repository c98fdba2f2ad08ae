// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/detail/validate.hpp: the argument checks Node's fs makes before any system call
// (lib/internal/fs/utils.js getValidatedPath, validateInt32 for descriptors, ...), so a
// wrong argument throws at once, on the caller's thread, with Node's code and message.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>

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
/// when the text has a single quote and no double one), control characters escaped.
inline std::string inspect_string(std::string_view s) {
    const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
    const char q = dq ? '"' : '\'';
    std::string out(1, q);
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '\n':
            out += "\\n";
            continue;
        case '\t':
            out += "\\t";
            continue;
        case '\b':
            out += "\\b";
            continue;
        case '\f':
            out += "\\f";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        default:
            break;
        }
        if (c == q) {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", u);
            out += hex;
        } else {
            out += c;
        }
    }
    out += q;
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
