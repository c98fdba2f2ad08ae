// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/readable.hpp: basic_readable<Chunk>, Node's Readable (lib/internal/streams/readable.js)
// with its whole state machine, and its coroutine surface (async_read, iterate).
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/detail/chunk_traits.hpp>
#include <costream/stream/detail/pipe_hook.hpp>
#include <costream/stream/detail/ring.hpp>
#include <costream/stream/detail/small_function.hpp>
#include <costream/stream/detail/state.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/string_decoder.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace costream::stream {

struct pipe_options;

/// Options of a readable stream (Node's `new Readable(options)`).
struct readable_options {
    /// Node's highWaterMark: bytes (byte streams) or objects (object mode). Default 16384 /
    /// 16 (get_default_high_water_mark). A negative or fractional value, NaN or infinity
    /// throws type_error ERR_INVALID_ARG_VALUE.
    std::optional<double> high_water_mark{};
    /// Node's objectMode: count chunks instead of bytes. Always on for non-buffer chunks.
    bool object_mode = false;
    /// Node's encoding: as set_encoding() at construction.
    std::optional<costream::encoding> encoding{};
    /// Node's defaultEncoding: the encoding of strings given to push() without one.
    costream::encoding default_encoding = costream::encoding::utf8;
    /// Node's emitClose.
    bool emit_close = true;
    /// Node's autoDestroy: destroy() after 'end'.
    bool auto_destroy = true;
};

/// Node's Readable with chunks of type Chunk, for implementers: derive, override do_read()
/// (Node's _read) and push() data; consumers read with 'data' listeners, 'readable' +
/// read(), or co_await async_read()/iterate().
///
/// Node's state machine is ported function by function (each carries a `// node:` comment),
/// so events come in Node's order and on Node's queues: 'data' (flowing mode), 'readable',
/// 'pause'/'resume', 'end' (next tick after the last chunk was consumed), then 'close' (after
/// auto_destroy) or 'error' then 'close' (destroy(err)).
///
/// Chunks: with Chunk = costream::buffer (the `readable` alias) the high_water_mark counts
/// bytes unless object_mode is set, strings may be pushed with an encoding, and read(n)
/// returns exactly n bytes (coalescing or slicing chunks, slices share memory). Any other
/// Chunk type is always object mode. 'data' listeners take `const Chunk&`.
///
/// set_encoding(): 'data' listeners then take `const std::string&` (UTF-8 text decoded by a
/// string_decoder) and read() returns buffers holding that UTF-8 text. Differences from
/// Node: decoded text is counted in UTF-8 bytes, not UTF-16 code units, for readable_length
/// and high_water_mark; read(n) of decoded text counts bytes too.
///
/// Lifetime: create it with make<T>() (see ptr); not thread-safe (loop-bound).
///
///     struct counter : costream::stream::readable {
///         int i = 0;
///         void do_read(std::size_t) override {
///             if (++i <= 3) push(std::to_string(i)); else push(nullptr);
///         }
///     };
///     auto r = costream::stream::make<counter>();
///     r->on("data", [](const costream::buffer& b) { std::cout << b.to_string(); });
template <class Chunk>
class basic_readable : public virtual stream_base {
public:
    using chunk_type = Chunk;
    /// Whether chunks are bytes (costream::buffer).
    static constexpr bool byte_chunks = chunk_traits<Chunk>::bytes;

    class async_iterator;

    explicit basic_readable(const readable_options& opts = {})
        : basic_readable(opts, "options.highWaterMark", false) {}

    ~basic_readable() override = default;

    // ---- producer side (for implementers) ----------------------------------------------

    /// Node's push(chunk): adds a chunk to the buffer (or emits it at once in flowing mode).
    /// Returns false once readable_length reaches high_water_mark, or after the end: stop
    /// pushing until the next do_read(). A null chunk (chunk_traits::is_null) is push(null).
    bool push(Chunk chunk) {
        // No keep-alive reference here: add_chunk takes one where a listener runs.
        if (chunk_traits<Chunk>::is_null(chunk)) {
            ptr<stream_base> keep(this);
            return push_eof();
        }
        if (object_mode_bit()) return add_chunk_push_object(std::move(chunk));
        if constexpr (byte_chunks) return add_chunk_push_bytes(std::move(chunk), false);
        return false;
    }
    /// Node's push(null): the end of the data.
    bool push(std::nullptr_t) {
        ptr<stream_base> keep(this);
        return push_eof();
    }
    /// Node's push(string, encoding) for byte streams: the string is encoded (utf8 when no
    /// encoding is given and default_encoding says so), unless it is already in the
    /// set_encoding() encoding, in which case it is kept as text.
    bool push(std::string_view text, costream::encoding_arg enc = {}) requires byte_chunks {
        costream::encoding e = enc.resolve(default_encoding_, true);
        if (encoding_ && *encoding_ == e) {
            if (object_mode_bit()) return add_chunk_push_object(costream::buffer::from(text));
            return add_chunk_push_bytes(costream::buffer::from(text), true);
        }
        if (object_mode_bit()) return add_chunk_push_object(costream::buffer::from(text, e));
        return add_chunk_push_bytes(costream::buffer::from(text, e), false);
    }
    /// Same, for a string literal.
    template <std::size_t N>
    requires byte_chunks bool push(const char (&text)[N], costream::encoding_arg enc = {}) {
        return push(std::string_view(text, N - 1), enc);
    }

    /// Node's unshift(chunk): puts a chunk back at the front of the buffer. After 'end' it
    /// fails the stream with ERR_STREAM_UNSHIFT_AFTER_END_EVENT.
    bool unshift(Chunk chunk) {
        ptr<stream_base> keep(this);
        if (chunk_traits<Chunk>::is_null(chunk)) return push_eof();
        if constexpr (byte_chunks) {
            if (!object_mode_bit() && chunk.size() == 0) return can_push_more();
        }
        return add_chunk_unshift_value(std::move(chunk));
    }
    /// Node's unshift(string, encoding) for byte streams.
    bool unshift(std::string_view text, costream::encoding_arg enc = {}) requires byte_chunks {
        ptr<stream_base> keep(this);
        costream::encoding e = enc.resolve(default_encoding_, true);
        costream::buffer b;
        if (encoding_ && *encoding_ != e) {
            // node: Buffer.from(chunk, encoding).toString(state.encoding)
            b = costream::buffer::from(costream::buffer::from(text, e).to_string(*encoding_));
        } else if (encoding_) {
            b = costream::buffer::from(text);
        } else {
            b = costream::buffer::from(text, e);
        }
        if (!object_mode_bit() && b.size() == 0) return can_push_more();
        return add_chunk_unshift_value(std::move(b));
    }

    // ---- consumer side ------------------------------------------------------------------

    /// Node's read(): in paused mode, everything buffered (bytes, concatenated) or the next
    /// object; in flowing mode, the next chunk. Empty when nothing is buffered.
    std::optional<Chunk> read() {
        ptr<stream_base> keep(this);
        return read_impl(std::nullopt);
    }
    /// Node's read(n): exactly n bytes (byte mode) or nothing yet; at the end, what is left.
    /// n above high_water_mark raises it to the next power of two (ERR_OUT_OF_RANGE above
    /// 1 GiB). read(0) only triggers a refill. Object mode ignores n (except 0).
    std::optional<Chunk> read(std::size_t n) {
        ptr<stream_base> keep(this);
        return read_impl(n);
    }

    /// Zero-copy read(): the front chunk as it was pushed (the same costream::buffer, no
    /// concatenation), or empty when nothing is buffered. State transitions, refills and the
    /// 'data' event are read()'s (Node's read() with howMuchToRead giving the first chunk, as
    /// in flowing mode). In object mode it is read(). For consumers that take chunk by chunk
    /// (async iteration, pipeline stages) where Node's read() would copy.
    std::optional<Chunk> read_chunk() {
        ptr<stream_base> keep(this);
        return read_impl(std::nullopt, true);
    }

    /// Node's readable.pipe(destination, options): see stream::pipe() (pipe.hpp). Returns
    /// `dest`.
    template <class Dst>
    Dst& pipe(Dst& dest, const pipe_options& opts);
    /// Same, with the default options.
    template <class Dst>
    Dst& pipe(Dst& dest);
    /// Node's readable.unpipe(): see stream::unpipe() (pipe.hpp).
    basic_readable& unpipe();
    /// Node's readable.unpipe(destination): see stream::unpipe() (pipe.hpp).
    template <class Dst>
    basic_readable& unpipe(Dst& dest);

    /// Node's pause(): leaves flowing mode; emits 'pause' if it was flowing (or unset).
    basic_readable& pause() {
        ptr<stream_base> keep(this);
        // node: readable.js Readable.prototype.pause
        if ((rstate_.bits & (detail::k_has_flowing | detail::k_flowing)) != detail::k_has_flowing) {
            rstate_.set(detail::k_has_flowing);
            rstate_.clear(detail::k_flowing);
            this->emit_guarded("pause");
        }
        rstate_.set(detail::k_has_paused | detail::k_paused);
        return *this;
    }

    /// Node's resume(): enters flowing mode on the next tick ('resume' event, then 'data').
    basic_readable& resume() {
        ptr<stream_base> keep(this);
        // node: readable.js Readable.prototype.resume
        if (!rstate_.has(detail::k_flowing)) {
            rstate_.set(detail::k_has_flowing);
            if (!rstate_.has(detail::k_readable_listening))
                rstate_.set(detail::k_flowing);
            else
                rstate_.clear(detail::k_flowing);
            schedule_resume();
        }
        rstate_.set(detail::k_has_paused);
        rstate_.clear(detail::k_paused);
        return *this;
    }

    /// Node's isPaused().
    bool is_paused() const noexcept {
        return rstate_.has(detail::k_paused) ||
               (rstate_.bits & (detail::k_has_flowing | detail::k_flowing)) ==
                   detail::k_has_flowing;
    }

    /// Node's setEncoding(enc) for byte streams: 'data' then delivers `const std::string&`
    /// (UTF-8), and what is already buffered is decoded now.
    basic_readable& set_encoding(costream::encoding_arg enc) requires byte_chunks {
        costream::encoding e = enc.resolve(costream::encoding::utf8, true);
        // node: readable.js Readable.prototype.setEncoding
        decoder_.emplace(e);
        encoding_ = e;
        rstate_.set(detail::k_decoder);
        std::string content;
        while (!buffer_.empty()) {
            costream::buffer b = buffer_.pop_front();
            decoder_->write_into(content, std::span<const std::uint8_t>(b.data(), b.size()));
        }
        length_ = content.size();
        if (!content.empty()) buffer_.push_back(costream::buffer::adopt(std::move(content)));
        return *this;
    }

    // ---- listeners with Node's Readable.prototype.on semantics -------------------------

    /// Node's on(): adding 'data' starts flowing (unless paused explicitly), adding
    /// 'readable' switches to paused mode and schedules a 'readable' event.
    template <class F>
    listener_id on(std::string_view ev, F&& f) {
        listener_id id = event_emitter::on(ev, std::forward<F>(f));
        after_add_listener(ev);
        return id;
    }
    /// Same as on().
    template <class F>
    listener_id add_listener(std::string_view ev, F&& f) {
        return on(ev, std::forward<F>(f));
    }
    /// Node's once() (goes through on(), as in Node).
    template <class F>
    listener_id once(std::string_view ev, F&& f) {
        listener_id id = event_emitter::once(ev, std::forward<F>(f));
        after_add_listener(ev);
        return id;
    }
    /// Node's removeListener(): removing the last 'data' listener clears dataListening;
    /// removing 'readable' re-evaluates flowing on the next tick.
    bool off(std::string_view ev, listener_id id) {
        bool r = event_emitter::off(ev, id);
        after_remove_listener(ev);
        return r;
    }
    /// Same as off().
    bool remove_listener(std::string_view ev, listener_id id) { return off(ev, id); }
    /// Node's removeAllListeners(ev).
    void remove_all_listeners(std::string_view ev) {
        event_emitter::remove_all_listeners(ev);
        if (ev == "readable") schedule_update_readable_listening();
        if (ev == "data") rstate_.clear(detail::k_data_listening);
    }
    /// Node's removeAllListeners().
    void remove_all_listeners() {
        event_emitter::remove_all_listeners();
        rstate_.clear(detail::k_data_listening);
        schedule_update_readable_listening();
    }

    // ---- coroutine surface --------------------------------------------------------------

    /// The next chunk, or an empty optional at the end; fails with the stream's error.
    /// Built like Node's async iterator ('readable' + read()), but without destroying the
    /// stream when the caller stops early: use iterate() for Node's for-await semantics.
    /// An Asio initiating function, signature void(error_code, std::optional<Chunk>); the
    /// default token returns a costream::promise. Never completes inside the call; a chunk
    /// that is already buffered resumes the caller as a microtask.
    template <class CompletionToken = costream::use_promise_t>
    auto async_read(CompletionToken&& token = {});

    /// Node's `for await (const chunk of stream)`: an RAII iterator whose next() gives the
    /// next chunk or an empty optional at the end. Leaving early (the iterator destroyed
    /// before the end: break, return, exception) destroys the stream with AbortError, as
    /// Node's iterator return() does; an error of the stream fails next().
    ///
    ///     auto it = r->iterate();
    ///     while (auto chunk = co_await it.next()) use(*chunk);
    async_iterator iterate();

    // ---- state (Node's names) -----------------------------------------------------------

    /// Node's readableLength: bytes (or objects) buffered.
    std::size_t readable_length() const noexcept { return length_; }
    /// Node's readableHighWaterMark.
    std::size_t readable_high_water_mark() const noexcept { return hwm_; }
    /// Node's readableObjectMode.
    bool readable_object_mode() const noexcept { return object_mode_bit(); }
    /// Node's readableFlowing: nullopt (no consumer yet), true, false.
    std::optional<bool> readable_flowing() const noexcept {
        if (!rstate_.has(detail::k_has_flowing)) return std::nullopt;
        return rstate_.has(detail::k_flowing);
    }
    /// Node's readableEnded: 'end' was emitted.
    bool readable_ended() const noexcept { return rstate_.has(detail::k_end_emitted); }
    /// Node's readableAborted: destroyed or errored before 'end'.
    bool readable_aborted() const noexcept {
        return !rstate_.has(detail::k_side_disabled) &&
               (rstate_.has(detail::k_destroyed) || rstate_.errored()) &&
               !rstate_.has(detail::k_end_emitted);
    }
    /// Node's readableDidRead: 'data' was emitted at least once.
    bool readable_did_read() const noexcept { return rstate_.has(detail::k_data_emitted); }
    /// Node's readableEncoding (nullopt for null).
    std::optional<costream::encoding> readable_encoding() const noexcept { return encoding_; }
    /// Node's readable: true until destroyed, errored or ended.
    bool is_readable() const noexcept {
        return !rstate_.has(detail::k_side_disabled) && !rstate_.has(detail::k_destroyed) &&
               !rstate_.has(detail::k_error_emitted) && !rstate_.has(detail::k_end_emitted);
    }
    /// The raw state bits (readable.js kState layout, see detail/state.hpp), for tests and
    /// for stream utilities (pipe, finished) built on top.
    std::uint32_t readable_state_bits() const noexcept { return rstate_.bits; }
    /// Whether the end of the data was pushed (Node's _readableState.ended).
    bool readable_ended_pushed() const noexcept { return rstate_.has(detail::k_ended); }

    /// For pipe.hpp: the source's pipe bookkeeping (Node's state.pipes and
    /// state.awaitDrainWriters), a non-owning pointer that pipe() sets and clears. The
    /// readable calls its clear_await_drain() each time it hands out data, as Node resets
    /// awaitDrainWriters in addChunk() and read().
    detail::pipe_hook*& readable_pipe_hook() noexcept { return pipe_hook_; }

    /// For pipe.hpp: Node's pipe `ondata` as a typed call. While the 'data' event's only
    /// listener is the one with id `id` (the pipe's own), a chunk that the readable hands out
    /// and does not keep (addChunk's direct emit, flow()) goes to fn(ctx, std::move(chunk))
    /// instead of through the generic emit: moved, not copied, and no listener dispatch. `fn`
    /// must do what that listener does. With any other 'data' listener present (or none),
    /// 'data' is emitted as before; read() always emits (it returns the chunk too).
    void set_readable_pipe_data(listener_id id, void (*fn)(void*, Chunk&&), void* ctx) noexcept {
        pipe_data_id_ = id.value();
        pipe_data_fn_ = fn;
        pipe_data_ctx_ = ctx;
    }
    /// For pipe.hpp: forgets the typed ondata if it is listener `id`'s.
    void clear_readable_pipe_data(listener_id id) noexcept {
        if (pipe_data_id_ == id.value()) set_readable_pipe_data({}, nullptr, nullptr);
    }

protected:
    /// Node's _read(size): produce data with push(), now or later; do_read is not called
    /// again until push() was called. The default fails with ERR_METHOD_NOT_IMPLEMENTED.
    virtual void do_read(std::size_t size) {
        (void)size;
        error_or_destroy(make_error_code(errc::method_not_implemented));
    }

    /// Used by duplex: readable side options with Node's duplex key rules.
    basic_readable(const readable_options& opts, std::string_view hwm_name, bool disabled)
        : default_encoding_(opts.default_encoding) {
        rs_ = &rstate_;
        rstate_.bits =
            detail::k_emit_close | detail::k_auto_destroy | detail::k_constructed | detail::k_sync;
        const bool om = opts.object_mode || !byte_chunks;
        if (om) rstate_.set(detail::k_object_mode);
        hwm_ = detail::get_high_water_mark(opts.high_water_mark, hwm_name, om);
        if (!opts.emit_close) rstate_.clear(detail::k_emit_close);
        if (!opts.auto_destroy) rstate_.clear(detail::k_auto_destroy);
        if (disabled) rstate_.set(detail::k_side_disabled | detail::k_end_emitted);
        if constexpr (byte_chunks) {
            if (opts.encoding) {
                decoder_.emplace(*opts.encoding);
                encoding_ = opts.encoding;
                rstate_.set(detail::k_decoder);
            }
        }
    }

    bool readable_side_open() const noexcept override {
        return is_readable() && !rstate_.has(detail::k_end_emitted);
    }

    /// Used by transform: Node's `this._readableState.sync = false`.
    void clear_readable_sync() noexcept { rstate_.clear(detail::k_sync); }

    /// For duplex: whether 'end' must end the writable side (allowHalfOpen false).
    virtual bool end_writable_after_end() const noexcept { return false; }
    /// For duplex: node: duplex.js / readable.js endWritableNT.
    virtual void end_writable_nt() {}

    detail::side_state rstate_;

private:
    template <class>
    friend class basic_readable_iter_access;
    struct iter_state;

    bool object_mode_bit() const noexcept { return rstate_.has(detail::k_object_mode); }

    static std::size_t size_of(const Chunk& c) noexcept {
        if constexpr (byte_chunks)
            return c.size();
        else
            return 1;
    }

    bool push_eof() {
        rstate_.clear(detail::k_reading);
        on_eof_chunk();
        return false;
    }

    // node: readable.js canPushMore
    bool can_push_more() const noexcept {
        return !rstate_.has(detail::k_ended) && (length_ < hwm_ || length_ == 0);
    }

    // node: readable.js readableAddChunkPushByteMode (from a Buffer, or a string already
    // in the decoder's encoding when `text`)
    bool add_chunk_push_bytes(costream::buffer chunk, bool text) requires byte_chunks {
        if (chunk.size() == 0) {
            rstate_.clear(detail::k_reading);
            maybe_read_more();
            return can_push_more();
        }
        if (rstate_.has(detail::k_ended)) {
            error_or_destroy(make_error_code(errc::stream_push_after_eof));
            return false;
        }
        if (rstate_.bits & (detail::k_destroyed | detail::k_errored)) return false;
        rstate_.clear(detail::k_reading);
        if (rstate_.has(detail::k_decoder) && !text) {
            std::string s =
                decoder_->write(std::span<const std::uint8_t>(chunk.data(), chunk.size()));
            if (s.empty()) {
                maybe_read_more();
                return can_push_more();
            }
            return add_text(std::move(s), false);
        }
        return add_chunk(std::move(chunk), false);
    }

    // node: readable.js readableAddChunkPushObjectMode
    [[gnu::always_inline]] inline bool add_chunk_push_object(Chunk chunk) {
        if (rstate_.has(detail::k_ended)) {
            error_or_destroy(make_error_code(errc::stream_push_after_eof));
            return false;
        }
        if (rstate_.bits & (detail::k_destroyed | detail::k_errored)) return false;
        rstate_.clear(detail::k_reading);
        if constexpr (byte_chunks) {
            if (rstate_.has(detail::k_decoder))
                return add_text(
                    decoder_->write(std::span<const std::uint8_t>(chunk.data(), chunk.size())),
                    false);
        }
        return add_chunk(std::move(chunk), false);
    }

    // node: readable.js readableAddChunkUnshiftValue
    bool add_chunk_unshift_value(Chunk chunk) {
        if (rstate_.has(detail::k_end_emitted))
            error_or_destroy(make_error_code(errc::stream_unshift_after_end_event));
        else if (rstate_.bits & (detail::k_destroyed | detail::k_errored))
            return false;
        else
            return add_chunk(std::move(chunk), true);
        return can_push_more();
    }

    bool direct_emit_ok() const noexcept {
        return (rstate_.bits & (detail::k_flowing | detail::k_sync | detail::k_data_listening)) ==
                   (detail::k_flowing | detail::k_data_listening) &&
               length_ == 0;
    }

    // node: readable.js addChunk, then canPushMore() (what push() returns)
    [[gnu::always_inline]] inline bool add_chunk(Chunk&& chunk, bool add_to_front) {
        if (direct_emit_ok()) {
            // A 'data' listener may drop the last reference: keep the stream to the end.
            ptr<stream_base> keep(this);
            clear_await_drain();
            rstate_.set(detail::k_data_emitted);
            emit_data_consumed(chunk);
            maybe_read_more();
            return can_push_more();
        } else {
            length_ += object_mode_bit() ? 1 : size_of(chunk);
            if (add_to_front)
                buffer_.push_front(std::move(chunk));
            else
                buffer_.push_back(std::move(chunk));
            if (rstate_.has(detail::k_need_readable)) emit_readable();
        }
        maybe_read_more();
        return can_push_more();
    }

    // addChunk for decoded text (byte streams with a decoder): emitted as the string itself
    // when flowing, else stored as a buffer of UTF-8 text.
    bool add_text(std::string&& s, bool add_to_front) requires byte_chunks {
        if (direct_emit_ok()) {
            ptr<stream_base> keep(this);
            clear_await_drain();
            rstate_.set(detail::k_data_emitted);
            this->guard([&] { this->emit_hot(data_ev_, s); });
            maybe_read_more();
            return can_push_more();
        } else {
            length_ += object_mode_bit() ? 1 : s.size();
            costream::buffer b = costream::buffer::adopt(std::move(s));
            if (add_to_front)
                buffer_.push_front(std::move(b));
            else
                buffer_.push_back(std::move(b));
            if (rstate_.has(detail::k_need_readable)) emit_readable();
        }
        maybe_read_more();
        return can_push_more();
    }

    // emit('data', chunk), through the cached listener list (no name lookup; nothing at
    // all when nobody listens, which is what Node's emit does then too).
    void emit_data(Chunk& c) {
        if constexpr (byte_chunks) {
            if (rstate_.has(detail::k_decoder)) [[unlikely]]
                return emit_text(c);
        }
        // guard() written out: a lambda inside a try block is not inlined (callgrind)
        try {
            this->emit_hot(data_ev_, c);
        } catch (...) {
            this->current_threw();
        }
    }

    // emit_data() for a chunk the readable does not need afterwards (`c` may be moved from):
    // the pipe's typed ondata when it is the only 'data' listener (set_readable_pipe_data),
    // else the generic emit.
    void emit_data_consumed(Chunk& c) {
        if constexpr (byte_chunks) {
            if (rstate_.has(detail::k_decoder)) [[unlikely]]
                return emit_text(c);
        }
        try {
            void (*const fn)(void*, Chunk&&) = pipe_data_fn_;
            void* const ctx = pipe_data_ctx_;
            if (fn == nullptr ||
                !this->call_if_sole_hot(data_ev_, pipe_data_id_, [&] { fn(ctx, std::move(c)); }))
                this->emit_hot(data_ev_, c);
        } catch (...) {
            this->current_threw();
        }
    }

    // emit_data() with a decoder: 'data' gets the text. Out of line, so that the byte path
    // above keeps its registers.
    [[gnu::noinline]] void emit_text(Chunk& c) requires byte_chunks {
        if (!this->has_listeners(data_ev_)) return;
        std::string s(reinterpret_cast<const char*>(c.data()), c.size());
        this->guard([&] { this->emit_hot(data_ev_, s); });
    }

    // node: state.awaitDrainWriters = null (the bookkeeping lives in pipe.hpp)
    void clear_await_drain() noexcept {
        if (pipe_hook_ && pipe_hook_->awaiting_drain) [[unlikely]]
            pipe_hook_->clear_await_drain();
    }

    // node: readable.js computeNewHighWaterMark
    static std::size_t compute_new_high_water_mark(std::size_t n) {
        constexpr std::size_t max_hwm = 0x40000000;
        if (n > max_hwm)
            throw range_error(errc::out_of_range,
                              "The value of \"size\" is out of range. It must be <= 1GiB. "
                              "Received " +
                                  std::to_string(n));
        --n;
        n |= n >> 1;
        n |= n >> 2;
        n |= n >> 4;
        n |= n >> 8;
        n |= n >> 16;
        ++n;
        return n;
    }

    // node: readable.js howMuchToRead (nullopt is read()'s NaN; `front`: read_chunk())
    std::size_t how_much_to_read(std::optional<std::size_t> n, bool front = false) const noexcept {
        if ((n && *n == 0) || (length_ == 0 && rstate_.has(detail::k_ended))) return 0;
        if (object_mode_bit()) return 1;
        if (!n) {
            if ((front || rstate_.has(detail::k_flowing)) && length_)
                return size_of(buffer_.front());
            return length_;
        }
        if (*n <= length_) return *n;
        return rstate_.has(detail::k_ended) ? length_ : 0;
    }

    // node: readable.js Readable.prototype.read
    std::optional<Chunk> read_impl(std::optional<std::size_t> n, bool front = false) {
        const std::optional<std::size_t> n_orig = n;
        if (n && *n > hwm_) hwm_ = compute_new_high_water_mark(*n);
        if (!n || *n != 0) rstate_.clear(detail::k_emitted_readable);

        if (n && *n == 0 && rstate_.has(detail::k_need_readable) &&
            ((hwm_ != 0 ? length_ >= hwm_ : length_ > 0) || rstate_.has(detail::k_ended))) {
            if (length_ == 0 && rstate_.has(detail::k_ended))
                end_readable();
            else
                emit_readable();
            return std::nullopt;
        }

        std::size_t m = how_much_to_read(n, front);

        if (m == 0 && rstate_.has(detail::k_ended)) {
            if (length_ == 0) end_readable();
            return std::nullopt;
        }

        bool must_read = rstate_.has(detail::k_need_readable);
        if (length_ == 0 || length_ - m < hwm_) must_read = true;

        if ((rstate_.bits & (detail::k_reading | detail::k_ended | detail::k_destroyed |
                             detail::k_errored | detail::k_constructed)) != detail::k_constructed) {
            must_read = false;
        } else if (must_read) {
            rstate_.set(detail::k_reading | detail::k_sync);
            if (length_ == 0) rstate_.set(detail::k_need_readable);
            try {
                do_read(hwm_);
            } catch (...) {
                this->current_threw();
            }
            rstate_.clear(detail::k_sync);
            if (!rstate_.has(detail::k_reading)) m = how_much_to_read(n_orig, front);
        }

        std::optional<Chunk> ret;
        if (m > 0) ret = from_list(m);

        if (!ret) {
            if (length_ <= hwm_) rstate_.set(detail::k_need_readable);
            m = 0;
        } else {
            length_ -= m;
            clear_await_drain();
        }

        if (length_ == 0) {
            if (!rstate_.has(detail::k_ended)) rstate_.set(detail::k_need_readable);
            if ((!n_orig || *n_orig != m) && rstate_.has(detail::k_ended)) end_readable();
        }

        if (ret && !(rstate_.bits & (detail::k_error_emitted | detail::k_close_emitted))) {
            rstate_.set(detail::k_data_emitted);
            emit_data(*ret);
        }
        return ret;
    }

    // node: readable.js fromList (n > 0 and n <= length, or n == length)
    std::optional<Chunk> from_list(std::size_t n) {
        if (length_ == 0) return std::nullopt;
        if (object_mode_bit()) return buffer_.pop_front();
        if constexpr (byte_chunks) {
            if (n >= length_) {
                if (buffer_.size() == 1) return buffer_.pop_front();
                costream::buffer ret = costream::buffer::alloc_unsafe(length_);
                std::size_t at = 0;
                while (!buffer_.empty()) {
                    costream::buffer b = buffer_.pop_front();
                    if (b.size()) std::memcpy(ret.data() + at, b.data(), b.size());
                    at += b.size();
                }
                return ret;
            }
            costream::buffer& first = buffer_.front();
            if (n < first.size()) {
                costream::buffer ret = first.subarray(0, n);
                first = first.subarray(n);
                return ret;
            }
            if (n == first.size()) return buffer_.pop_front();
            // node: the copy across several chunks
            costream::buffer ret = costream::buffer::alloc_unsafe(n);
            std::size_t at = 0;
            while (at < n) {
                costream::buffer& b = buffer_.front();
                std::size_t take = std::min(b.size(), n - at);
                std::memcpy(ret.data() + at, b.data(), take);
                at += take;
                if (take == b.size())
                    buffer_.drop_front();
                else
                    b = b.subarray(take);
            }
            return ret;
        } else {
            return buffer_.pop_front();
        }
    }

    // node: readable.js onEofChunk
    void on_eof_chunk() {
        if (rstate_.has(detail::k_ended)) return;
        if constexpr (byte_chunks) {
            if (rstate_.has(detail::k_decoder)) {
                std::string s = decoder_->end();
                if (!s.empty()) {
                    length_ += object_mode_bit() ? 1 : s.size();
                    buffer_.push_back(costream::buffer::adopt(std::move(s)));
                }
            }
        }
        rstate_.set(detail::k_ended);
        if (rstate_.has(detail::k_sync)) {
            emit_readable();
        } else {
            rstate_.clear(detail::k_need_readable);
            rstate_.set(detail::k_emitted_readable);
            emit_readable_();
        }
    }

    // node: readable.js emitReadable
    void emit_readable() {
        rstate_.clear(detail::k_need_readable);
        if (!rstate_.has(detail::k_emitted_readable)) {
            rstate_.set(detail::k_emitted_readable);
            next_tick([s = ptr<basic_readable>(this)] { s->emit_readable_(); });
        }
    }

    // node: readable.js emitReadable_
    void emit_readable_() {
        if (!(rstate_.bits & (detail::k_destroyed | detail::k_errored)) &&
            (length_ || rstate_.has(detail::k_ended))) {
            this->emit_guarded("readable");
            rstate_.clear(detail::k_emitted_readable);
        }
        if (!(rstate_.bits & (detail::k_flowing | detail::k_ended)) && length_ <= hwm_)
            rstate_.set(detail::k_need_readable);
        flow();
    }

    // node: readable.js maybeReadMore
    void maybe_read_more() {
        if ((rstate_.bits & (detail::k_reading_more | detail::k_constructed)) ==
            detail::k_constructed) {
            rstate_.set(detail::k_reading_more);
            next_tick([s = ptr<basic_readable>(this)] { s->maybe_read_more_(); });
        }
    }

    // node: readable.js maybeReadMore_
    void maybe_read_more_() {
        while (!(rstate_.bits & (detail::k_reading | detail::k_ended)) &&
               (length_ < hwm_ || (rstate_.has(detail::k_flowing) && length_ == 0))) {
            const std::size_t len = length_;
            read_impl(0);
            if (len == length_) break;
        }
        rstate_.clear(detail::k_reading_more);
    }

    void after_add_listener(std::string_view ev) {
        // node: readable.js Readable.prototype.on
        if (ev == "data") {
            rstate_.set(detail::k_data_listening);
            if (listener_count("readable") > 0) rstate_.set(detail::k_readable_listening);
            if ((rstate_.bits & (detail::k_has_flowing | detail::k_flowing)) !=
                detail::k_has_flowing)
                resume();
        } else if (ev == "readable") {
            if (!(rstate_.bits & (detail::k_end_emitted | detail::k_readable_listening))) {
                rstate_.set(detail::k_readable_listening | detail::k_need_readable |
                            detail::k_has_flowing);
                rstate_.clear(detail::k_flowing | detail::k_emitted_readable);
                if (length_) {
                    emit_readable();
                } else if (!rstate_.has(detail::k_reading)) {
                    // node: nReadingNextTick
                    next_tick([s = ptr<basic_readable>(this)] { s->read_impl(0); });
                }
            }
        }
    }

    void after_remove_listener(std::string_view ev) {
        // node: readable.js Readable.prototype.removeListener
        if (ev == "readable")
            schedule_update_readable_listening();
        else if (ev == "data" && listener_count("data") == 0)
            rstate_.clear(detail::k_data_listening);
    }

    void schedule_update_readable_listening() {
        next_tick([s = ptr<basic_readable>(this)] { s->update_readable_listening(); });
    }

    // node: readable.js updateReadableListening
    void update_readable_listening() {
        if (listener_count("readable") > 0)
            rstate_.set(detail::k_readable_listening);
        else
            rstate_.clear(detail::k_readable_listening);
        if ((rstate_.bits &
             (detail::k_has_paused | detail::k_paused | detail::k_resume_scheduled)) ==
            (detail::k_has_paused | detail::k_resume_scheduled)) {
            rstate_.set(detail::k_has_flowing | detail::k_flowing);
        } else if (rstate_.has(detail::k_data_listening)) {
            resume();
        } else if (!rstate_.has(detail::k_readable_listening)) {
            rstate_.clear(detail::k_has_flowing | detail::k_flowing);
        }
    }

    // node: readable.js resume
    void schedule_resume() {
        if (!rstate_.has(detail::k_resume_scheduled)) {
            rstate_.set(detail::k_resume_scheduled);
            next_tick([s = ptr<basic_readable>(this)] { s->resume_(); });
        }
    }

    // node: readable.js resume_
    void resume_() {
        if (!rstate_.has(detail::k_reading)) read_impl(0);
        rstate_.clear(detail::k_resume_scheduled);
        this->emit_guarded("resume");
        flow();
        if ((rstate_.bits & (detail::k_flowing | detail::k_reading)) == detail::k_flowing)
            read_impl(0);
    }

    // node: readable.js flow: `while (state.flowing && stream.read() !== null);`
    void flow() {
        while (rstate_.has(detail::k_flowing)) {
            if (length_ != 0 && !rstate_.has(detail::k_decoder)) {
                if (!flow_one()) return;
            } else if (!read_impl(std::nullopt).has_value()) {
                return;
            }
        }
    }

    // read_impl(nullopt) for flow()'s common case (flowing, something buffered, no decoder),
    // with the branches that cannot apply left out: n is NaN (no highWaterMark change, no
    // read(0) path), howMuchToRead is the first chunk, and the chunk is emitted without an
    // optional around it. The transitions are read()'s, in the same order.
    bool flow_one() {
        rstate_.clear(detail::k_emitted_readable);
        std::size_t m = object_mode_bit() ? 1 : size_of(buffer_.front()); // howMuchToRead
        if ((rstate_.bits & (detail::k_reading | detail::k_ended | detail::k_destroyed |
                             detail::k_errored | detail::k_constructed)) == detail::k_constructed &&
            (rstate_.has(detail::k_need_readable) || length_ - m < hwm_)) {
            rstate_.set(detail::k_reading | detail::k_sync);
            try {
                do_read(hwm_);
            } catch (...) {
                this->current_threw();
            }
            rstate_.clear(detail::k_sync);
            if (!rstate_.has(detail::k_reading)) m = how_much_to_read(std::nullopt);
        }
        // node: fromList(m) when it returns the front chunk itself (object mode; or m is the
        // front's size and either more bytes follow or it is the only chunk: Node's
        // `buffer.length === 1` / `n === first.length` cases), then read()'s steps after it.
        // The chunk goes from the buffer to 'data' without an optional around it.
        if (m != 0 && length_ != 0 &&
            (object_mode_bit() ||
             (size_of(buffer_.front()) == m && (m < length_ || buffer_.size() == 1)))) [[likely]] {
            Chunk c = buffer_.pop_front();
            length_ -= m;
            clear_await_drain();
            flow_emptied();
            flow_emit(c);
            return true;
        }
        return flow_one_rest(m);
    }

    // flow_one() for the other cases (nothing to return, or fromList concatenates or splits):
    // read()'s steps from fromList on.
    bool flow_one_rest(std::size_t m) {
        std::optional<Chunk> ret;
        if (m > 0) ret = from_list(m);
        if (!ret) {
            if (length_ <= hwm_) rstate_.set(detail::k_need_readable);
        } else {
            length_ -= m;
            clear_await_drain();
        }
        flow_emptied();
        if (!ret) return false;
        flow_emit(*ret);
        return true;
    }

    // flow_one()'s read() steps once the buffer is empty: needReadable, or endReadable.
    void flow_emptied() {
        if (length_ == 0) {
            if (!rstate_.has(detail::k_ended))
                rstate_.set(detail::k_need_readable);
            else
                end_readable();
        }
    }

    // flow_one()'s read() step for the chunk taken: 'data', unless 'error' or 'close' came.
    void flow_emit(Chunk& c) {
        if (!(rstate_.bits & (detail::k_error_emitted | detail::k_close_emitted))) {
            rstate_.set(detail::k_data_emitted);
            emit_data_consumed(c);
        }
    }

    // node: readable.js endReadable
    void end_readable() {
        if (!rstate_.has(detail::k_end_emitted)) {
            rstate_.set(detail::k_ended);
            next_tick([s = ptr<basic_readable>(this)] { s->end_readable_nt(); });
        }
    }

    // node: readable.js endReadableNT
    void end_readable_nt() {
        if (!rstate_.errored() && !rstate_.has(detail::k_close_emitted) &&
            !rstate_.has(detail::k_end_emitted) && length_ == 0) {
            rstate_.set(detail::k_end_emitted);
            this->emit_guarded("end");
            if (end_writable_after_end()) {
                next_tick([s = ptr<basic_readable>(this)] { s->end_writable_nt(); });
            } else if (rstate_.has(detail::k_auto_destroy)) {
                // A duplex destroys itself only once its writable side is finished too.
                const bool auto_destroy =
                    !ws_ || (ws_->has(detail::k_auto_destroy) &&
                             (ws_->has(detail::k_finished) || ws_->has(detail::k_side_disabled)));
                if (auto_destroy) destroy();
            }
        }
    }

    detail::ring<Chunk> buffer_;
    std::size_t length_ = 0;
    std::size_t hwm_ = 0;
    std::optional<costream::string_decoder> decoder_;
    std::optional<costream::encoding> encoding_;
    costream::encoding default_encoding_ = costream::encoding::utf8;
    std::shared_ptr<iter_state> reader_; // async_read()'s iterator state
    detail::pipe_hook* pipe_hook_ = nullptr;
    std::uint64_t pipe_data_id_ = 0;                 // set_readable_pipe_data
    void (*pipe_data_fn_)(void*, Chunk&&) = nullptr; // null: no pipe
    void* pipe_data_ctx_ = nullptr;
    event_emitter::hot_event data_ev_{"data"};
};

/// A readable stream of costream::buffer chunks (Node's Readable).
using readable = basic_readable<costream::buffer>;

} // namespace costream::stream

#include <costream/stream/detail/readable_async.hpp>
#include <costream/stream/pipe.hpp>
