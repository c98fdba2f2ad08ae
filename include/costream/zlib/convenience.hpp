// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib/convenience.hpp: the one-shot functions zlib.gzip/gunzip/deflate/inflate/deflateRaw/
// inflateRaw/unzip (on the thread pool, with a completion token) and their *_sync variants.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>
#include <costream/zlib/detail/engine.hpp>
#include <costream/zlib/error.hpp>
#include <costream/zlib/options.hpp>

#include <boost/system/system_error.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace costream::zlib {

namespace detail {

[[noreturn]] inline void throw_buffer_too_large(std::size_t max) {
    throw range_error(errc::buffer_too_large,
                      "Cannot create a Buffer larger than " + std::to_string(max) + " bytes");
}

// node: zlib.js processChunkSync, with finishFlush over the whole input. Every zlib call
// gets exactly chunk_size bytes of output space, as in Node (zlib's stored blocks are cut by
// avail_out, so this is what makes level 0 output byte-identical). Node writes each call's
// output into a fresh chunk_size buffer and concatenates them at the end; here the calls
// write one after another into one buffer that grows geometrically (no final copy).
inline costream::buffer process_sync(const resolved_options& r,
                                     std::span<const std::uint8_t> input) {
    engine e(r);
    if (e.init_failed())
        throw costream::error(errc::zlib_initialization_failed, "Initialization failed");
    const std::size_t chunk = r.chunk_size;
    const bool compress = !is_inflate_side(r.mode);
    std::size_t cap =
        compress ? ::compressBound(static_cast<uLong>(input.size())) + 64 : input.size() * 4;
    cap = std::max(std::min<std::size_t>(cap, std::size_t(64) << 20), chunk);
    costream::buffer out = costream::buffer::alloc_unsafe_slow(cap);
    std::size_t nread = 0;
    const std::uint8_t* in = input.data();
    std::size_t in_len = input.size();
    for (;;) {
        if (out.size() - nread < chunk) {
            costream::buffer bigger =
                costream::buffer::alloc_unsafe_slow(std::max(out.size() * 2, nread + chunk));
            std::memcpy(bigger.data(), out.data(), nread);
            out = std::move(bigger);
        }
        e.write(r.finish_flush, in, in_len, out.data() + nread, chunk);
        if (auto ec = e.error()) throw boost::system::system_error(ec);
        const std::size_t avail_out_after = e.avail_out();
        const std::size_t avail_in_after = e.avail_in();
        nread += chunk - avail_out_after;
        if (nread > r.max_output_length) throw_buffer_too_large(r.max_output_length);
        in += in_len - avail_in_after;
        in_len = avail_in_after;
        if (avail_out_after != 0) break;
    }
    if (nread == 0) return costream::buffer();
    // Do not pin a mostly empty estimate (compressBound vs. the real ratio): one copy.
    if (out.size() > 2 * nread + chunk) return costream::buffer::from(out.subarray(0, nread));
    return out.subarray(0, nread);
}

inline std::span<const std::uint8_t> bytes_of(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <class CompletionToken>
auto async_process(zlib::mode m, costream::buffer input, const options& o,
                   CompletionToken&& token) {
    // Bad options throw here, at once, as Node's constructor does.
    resolved_options r = resolve(m, o);
    return costream::offload(
        [input = std::move(input), r = std::move(r)]() { return process_sync(r, input); },
        std::forward<CompletionToken>(token));
}

template <class T>
concept not_options = !std::is_convertible_v<std::decay_t<T>, options>;

} // namespace detail

// One-shot functions. Each X(input, options, token) runs the whole (de)compression on the
// thread pool and completes with void(std::exception_ptr, costream::buffer): on failure the
// exception is a boost::system::system_error whose code() is the zlib error (node_code
// "Z_DATA_ERROR", message "incorrect header check", ...), or a range_error
// ERR_BUFFER_TOO_LARGE past options.max_output_length. The default token is
// costream::use_promise: `co_await zlib::gzip(buf)`, or `.then(...)`. Bad options throw at
// once. X_sync(input, options) does the same work on the calling thread and throws.
// Node equivalents: zlib.gzip(buf, options, callback), zlib.gzipSync(buf, options), ...
// Output bytes are Node's for the same input and options (same zlib, same flush calls).

#define COSTREAM_ZLIB_ONE_SHOT(name, m)                                                            \
    inline costream::buffer name##_sync(std::span<const std::uint8_t> input,                       \
                                        const options& o = {}) {                                   \
        return detail::process_sync(detail::resolve(m, o), input);                                 \
    }                                                                                              \
    inline costream::buffer name##_sync(const costream::buffer& input, const options& o = {}) {    \
        return detail::process_sync(detail::resolve(m, o), std::span<const std::uint8_t>(input));  \
    }                                                                                              \
    inline costream::buffer name##_sync(std::string_view input, const options& o = {}) {           \
        return detail::process_sync(detail::resolve(m, o), detail::bytes_of(input));               \
    }                                                                                              \
    template <class CompletionToken = costream::use_promise_t>                                     \
    auto name(costream::buffer input, const options& o, CompletionToken&& token = {}) {            \
        return detail::async_process(m, std::move(input), o,                                       \
                                     std::forward<CompletionToken>(token));                        \
    }                                                                                              \
    template <detail::not_options CompletionToken = costream::use_promise_t>                       \
    auto name(costream::buffer input, CompletionToken&& token = {}) {                              \
        return detail::async_process(m, std::move(input), options{},                               \
                                     std::forward<CompletionToken>(token));                        \
    }

/// zlib.gzip / zlib.gzipSync.
COSTREAM_ZLIB_ONE_SHOT(gzip, mode::gzip)
/// zlib.gunzip / zlib.gunzipSync (multi-member input decodes to the concatenation).
COSTREAM_ZLIB_ONE_SHOT(gunzip, mode::gunzip)
/// zlib.deflate / zlib.deflateSync.
COSTREAM_ZLIB_ONE_SHOT(deflate, mode::deflate)
/// zlib.inflate / zlib.inflateSync.
COSTREAM_ZLIB_ONE_SHOT(inflate, mode::inflate)
/// zlib.deflateRaw / zlib.deflateRawSync.
COSTREAM_ZLIB_ONE_SHOT(deflate_raw, mode::deflate_raw)
/// zlib.inflateRaw / zlib.inflateRawSync.
COSTREAM_ZLIB_ONE_SHOT(inflate_raw, mode::inflate_raw)
/// zlib.unzip / zlib.unzipSync (gzip or zlib format, detected).
COSTREAM_ZLIB_ONE_SHOT(unzip, mode::unzip)

#undef COSTREAM_ZLIB_ONE_SHOT

} // namespace costream::zlib
