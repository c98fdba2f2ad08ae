// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib/error.hpp: the error category of zlib failures. One error_code carries what Node's
// zlib error carries: `code` ("Z_DATA_ERROR"), `errno` (-3) and zlib's own message
// ("incorrect header check").
#pragma once

#include <costream/config.hpp>
#include <costream/error.hpp>

#include <boost/system/error_code.hpp>

#include <zlib.h>

#include <array>
#include <cstring>
#include <string>
#include <string_view>

namespace costream::zlib {

namespace detail {

// Every message zlib 1.2.x (inflate.c, inffast.c, deflate.c's z_errmsg) and Node's
// node_zlib.cc put into an error. An error_code value encodes (message index, zlib code), so
// the message survives in an error_code without a dynamic string. A message unknown to this
// table (another zlib version) falls back to index 0, "Zlib error", Node's generic message.
inline constexpr std::array<std::string_view, 39> messages{
    "Zlib error", // node: GetErrorInfo default
    "unexpected end of file",
    "Missing dictionary",
    "Bad dictionary",
    "Failed to set dictionary",
    "Failed to reset stream",
    "Init error",
    "Failed to set parameters",
    // inflate.c / inffast.c
    "incorrect header check",
    "unknown compression method",
    "invalid window size",
    "unknown header flags set",
    "header crc mismatch",
    "invalid block type",
    "invalid stored block lengths",
    "too many length or distance symbols",
    "invalid code lengths set",
    "invalid bit length repeat",
    "invalid code -- missing end-of-block",
    "invalid literal/lengths set",
    "invalid distances set",
    "invalid literal/length code",
    "invalid distance code",
    "invalid distance too far back",
    "incorrect data check",
    "incorrect length check",
    // zutil.c z_errmsg (deflate.c's ERR_MSG)
    "need dictionary",
    "stream end",
    "",
    "file error",
    "stream error",
    "data error",
    "insufficient memory",
    "buffer error",
    "incompatible version",
    // costream's parallel gzip
    "invalid parallel gzip block",
    "unexpected data after end of stream",
    "output too large",
    "operation aborted",
};

// zlib return codes run from Z_VERSION_ERROR (-6) to Z_NEED_DICT (2): stored as code + 8.
constexpr int code_bias = 8;
constexpr int code_span = 16;

inline std::string_view zlib_code_name(int code) noexcept {
    // node: node_zlib.cc ZlibStrerror
    switch (code) {
    case Z_OK:
        return "Z_OK";
    case Z_STREAM_END:
        return "Z_STREAM_END";
    case Z_NEED_DICT:
        return "Z_NEED_DICT";
    case Z_ERRNO:
        return "Z_ERRNO";
    case Z_STREAM_ERROR:
        return "Z_STREAM_ERROR";
    case Z_DATA_ERROR:
        return "Z_DATA_ERROR";
    case Z_MEM_ERROR:
        return "Z_MEM_ERROR";
    case Z_BUF_ERROR:
        return "Z_BUF_ERROR";
    case Z_VERSION_ERROR:
        return "Z_VERSION_ERROR";
    default:
        return "";
    }
}

class zlib_category final : public node_error_category {
public:
    constexpr zlib_category() noexcept : node_error_category(0x636f7a6c69624552ULL) {}
    const char* name() const noexcept override { return "costream.zlib"; }
    std::string message(int ev) const override {
        const auto i = static_cast<std::size_t>(ev / code_span);
        return std::string(i < messages.size() ? messages[i] : messages[0]);
    }
    std::string_view node_code(int ev) const noexcept override {
        return zlib_code_name(ev % code_span - code_bias);
    }
};

} // namespace detail

/// The category of zlib errors: node_code(ec) is Node's `err.code` ("Z_DATA_ERROR",
/// "Z_BUF_ERROR", ...), ec.message() is Node's `err.message` (zlib's own message, e.g.
/// "incorrect header check", or Node's "unexpected end of file"), error_errno(ec) is Node's
/// `err.errno` (-3, -5, ...).
inline const boost::system::error_category& zlib_category() noexcept {
    static constexpr detail::zlib_category cat;
    return cat;
}

/// The error_code for zlib return code `code` (Z_DATA_ERROR, ...) with message `message`
/// (one of zlib's or Node's messages; another text maps to Node's generic "Zlib error").
inline boost::system::error_code make_zlib_error(int code, std::string_view message) noexcept {
    std::size_t index = 0;
    for (std::size_t i = 0; i < detail::messages.size(); ++i)
        if (detail::messages[i] == message) {
            index = i;
            break;
        }
    return {static_cast<int>(index) * detail::code_span + (code + detail::code_bias),
            zlib_category()};
}

/// Node's `err.errno` of a zlib error (the zlib return code, e.g. -3 for Z_DATA_ERROR);
/// 0 for an error_code of another category.
inline int error_errno(const boost::system::error_code& ec) noexcept {
    if (ec.category() != zlib_category()) return 0;
    return ec.value() % detail::code_span - detail::code_bias;
}

} // namespace costream::zlib
