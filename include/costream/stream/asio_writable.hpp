// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/asio_writable.hpp: asio_writable<Stream>, any Asio AsyncWriteStream (socket, pipe,
// stream_file, SSL stream) as a costream writable whose queued chunks go out in one
// gathered write.
#pragma once

#include <costream/buffer.hpp>
#include <costream/buffer_sequence.hpp>
#include <costream/config.hpp>
#include <costream/error.hpp>
#include <costream/stream/detail/asio_close.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/writable.hpp>

#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <span>
#include <utility>

namespace costream::stream {

/// Options of an asio_writable.
struct asio_writable_options {
    /// The writable side (high_water_mark default 16 KiB, as Node's sockets).
    writable_options writable{};
    /// At end(): shut the sending direction down (sockets: shutdown(send), the peer reads
    /// end of file; Node's socket.end()) before 'finish'. Streams without shutdown() are
    /// closed by destroy() after 'finish' instead (auto_destroy), as fs.WriteStream does.
    bool shutdown_on_end = true;
};

/// Any Asio AsyncWriteStream as Node's Writable of buffers (net.Socket's and
/// fs.WriteStream's writing side).
///
/// Writes go out with one asio::async_write each; while one is in flight, later writes are
/// queued by the writable state machine and then handed over together to do_writev, which
/// issues ONE async_write over all of them as a gathered buffer sequence (writev; Asio
/// gathers up to 64 buffers per system call), without copying or allocating: the chunks
/// are the caller's buffers. cork()/uncork() batch explicitly. A short write is continued by
/// async_write; an error fails the write and destroys the stream ('error', 'close').
/// end() → do_final: shutdown(send) where the stream has it. destroy() closes the stream.
///
/// The stream must use the loop's executor (create it with loop.get_executor()).
///
///     boost::asio::writable_pipe p(loop.get_executor());
///     auto w =
///     costream::stream::make<costream::stream::asio_writable<boost::asio::writable_pipe>>(std::move(p));
///     w->write("hello\n");
///     w->end();
template <class AsyncWriteStream>
class asio_writable : public writable {
public:
    using stream_type = AsyncWriteStream;

    /// Takes ownership of `s`.
    explicit asio_writable(AsyncWriteStream s, const asio_writable_options& o = {})
        : writable(o.writable), stream_(std::move(s)), shutdown_on_end_(o.shutdown_on_end) {}

    /// The wrapped stream.
    AsyncWriteStream& next_layer() noexcept { return stream_; }
    /// Number of async_write operations issued (one per do_write/do_writev).
    std::size_t writes_issued() const noexcept { return writes_; }

protected:
    bool has_writev() const noexcept override { return true; }

    // node: stream_base_commons.js writevGeneric: one request for all buffered chunks
    void do_writev(std::span<costream::buffer> chunks, write_callback cb) override {
        if (closed_) {
            cb(make_error_code(errc::stream_destroyed));
            return;
        }
        ++writes_;
        detail::write_gathered(stream_, chunks, ptr<asio_writable>(this), closed_, std::move(cb));
    }

    // node: net.js Socket.prototype._final -> shutdown
    void do_final(final_callback cb) override {
        if (shutdown_on_end_) {
            if constexpr (requires { stream_.shutdown(boost::asio::socket_base::shutdown_send); }) {
                boost::system::error_code ec;
                stream_.shutdown(boost::asio::socket_base::shutdown_send, ec);
                // a peer that already went away is not an error of ours (Node ignores
                // ENOTCONN here)
                if (ec == boost::asio::error::not_connected) ec = {};
                cb(ec);
                return;
            }
        }
        cb();
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
    AsyncWriteStream stream_;
    bool shutdown_on_end_;
    std::size_t writes_ = 0;
    bool closed_ = false;
};

} // namespace costream::stream
