// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/asio_duplex.hpp: asio_duplex<Stream>, any Asio stream that is both an
// AsyncReadStream and an AsyncWriteStream (TCP socket, local stream socket, SSL stream) as
// one costream duplex, as Node's net.Socket is over libuv.
#pragma once

#include <costream/buffer.hpp>
#include <costream/buffer_sequence.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/stream/detail/asio_close.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstring>
#include <span>
#include <utility>

namespace costream::stream {

/// Options of an asio_duplex.
struct asio_duplex_options {
    /// Both sides' options. As Node's net.Socket, allow_half_open defaults to false: when
    /// the peer ends its side (end of file), end() is called on ours.
    duplex_options duplex = [] {
        duplex_options o;
        o.allow_half_open = false;
        return o;
    }();
    /// Bytes asked for by each async_read_some (libuv reads 64 KiB at a time).
    std::size_t read_size = 64 * 1024;
    /// A read shorter than read_size / small_read_divisor is copied into a right-sized
    /// buffer, so that a few bytes do not pin a whole read buffer while they wait in the
    /// readable queue (see asio_readable_options).
    std::size_t small_read_divisor = 4;
    /// At end(): shut the sending direction down (sockets: shutdown(send), a TCP FIN; Node's
    /// socket.end()) before 'finish'. Streams without shutdown(type, ec) (an ssl::stream)
    /// have no half-close: their end() only finishes the writable side, and the connection
    /// is closed when the stream is destroyed (auto_destroy, once both sides are done).
    bool shutdown_on_end = true;
};

/// A stream that is both an Asio AsyncReadStream and an AsyncWriteStream, as one costream
/// duplex of buffers: Node's net.Socket (and tls.TLSSocket over an ssl::stream).
///
/// Reading (the readable side): do_read() issues one async_read_some of read_size bytes and
/// pushes what arrived; the readable state machine calls do_read() again only while
/// readable_length is below high_water_mark, so reading stops while the consumer is behind
/// and resumes when it reads (backpressure reaches the peer through the socket's receive
/// window). End of file (asio::error::eof) is push(null): 'end'.
///
/// Writing (the writable side): one async_write at a time; what is written meanwhile is
/// queued by the writable state machine and handed over together to do_writev, which issues
/// ONE async_write over all of it as a gathered buffer sequence (writev; no copy, no
/// allocation: the chunks are the caller's buffers). end() -> do_final -> shutdown(send)
/// where the stream has it (half-close: the peer reads end of file, this side can still
/// read), then 'finish'.
///
/// allow_half_open (Node's net.Socket semantics, default false): when the peer's end of file
/// arrives, 'end' is emitted and end() is called on the writable side (after the queued
/// writes, a shutdown(send) answers the peer's FIN); with true, the writable side stays open
/// until the user calls end(). Once both sides are done the stream auto-destroys: the
/// socket is closed, 'close' is emitted.
///
/// Errors: a failed read (ECONNRESET when the peer reset the connection) or a failed write
/// (EPIPE, ECONNRESET) destroys the stream with that error ('error' once, then 'close';
/// node_code(ec) gives Node's code). destroy() closes the stream: a pending read completes
/// with operation_aborted (ignored), a pending write fails with ERR_STREAM_DESTROYED.
///
/// The stream must use the loop's executor (create it with loop.get_executor()), so that
/// completions run in the loop's poll phase and keep run() alive. Concurrency: at most one
/// read and one write are in flight, which every Asio stream (ssl::stream included) allows.
///
///     boost::asio::ip::tcp::socket sock(loop.get_executor());
///     sock.connect(endpoint);
///     using tcp_duplex = costream::stream::asio_duplex<boost::asio::ip::tcp::socket>;
///     auto s = costream::stream::make<tcp_duplex>(std::move(sock));
///     co_await costream::stream::pipeline(s, upper_case, s);    // an echo with a transform
template <class AsyncStream>
class asio_duplex : public duplex {
public:
    using stream_type = AsyncStream;
    /// The chunk type both ways.
    using chunk_type = costream::buffer;

    /// Takes ownership of `s`.
    explicit asio_duplex(AsyncStream s, const asio_duplex_options& o = {})
        : duplex(o.duplex), stream_(std::move(s)), read_size_(o.read_size ? o.read_size : 1),
          small_(o.small_read_divisor ? read_size_ / o.small_read_divisor : 0),
          shutdown_on_end_(o.shutdown_on_end) {}

    /// The wrapped stream.
    AsyncStream& next_layer() noexcept { return stream_; }
    /// Number of async_read_some calls issued (diagnostics and tests).
    std::size_t reads_issued() const noexcept { return reads_; }
    /// Number of async_write operations issued (one per do_write/do_writev).
    std::size_t writes_issued() const noexcept { return writes_; }

protected:
    // ---- readable side ----------------------------------------------------------------

    // node: net.js Socket.prototype._read -> tryReadStart
    void do_read(std::size_t) override {
        if (reading_ || closed_ || eof_) return;
        if (spare_.size() != read_size_) spare_ = costream::buffer::alloc_unsafe(read_size_);
        reading_ = true;
        ++reads_;
        stream_.async_read_some(costream::asio_mutable_buffer(spare_),
                                [s = ptr<asio_duplex>(this)](const boost::system::error_code& ec,
                                                             std::size_t n) { s->on_read(ec, n); });
    }

    // ---- writable side ----------------------------------------------------------------

    bool has_writev() const noexcept override { return true; }

    // node: stream_base_commons.js writevGeneric: one request for all buffered chunks
    void do_writev(std::span<costream::buffer> chunks, write_callback cb) override {
        if (closed_) {
            cb(make_error_code(errc::stream_destroyed));
            return;
        }
        ++writes_;
        detail::write_gathered(stream_, chunks, ptr<asio_duplex>(this), closed_, std::move(cb));
    }

    // node: net.js Socket.prototype._final -> shutdown (afterShutdown calls cb)
    void do_final(final_callback cb) override {
        if (shutdown_on_end_ && !closed_) {
            if constexpr (requires(boost::system::error_code & e) {
                              stream_.shutdown(boost::asio::socket_base::shutdown_send, e);
                          }) {
                boost::system::error_code ec;
                stream_.shutdown(boost::asio::socket_base::shutdown_send, ec);
                // node: a peer that is already gone is not an error of end() (ENOTCONN)
                if (ec == boost::asio::error::not_connected) ec = {};
                cb(ec);
                return;
            }
        }
        cb();
    }

    // ---- both ----------------------------------------------------------------------------

    // node: net.js Socket.prototype._destroy: close the handle
    void do_destroy(const boost::system::error_code& ec, destroy_callback cb) override {
        close_stream();
        cb(ec);
    }

    /// Closes the wrapped stream (idempotent).
    void close_stream() {
        if (closed_) return;
        closed_ = true;
        detail::close_asio_stream(stream_);
    }

private:
    void on_read(const boost::system::error_code& ec, std::size_t n) {
        reading_ = false;
        if (destroyed()) return;
        if (n > 0) {
            push(detail::take_read_chunk(spare_, n, small_));
            if (destroyed()) return;
        }
        if (ec == boost::asio::error::eof) {
            // node: net.js onStreamRead at UV_EOF: push(null); the duplex ends the writable
            // side next if allowHalfOpen is false
            eof_ = true;
            push(nullptr);
        } else if (ec) {
            destroy(ec);
        } else if (n == 0) {
            // a zero-byte read without error: ask again while the machine wants more
            if (!readable_ended_pushed() && readable_length() < readable_high_water_mark())
                do_read(0);
        }
    }

    AsyncStream stream_;
    std::size_t read_size_;
    std::size_t small_;
    costream::buffer spare_;
    std::size_t reads_ = 0;
    std::size_t writes_ = 0;
    bool shutdown_on_end_;
    bool reading_ = false;
    bool closed_ = false;
    bool eof_ = false;
};

} // namespace costream::stream
