// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// test/memory_duplex.hpp: memory_duplex, an in-memory duplex test stream with a scripted
// remote end and fault injection (short reads and writes, immediate or posted completion,
// remote close/reset, failure of the Nth operation).
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/timers.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <utility>

namespace costream::test {

/// How a memory_duplex behaves.
struct memory_duplex_options {
    /// Loopback: what is written comes out of the readable side unchanged (the same
    /// buffers, no copy), like a PassThrough; end() ends the readable side. Without it the
    /// written bytes go to the remote (written()) and the readable side gives what the test
    /// feeds with remote_write().
    bool loopback = false;
    /// Short reads: at most this many bytes per chunk the readable side pushes (longer
    /// chunks are split into views of the same memory).
    std::size_t max_read = std::numeric_limits<std::size_t>::max();
    /// Short writes: a write of more bytes is taken in pieces of this size, one operation
    /// each (its callback runs after the last piece).
    std::size_t max_write = std::numeric_limits<std::size_t>::max();
    /// Complete reads, writes and final posted to the loop's check phase (set_immediate)
    /// instead of inside do_read/do_write/do_final.
    bool posted = false;
    /// Fail the Nth operation (1-based; 0: never). Operations are counted in order over
    /// reads that deliver data or the end, write pieces and the final: a failing read
    /// destroys the stream with `fail_with`, a failing write or final calls its callback with
    /// it (so the stream emits 'error' then 'close').
    std::size_t fail_at = 0;
    /// A counter shared by several memory_duplex objects: when set, fail_at counts the
    /// operations of all of them together (to fail step N of a whole pipeline).
    std::shared_ptr<std::size_t> shared_operations{};
    /// The error of the failing operation (default: ECONNRESET, as a reset socket).
    boost::system::error_code fail_with = boost::asio::error::connection_reset;
    /// highWaterMark of both sides (default: Node's 16 KiB).
    std::optional<double> high_water_mark{};
    /// Node's allowHalfOpen (default true): with false, the readable side's 'end' ends the
    /// writable side (stream::basic_duplex's rule, as a net.Socket without allowHalfOpen).
    bool allow_half_open = true;
    /// Node's emitClose and autoDestroy of both sides.
    bool emit_close = true;
    bool auto_destroy = true;
};

/// An in-memory duplex stream of costream::buffer chunks for testing code that uses
/// streams (pipe, pipeline, your own protocol code) against every failure a real socket
/// can produce, deterministically.
///
/// Remote script (not loopback): remote_write(bytes) makes data readable, remote_end() is
/// the peer's end (EOF, 'end' after the data), remote_reset(ec) destroys the stream with an
/// error as a reset connection does, remote_close() destroys it without error (a premature
/// close for a reader). What the stream writes is collected in written().
///
/// Counters: operations() is the number of operations so far (to choose fail_at),
/// destroy_calls() how often do_destroy ran, close_events() how often 'close' was emitted.
///
/// It is a stream::duplex (Node's Duplex state machine: allowHalfOpen, auto-destroy once
/// both sides are done, 'error' once then 'close'); only its do_read/do_write/do_final/
/// do_destroy hooks are scripted here.
///
/// Lifetime: make it with memory_duplex::make(options) (a stream::ptr).
///
///     auto s = costream::test::memory_duplex::make({.max_read = 3, .fail_at = 4});
///     s->remote_write("hello world");
///     s->remote_end();
class memory_duplex : public stream::duplex {
public:
    /// The chunk type both ways.
    using chunk_type = costream::buffer;
    using R = stream::basic_readable<costream::buffer>;
    using W = stream::basic_writable<costream::buffer>;

    /// Creates a memory_duplex.
    static stream::ptr<memory_duplex> make(memory_duplex_options o = {}) {
        return stream::make<memory_duplex>(std::move(o));
    }

    explicit memory_duplex(memory_duplex_options o)
        : stream::duplex(duplex_options_of(o)), opts_(std::move(o)) {
        on_close_id_ = event_emitter::on("close", [this] { ++close_events_; });
    }

    // ---- the remote end --------------------------------------------------------------

    /// The peer sends `data`: it becomes readable (split by max_read).
    void remote_write(costream::buffer data) {
        if (data.size()) incoming_.push_back(std::move(data));
        deliver();
    }
    /// Same, from text.
    void remote_write(std::string_view text) { remote_write(costream::buffer::from(text)); }
    /// The peer ends its side: 'end' after the data already sent.
    void remote_end() {
        remote_ended_ = true;
        deliver();
    }
    /// The connection is reset: the stream is destroyed with `ec` ('error', 'close').
    void remote_reset(boost::system::error_code ec = boost::asio::error::connection_reset) {
        destroy(ec);
    }
    /// The connection closes without error before the end: 'close' only.
    void remote_close() { destroy(); }

    /// Everything written so far (not loopback), concatenated.
    const std::string& written() const noexcept { return written_; }
    /// Number of operations so far (see memory_duplex_options::fail_at).
    std::size_t operations() const noexcept { return ops_; }
    /// How many times do_destroy ran.
    std::size_t destroy_calls() const noexcept { return destroys_; }
    /// How many times 'close' was emitted.
    std::size_t close_events() const noexcept { return close_events_; }
    /// The options in force.
    const memory_duplex_options& options() const noexcept { return opts_; }

protected:
    void do_read(std::size_t) override {
        wants_ = true;
        deliver();
    }

    void do_write(costream::buffer&& chunk, W::write_callback cb) override {
        write_piece(std::move(chunk), std::move(cb));
    }

    void do_final(W::final_callback cb) override {
        complete([this, cb = std::move(cb)]() mutable {
            if (fail_now()) return cb(opts_.fail_with);
            if (opts_.loopback) {
                remote_ended_ = true;
                deliver();
            }
            cb();
        });
    }

    void do_destroy(const boost::system::error_code& ec,
                    stream_base::destroy_callback cb) override {
        ++destroys_;
        incoming_.clear();
        cb(ec);
    }

private:
    static stream::duplex_options duplex_options_of(const memory_duplex_options& o) {
        stream::duplex_options d;
        d.high_water_mark = o.high_water_mark;
        d.allow_half_open = o.allow_half_open;
        d.emit_close = o.emit_close;
        d.auto_destroy = o.auto_destroy;
        return d;
    }

    template <class F>
    void complete(F&& f) {
        if (!opts_.posted) {
            f();
            return;
        }
        costream::set_immediate(
            [keep = stream::ptr<memory_duplex>(this),
             fn = std::make_shared<std::decay_t<F>>(std::forward<F>(f))]() mutable { (*fn)(); });
    }

    bool fail_now() {
        ++ops_;
        const std::size_t n = opts_.shared_operations ? ++*opts_.shared_operations : ops_;
        return n == opts_.fail_at;
    }

    void write_piece(costream::buffer chunk, W::write_callback cb) {
        complete([this, chunk = std::move(chunk), cb = std::move(cb)]() mutable {
            if (destroyed()) return cb(make_error_code(errc::stream_destroyed));
            if (fail_now()) return cb(opts_.fail_with);
            costream::buffer rest;
            if (chunk.size() > opts_.max_write) {
                rest = chunk.subarray(opts_.max_write);
                chunk = chunk.subarray(0, opts_.max_write);
            }
            if (opts_.loopback) {
                incoming_.push_back(std::move(chunk));
                deliver();
            } else {
                written_.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
            }
            if (rest.size())
                write_piece(std::move(rest), std::move(cb));
            else
                cb();
        });
    }

    // Pushes what the remote sent while the readable side wants data.
    void deliver() {
        if (!wants_ || destroyed() || delivering_) return;
        if (incoming_.empty() && !remote_ended_) return;
        wants_ = false;
        delivering_ = true;
        complete([this] {
            delivering_ = false;
            if (destroyed()) return;
            if (fail_now()) {
                destroy(opts_.fail_with);
                return;
            }
            bool more = true;
            while (more && !incoming_.empty()) {
                costream::buffer& front = incoming_.front();
                costream::buffer piece;
                if (front.size() > opts_.max_read) {
                    piece = front.subarray(0, opts_.max_read);
                    front = front.subarray(opts_.max_read);
                } else {
                    piece = std::move(front);
                    incoming_.pop_front();
                }
                more = R::push(std::move(piece));
                if (opts_.max_read != std::numeric_limits<std::size_t>::max()) break;
            }
            if (incoming_.empty() && remote_ended_ && !eof_pushed_) {
                eof_pushed_ = true;
                R::push(nullptr);
            }
        });
    }

    memory_duplex_options opts_;
    std::deque<costream::buffer> incoming_;
    std::string written_;
    std::size_t ops_ = 0;
    std::size_t destroys_ = 0;
    std::size_t close_events_ = 0;
    listener_id on_close_id_;
    bool wants_ = false;
    bool delivering_ = false;
    bool remote_ended_ = false;
    bool eof_pushed_ = false;
};

} // namespace costream::test
