// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/concepts.hpp: the consumer-side concepts readable_stream, writable_stream and
// duplex_stream: what code that only reads or writes a stream may rely on.
#pragma once

#include <costream/config.hpp>
#include <costream/promise.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace costream::stream {

namespace detail {

/// A completion token that initiates nothing and gives back the operation's completion
/// signature as std::type_identity<Sig>: lets a concept read the signature of an Asio
/// initiating function without instantiating its work (a wrong guess is then `false`, not
/// a hard error inside the function body).
struct signature_probe_t {};
inline constexpr signature_probe_t signature_probe{};

template <class S>
struct read_chunk_of {};
template <class S>
requires(
    requires { typename S::chunk_type; } &&
    !requires { typename S::out_chunk; }) struct read_chunk_of<S> {
    using type = typename S::chunk_type;
};
template <class S>
requires requires {
    typename S::out_chunk;
}
struct read_chunk_of<S> {
    using type = typename S::out_chunk;
};

template <class S>
struct write_chunk_of {};
template <class S>
requires(
    requires { typename S::chunk_type; } &&
    !requires { typename S::in_chunk; }) struct write_chunk_of<S> {
    using type = typename S::chunk_type;
};
template <class S>
requires requires {
    typename S::in_chunk;
}
struct write_chunk_of<S> {
    using type = typename S::in_chunk;
};

} // namespace detail

/// The chunk type read from S: `S::out_chunk` (a duplex, whose sides may differ), else
/// `S::chunk_type`.
template <class S>
using read_chunk_t = typename detail::read_chunk_of<std::remove_cvref_t<S>>::type;
/// The chunk type written to S: `S::in_chunk` (a duplex), else `S::chunk_type`.
template <class S>
using write_chunk_t = typename detail::write_chunk_of<std::remove_cvref_t<S>>::type;

/// A stream that can be awaited for its next chunk of type Chunk, or nothing at its end:
/// `s.async_read(token)` is an Asio initiating function with the completion signature
/// void(error_code, std::optional<Chunk>) (empty optional: the end; an error_code: the
/// stream failed), so that `co_await s.async_read(costream::use_promise)` (or any Asio
/// token) gives the next chunk. Node equivalent: an async iterable of chunks.
template <class S, class Chunk>
concept readable_stream_of = requires(S& s) {
    {
        s.async_read(detail::signature_probe)
        }
        -> std::same_as<std::type_identity<void(boost::system::error_code, std::optional<Chunk>)>>;
    s.async_read(costream::use_promise);
};

/// A stream that accepts chunks of type Chunk and an end: `s.async_write(chunk, token)`
/// completes once the stream can take more (backpressure) and `s.async_end(token)` once all
/// was written, both with the signature void(error_code). Node equivalent: a Writable
/// driven by `write()` + 'drain' and `end()`.
template <class S, class Chunk>
concept writable_stream_of = requires(S& s, Chunk c) {
    {
        s.async_write(std::move(c), detail::signature_probe)
        } -> std::same_as<std::type_identity<void(boost::system::error_code)>>;
    {
        s.async_end(detail::signature_probe)
        } -> std::same_as<std::type_identity<void(boost::system::error_code)>>;
    s.async_write(std::move(c), costream::use_promise);
    s.async_end(costream::use_promise);
};

/// readable_stream_of for S's own read chunk type (read_chunk_t<S>).
///
///     template <costream::stream::readable_stream R>
///     costream::promise<std::size_t> count(R& r) {
///         std::size_t n = 0;
///         while (auto c = co_await r.async_read()) ++n;
///         co_return n;
///     }
template <class S>
concept readable_stream = requires {
    typename read_chunk_t<S>;
}
&&readable_stream_of<std::remove_cvref_t<S>, read_chunk_t<S>>;

/// writable_stream_of for S's own write chunk type (write_chunk_t<S>).
template <class S>
concept writable_stream = requires {
    typename write_chunk_t<S>;
}
&&writable_stream_of<std::remove_cvref_t<S>, write_chunk_t<S>>;

/// Both: a stream read from and written to (Node's Duplex; the two chunk types may differ).
template <class S>
concept duplex_stream = readable_stream<S> && writable_stream<S>;

} // namespace costream::stream

/// The signature probe's async_result: initiate() does not run the initiation.
template <class Sig>
struct boost::asio::async_result<costream::stream::detail::signature_probe_t, Sig> {
    using return_type = std::type_identity<Sig>;
    template <class Initiation, class... Args>
    static return_type initiate(Initiation&&, costream::stream::detail::signature_probe_t,
                                Args&&...) {
        return {};
    }
};
