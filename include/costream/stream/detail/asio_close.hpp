// What the Asio adapters (asio_readable, asio_writable, asio_duplex) share: closing the
// wrapped stream, cutting a read into a chunk, one gathered write.
#pragma once

#include <costream/buffer.hpp>
#include <costream/buffer_sequence.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>

#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstring>
#include <span>
#include <utility>

namespace costream::stream::detail {

/// Closes `stream` (or its lowest layer, for SSL and other layered streams), ignoring errors;
/// streams with neither are left alone. Used by the adapters' do_destroy.
template <class Stream>
void close_asio_stream(Stream& stream) {
    boost::system::error_code ignored;
    if constexpr (requires { stream.close(ignored); })
        stream.close(ignored);
    else if constexpr (requires { stream.lowest_layer().close(ignored); })
        stream.lowest_layer().close(ignored);
}

/// The chunk for the `n` bytes just read into `spare`. A read shorter than `small` is copied
/// into a right-sized buffer and the spare is kept for the next read (a short read must not
/// pin a whole read_size buffer); a longer one hands the spare on as a view, zero copy, and
/// leaves `spare` empty so the next read allocates.
inline costream::buffer take_read_chunk(costream::buffer& spare, std::size_t n, std::size_t small) {
    if (n < small) {
        auto chunk = costream::buffer::alloc_unsafe(n);
        std::memcpy(chunk.data(), spare.data(), n);
        return chunk;
    }
    auto chunk = spare.subarray(0, n);
    spare = costream::buffer();
    return chunk;
}

/// Node's writevGeneric: one async_write gathering every chunk. The span stays valid until
/// `cb` is called (writable's contract), so the write points into it: no vector, no copy.
/// `self` keeps the adapter alive; `closed` is its flag set by destroy(): a write that fails
/// because the stream was closed under it reports ERR_STREAM_DESTROYED, as Node does.
template <class Stream, class Self, class Callback>
void write_gathered(Stream& stream, std::span<costream::buffer> chunks, Self self,
                    const bool& closed, Callback cb) {
    boost::asio::async_write(
        stream,
        costream::asio_buffers(std::span<const costream::buffer>(chunks.data(), chunks.size())),
        [self = std::move(self), closed = &closed,
         cb = std::move(cb)](const boost::system::error_code& ec, std::size_t) mutable {
            // closed under it by destroy(): aborted, or EBADF on a continuation
            if (*closed && ec) {
                cb(make_error_code(errc::stream_destroyed));
                return;
            }
            cb(ec);
        });
}

} // namespace costream::stream::detail
