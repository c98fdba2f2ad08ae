// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/asio_readable.hpp: asio_readable<Stream>, any Asio AsyncReadStream (socket, pipe,
// stream_file, SSL stream) as a costream readable of buffers.
#pragma once

#include <costream/buffer.hpp>
#include <costream/buffer_sequence.hpp>
#include <costream/config.hpp>
#include <costream/error.hpp>
#include <costream/stream/detail/asio_close.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstring>
#include <utility>

namespace costream::stream {

/// Options of an asio_readable.
struct asio_readable_options {
    /// The readable side (high_water_mark default 16 KiB, as Node's sockets).
    readable_options readable{};
    /// Bytes asked for by each async_read_some (Node/libuv read 64 KiB at a time).
    std::size_t read_size = 64 * 1024;
    /// A read shorter than read_size / small_read_divisor is copied into a right-sized
    /// (pooled) buffer so that a few bytes do not pin a whole read buffer while they wait
    /// in the stream's queue; the read buffer is then reused for the next read. Longer reads
    /// are pushed as they are (no copy).
    std::size_t small_read_divisor = 4;
};

/// Any Asio AsyncReadStream as Node's Readable of buffers: what net.Socket and
/// fs.ReadStream do over libuv.
///
/// do_read() issues one async_read_some into a buffer of read_size bytes and pushes what
/// arrived; the readable state machine asks for the next read only while readable_length
/// is below high_water_mark, so nothing is read while the consumer is behind (backpressure
/// reaches the kernel: the socket's receive window fills). End of file (asio::error::eof)
/// is push(null): 'end'. Any other error destroys the stream with it ('error', 'close').
/// destroy() closes the underlying stream (a pending read completes with
/// operation_aborted, which is ignored).
///
/// The stream must use the loop's executor (create it with loop.get_executor()), so that
/// completions run in the loop's poll phase and keep run() alive.
///
///     boost::asio::readable_pipe p(loop.get_executor());
///     auto r =
///     costream::stream::make<costream::stream::asio_readable<boost::asio::readable_pipe>>(std::move(p));
///     r->on("data", [](const costream::buffer& b) { ... });
template <class AsyncReadStream>
class asio_readable : public readable {
public:
    using stream_type = AsyncReadStream;

    /// Takes ownership of `s`.
    explicit asio_readable(AsyncReadStream s, const asio_readable_options& o = {})
        : readable(o.readable), stream_(std::move(s)), read_size_(o.read_size ? o.read_size : 1),
          small_(o.small_read_divisor ? read_size_ / o.small_read_divisor : 0) {}

    /// The wrapped stream.
    AsyncReadStream& next_layer() noexcept { return stream_; }
    /// Number of async_read_some calls issued (diagnostics and tests).
    std::size_t reads_issued() const noexcept { return reads_; }

protected:
    // node: net.js Socket.prototype._read -> tryReadStart
    void do_read(std::size_t) override {
        if (reading_ || closed_) return;
        if (spare_.size() != read_size_) spare_ = costream::buffer::alloc_unsafe(read_size_);
        reading_ = true;
        ++reads_;
        stream_.async_read_some(
            costream::asio_mutable_buffer(spare_),
            [s = ptr<asio_readable>(this)](const boost::system::error_code& ec, std::size_t n) {
                s->on_read(ec, n);
            });
    }

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
            push(nullptr);
        } else if (ec) {
            destroy(ec);
        } else if (n == 0) {
            // a zero-byte read without error: ask again when the machine wants more
            if (!readable_ended_pushed() && readable_length() < readable_high_water_mark())
                do_read(0);
        }
    }

    AsyncReadStream stream_;
    std::size_t read_size_;
    std::size_t small_;
    costream::buffer spare_;
    std::size_t reads_ = 0;
    bool reading_ = false;
    bool closed_ = false;
};

} // namespace costream::stream
