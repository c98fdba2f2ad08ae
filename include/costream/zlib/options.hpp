// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib/options.hpp: zlib::options (Node's zlib options object), the constants Node exports
// as zlib.constants, and the validation Node applies to them.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/stream/duplex.hpp>

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace costream::zlib {

/// Node's zlib.constants that zlib.h does not define itself (zlib.h's macros Z_NO_FLUSH ...
/// Z_BLOCK, Z_DEFAULT_COMPRESSION, Z_FILTERED ... Z_FIXED have Node's names and values).
namespace constants {
inline constexpr int Z_MIN_LEVEL = -1;
inline constexpr int Z_MAX_LEVEL = 9;
inline constexpr int Z_MIN_WINDOWBITS = 8;
inline constexpr int Z_MAX_WINDOWBITS = 15;
inline constexpr int Z_DEFAULT_WINDOWBITS = 15;
inline constexpr int Z_MIN_MEMLEVEL = 1;
inline constexpr int Z_MAX_MEMLEVEL = 9;
inline constexpr int Z_DEFAULT_MEMLEVEL = 8;
inline constexpr std::size_t Z_MIN_CHUNK = 64;
inline constexpr std::size_t Z_DEFAULT_CHUNK = 16 * 1024;
} // namespace constants

/// Node's zlib options (`zlib.createGzip(options)`): every member is optional and takes
/// Node's default when left empty. Out-of-range values throw costream::range_error
/// ERR_OUT_OF_RANGE with Node's message when the stream (or one-shot call) is created.
/// `stream` passes the usual stream options (high_water_mark, ...); Node ignores
/// encoding and object mode for zlib streams, and so does costream.
struct options {
    std::optional<int> flush{};              ///< Node's flush (default Z_NO_FLUSH), 0..5
    std::optional<int> finish_flush{};       ///< Node's finishFlush (default Z_FINISH), 0..5
    std::optional<std::size_t> chunk_size{}; ///< Node's chunkSize (default 16 KiB), >= 64
    std::optional<int> window_bits{}; ///< Node's windowBits, 8..15 (9..15 for gzip); 0 = auto
    std::optional<int> level{};       ///< Node's level, -1..9 (compression only)
    std::optional<int> mem_level{};   ///< Node's memLevel, 1..9 (compression only)
    std::optional<int> strategy{};    ///< Node's strategy, 0..4 (compression only)
    std::optional<costream::buffer> dictionary{};   ///< Node's dictionary (deflate/inflate)
    std::optional<std::size_t> max_output_length{}; ///< Node's maxOutputLength (one-shot)
    stream::duplex_options stream{};                ///< high_water_mark etc. of the stream
};

/// The seven kinds of zlib stream (Node's binding modes).
enum class mode : std::uint8_t {
    deflate = 1,
    inflate,
    gzip,
    gunzip,
    deflate_raw,
    inflate_raw,
    unzip
};

namespace detail {

/// Options after Node's validation and defaults (zlib.js Zlib() and ZlibBase()).
struct resolved_options {
    zlib::mode mode;
    int flush = Z_NO_FLUSH;
    int finish_flush = Z_FINISH;
    std::size_t chunk_size = constants::Z_DEFAULT_CHUNK;
    int window_bits = constants::Z_DEFAULT_WINDOWBITS;
    int level = Z_DEFAULT_COMPRESSION;
    int mem_level = constants::Z_DEFAULT_MEMLEVEL;
    int strategy = Z_DEFAULT_STRATEGY;
    costream::buffer dictionary;
    std::size_t max_output_length = costream::buffer::max_length;
};

/// A number as Node's ERR_OUT_OF_RANGE prints it ("Received 9_007_199_254_740_992"): digits
/// grouped by '_' when |v| > 2**32 (internal/errors.js addNumericalSeparator).
inline std::string node_number(bool negative, unsigned long long magnitude) {
    std::string digits = std::to_string(magnitude);
    if (magnitude > (1ull << 32)) {
        std::string grouped;
        const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
        grouped.append(digits, 0, lead);
        for (std::size_t i = lead; i < digits.size(); i += 3)
            grouped.append("_").append(digits, i, 3);
        digits = std::move(grouped);
    }
    return negative ? "-" + digits : digits;
}

// node: zlib.js checkRangesOrGetDefault
template <class T>
T check_range(const std::optional<T>& v, std::string_view name, long long lo, long long hi, T def) {
    if (!v) return def;
    // Compared without converting an unsigned value (a size_t above LLONG_MAX) to a
    // negative one.
    bool negative = false;
    unsigned long long magnitude;
    if constexpr (std::is_signed_v<T>) {
        negative = *v < 0;
        magnitude = negative ? 0ull - static_cast<unsigned long long>(*v)
                             : static_cast<unsigned long long>(*v);
    } else {
        magnitude = static_cast<unsigned long long>(*v);
    }
    const bool below = negative
                           ? (lo >= 0 || magnitude > 0ull - static_cast<unsigned long long>(lo))
                           : (lo > 0 && magnitude < static_cast<unsigned long long>(lo));
    const bool above = !negative && (hi < 0 || magnitude > static_cast<unsigned long long>(hi));
    if (below || above)
        throw range_error(errc::out_of_range,
                          "The value of \"" + std::string(name) +
                              "\" is out of range. It must be >= " + std::to_string(lo) +
                              " and <= " + std::to_string(hi) + ". Received " +
                              node_number(negative, magnitude));
    return *v;
}

inline bool is_inflate_side(zlib::mode m) noexcept {
    return m == zlib::mode::inflate || m == zlib::mode::gunzip || m == zlib::mode::inflate_raw ||
           m == zlib::mode::unzip;
}

// node: zlib.js Zlib(opts, mode) + ZlibBase(opts, mode, handle, zlibDefaultOpts)
inline resolved_options resolve(zlib::mode m, const options& o) {
    resolved_options r;
    r.mode = m;
    if (o.chunk_size && *o.chunk_size < constants::Z_MIN_CHUNK)
        throw range_error(errc::out_of_range,
                          "The value of \"options.chunkSize\" is out of range. It must be >= 64. "
                          "Received " +
                              node_number(false, *o.chunk_size));
    r.chunk_size = o.chunk_size.value_or(constants::Z_DEFAULT_CHUNK);
    r.flush = check_range(o.flush, "options.flush", Z_NO_FLUSH, Z_BLOCK, Z_NO_FLUSH);
    r.finish_flush =
        check_range(o.finish_flush, "options.finishFlush", Z_NO_FLUSH, Z_BLOCK, Z_FINISH);
    r.max_output_length = check_range(o.max_output_length, "options.maxOutputLength", 1,
                                      static_cast<long long>(costream::buffer::max_length),
                                      costream::buffer::max_length);
    // windowBits 0 (or none) lets inflate read the window size from the stream header.
    if ((!o.window_bits || *o.window_bits == 0) &&
        (m == zlib::mode::inflate || m == zlib::mode::gunzip || m == zlib::mode::unzip)) {
        r.window_bits = 0;
    } else {
        const int min = constants::Z_MIN_WINDOWBITS + (m == zlib::mode::gzip ? 1 : 0);
        r.window_bits = check_range(o.window_bits, "options.windowBits", min,
                                    constants::Z_MAX_WINDOWBITS, constants::Z_DEFAULT_WINDOWBITS);
        // node: zlib.js DeflateRaw turns windowBits 8 into 9: zlib >= 1.2.9 refuses a
        // 256-byte window for raw deflate, and 9 gives a stream that only uses 8 bits of it.
        if (m == zlib::mode::deflate_raw && r.window_bits == 8) r.window_bits = 9;
    }
    r.level = check_range(o.level, "options.level", constants::Z_MIN_LEVEL, constants::Z_MAX_LEVEL,
                          Z_DEFAULT_COMPRESSION);
    r.mem_level = check_range(o.mem_level, "options.memLevel", constants::Z_MIN_MEMLEVEL,
                              constants::Z_MAX_MEMLEVEL, constants::Z_DEFAULT_MEMLEVEL);
    r.strategy = check_range(o.strategy, "options.strategy", Z_DEFAULT_STRATEGY, Z_FIXED,
                             Z_DEFAULT_STRATEGY);
    if (o.dictionary) r.dictionary = *o.dictionary;
    return r;
}

// node: zlib.js maxFlush / flushiness
inline int max_flush(int a, int b) noexcept {
    static constexpr int rank[6] = {0, 2, 3, 4, 5, 1}; // NO, PARTIAL, SYNC, FULL, FINISH, BLOCK
    return rank[a] > rank[b] ? a : b;
}

} // namespace detail

} // namespace costream::zlib
