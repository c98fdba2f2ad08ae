// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/writable.hpp: basic_writable<Chunk>, Node's Writable (lib/internal/streams/writable.js)
// with its whole state machine, and its coroutine surface (async_write, async_end).
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/detail/chunk_traits.hpp>
#include <costream/stream/detail/ring.hpp>
#include <costream/stream/detail/small_function.hpp>
#include <costream/stream/detail/state.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace costream::stream {

/// Options of a writable stream (Node's `new Writable(options)`).
struct writable_options {
    /// Node's highWaterMark: bytes (byte streams) or objects (object mode); default 16384 / 16.
    std::optional<double> high_water_mark{};
    /// Node's objectMode. Always on for non-buffer chunks.
    bool object_mode = false;
    /// Node's decodeStrings: strings are encoded to buffers before do_write (default). With
    /// false, do_write gets the string's UTF-8 text in a buffer and its encoding.
    bool decode_strings = true;
    /// Node's defaultEncoding: the encoding of strings written without one.
    costream::encoding default_encoding = costream::encoding::utf8;
    /// Node's emitClose.
    bool emit_close = true;
    /// Node's autoDestroy: destroy() after 'finish'.
    bool auto_destroy = true;
};

/// A write()/end() completion callback: called once with the error, or an empty
/// error_code on success. Stored without allocation when it captures up to 3 pointers.
using write_completion = detail::small_function<void(const boost::system::error_code&)>;

/// Node's Writable with chunks of type Chunk, for implementers: derive and override
/// do_write() (Node's _write), optionally do_writev() (with has_writev() returning true),
/// do_final() and do_destroy().
///
/// Events in Node's order and on Node's queues: write() returns false once writable_length
/// reaches high_water_mark and 'drain' follows when the buffer has emptied; end() runs
/// do_final, then 'prefinish', the end() callback, 'finish', then 'close' (auto_destroy).
/// A failed write calls its callback with the error, then 'error', then 'close'. Writing
/// after end() gives ERR_STREAM_WRITE_AFTER_END, after destroy() ERR_STREAM_DESTROYED.
///
/// Chunks: with Chunk = costream::buffer (`writable`), write() also takes strings with an
/// encoding (decode_strings). Other chunk types are object mode. Writing a null chunk
/// (chunk_traits::is_null) throws type_error ERR_STREAM_NULL_VALUES.
///
///     struct sink : costream::stream::writable {
///         void do_write(costream::buffer&& b, write_callback cb) override { use(b); cb(); }
///     };
template <class Chunk>
class basic_writable : public virtual stream_base {
public:
    using chunk_type = Chunk;
    /// Whether chunks are bytes (costream::buffer).
    static constexpr bool byte_chunks = chunk_traits<Chunk>::bytes;

    /// Callback handed to do_write/do_writev (Node's onwrite): call it once, with an error
    /// to fail the stream. A second call fails the stream with ERR_MULTIPLE_CALLBACK. It may
    /// be moved and called later (an asynchronous write): a moved callback keeps the stream
    /// alive until it is called or destroyed.
    class write_callback {
    public:
        /// The moved-to callback holds a reference on the stream (it may be called after the
        /// write returned).
        write_callback(write_callback&& o) noexcept
            : s_(o.s_ ? std::move(o.s_) : ptr<basic_writable>(o.raw_)), raw_(o.raw_), seq_(o.seq_),
              called_(o.called_) {
            o.in_write_ = false;
        }
        write_callback& operator=(write_callback&& o) noexcept {
            if (this != &o) {
                s_ = o.s_ ? std::move(o.s_) : ptr<basic_writable>(o.raw_);
                raw_ = o.raw_;
                seq_ = o.seq_;
                called_ = o.called_;
                in_write_ = false;
                o.in_write_ = false;
            }
            return *this;
        }
        void operator()(const boost::system::error_code& ec = {}) {
            if (called_) {
                raw_->error_or_destroy(make_error_code(errc::multiple_callback));
                return;
            }
            called_ = true;
            // The reference this callback holds keeps the stream alive through onwrite (it
            // moves out: a callback is called once), without another add_ref. One that
            // holds none is do_write's own parameter (the write holds the stream) or was
            // unown()ed (it takes one now).
            ptr<basic_writable> keep = s_          ? std::move(s_)
                                       : in_write_ ? ptr<basic_writable>()
                                                   : ptr<basic_writable>(raw_);
            raw_->onwrite(ec, seq_);
        }

        /// For a stream that keeps this callback in itself (a transform waiting for its
        /// readable side to drain): drops the reference on the stream, so that the stream
        /// does not keep itself alive through its own member (no cycle).
        void unown() noexcept {
            s_.reset();
            in_write_ = false;
        }

    private:
        friend class basic_writable;
        // A callback that holds the stream (the completion may come after the write).
        write_callback(basic_writable* s, std::uint64_t seq) noexcept : s_(s), raw_(s), seq_(seq) {}
        // do_write's own parameter while write() (which holds the stream) runs: no
        // reference until it is moved.
        struct in_write_tag {};
        write_callback(basic_writable* s, std::uint64_t seq, in_write_tag) noexcept
            : raw_(s), seq_(seq), in_write_(true) {}
        // The same callback as a new object (the default do_write's call of the
        // two-argument form): the reference (if any) goes with it, none is taken.
        write_callback relay() noexcept {
            write_callback c(raw_, seq_, in_write_tag{});
            c.s_ = std::move(s_);
            c.in_write_ = in_write_;
            c.called_ = called_;
            in_write_ = false;
            return c;
        }
        ptr<basic_writable> s_;
        basic_writable* raw_;
        std::uint64_t seq_;
        bool called_ = false;
        bool in_write_ = false;
    };

    /// Callback handed to do_final (Node's callFinal onFinish).
    class final_callback {
    public:
        final_callback(final_callback&&) noexcept = default;
        final_callback& operator=(final_callback&&) noexcept = default;
        void operator()(const boost::system::error_code& ec = {}) {
            ptr<basic_writable> keep = s_;
            keep->on_final(ec);
        }

    private:
        friend class basic_writable;
        explicit final_callback(basic_writable* s) noexcept : s_(s) {}
        ptr<basic_writable> s_;
    };

    explicit basic_writable(const writable_options& opts = {})
        : basic_writable(opts, "options.highWaterMark", false) {}
    ~basic_writable() override = default;

    // ---- writing ------------------------------------------------------------------------

    /// Node's write(chunk, cb): queues or writes the chunk; returns false once
    /// writable_length >= high_water_mark (wait for 'drain'), or when the stream failed.
    bool write(Chunk chunk, write_completion cb) {
        ptr<stream_base> keep(this); // do_write (user code) may drop the last reference
        if (!ending_ && !wstate_.has(detail::k_destroyed) && !chunk_traits<Chunk>::is_null(chunk))
            [[likely]] {
            // node: _write's checks passed
            ++pendingcb_;
            return write_or_buffer<true>(std::move(chunk), -1, &cb);
        }
        return write_(std::move(chunk), -1, std::move(cb)).ok;
    }
    /// Node's write(chunk): write(chunk, cb) without a callback (what pipe() does), with no
    /// callback object to carry.
    bool write(Chunk chunk) {
        ptr<stream_base> keep(this); // do_write (user code) may drop the last reference
        if (!ending_ && !wstate_.has(detail::k_destroyed) && !chunk_traits<Chunk>::is_null(chunk))
            [[likely]] {
            ++pendingcb_;
            return write_or_buffer<false>(std::move(chunk), -1, nullptr);
        }
        return write_(std::move(chunk), -1, write_completion()).ok;
    }
    /// Node's write(string, encoding, cb) for byte streams. An unknown encoding name throws
    /// type_error ERR_UNKNOWN_ENCODING.
    bool write(std::string_view text, costream::encoding_arg enc,
               write_completion cb = {}) requires byte_chunks {
        ptr<stream_base> keep(this);
        auto [chunk, e] = from_string(text, enc);
        return write_(std::move(chunk), e, std::move(cb)).ok;
    }
    /// Node's write(null) throws ERR_STREAM_NULL_VALUES; a byte stream has no null chunk,
    /// so it does not compile.
    bool write(std::nullptr_t, write_completion = {}) requires byte_chunks = delete;
    /// Node's write(string, cb) for byte streams (default_encoding).
    bool write(std::string_view text, write_completion cb = {}) requires byte_chunks {
        return write(text, costream::encoding_arg(), std::move(cb));
    }
    /// Same, for a string literal.
    template <std::size_t N>
    requires byte_chunks bool write(const char (&text)[N], write_completion cb = {}) {
        return write(std::string_view(text, N - 1), costream::encoding_arg(), std::move(cb));
    }

    /// Node's end(cb): no more writes; cb runs before 'finish' (or with the error).
    basic_writable& end(write_completion cb = {}) {
        ptr<stream_base> keep(this);
        end_(std::nullopt, -1, std::move(cb));
        return *this;
    }
    /// Node's end(chunk, cb): write(chunk) then end(cb).
    basic_writable& end(Chunk chunk, write_completion cb = {}) {
        ptr<stream_base> keep(this);
        end_(std::optional<Chunk>(std::move(chunk)), -1, std::move(cb));
        return *this;
    }
    /// Node's end(string, encoding, cb) for byte streams.
    basic_writable& end(std::string_view text, costream::encoding_arg enc,
                        write_completion cb = {}) requires byte_chunks {
        ptr<stream_base> keep(this);
        auto [chunk, e] = from_string(text, enc);
        end_(std::optional<Chunk>(std::move(chunk)), e, std::move(cb));
        return *this;
    }
    /// Node's end(string, cb) for byte streams.
    basic_writable& end(std::string_view text, write_completion cb = {}) requires byte_chunks {
        return end(text, costream::encoding_arg(), std::move(cb));
    }
    /// Same, for a string literal.
    template <std::size_t N>
    requires byte_chunks basic_writable& end(const char (&text)[N], write_completion cb = {}) {
        return end(std::string_view(text, N - 1), costream::encoding_arg(), std::move(cb));
    }

    /// Node's cork(): buffer writes until uncork() (then one do_writev if available).
    void cork() noexcept { ++corked_; }
    /// Node's uncork().
    void uncork() {
        ptr<stream_base> keep(this);
        if (corked_) {
            --corked_;
            if (!writing_) clear_buffer();
        }
    }
    /// Node's setDefaultEncoding(enc); ERR_UNKNOWN_ENCODING for an unknown name.
    basic_writable& set_default_encoding(costream::encoding_arg enc) {
        default_encoding_ = enc.resolve(costream::encoding::utf8, false);
        return *this;
    }

    // ---- coroutine surface --------------------------------------------------------------

    /// Writes `chunk` and completes once the stream can take more: at once (as a microtask)
    /// while writable_length < high_water_mark after the write, else at 'drain'; fails with
    /// the stream's error (or with the write's error). Signature void(error_code); default
    /// token: costream::promise<void>. Backpressure in a coroutine:
    /// `for (auto& c : chunks) co_await w->async_write(c);`
    template <class CompletionToken = costream::use_promise_t>
    auto async_write(Chunk chunk, CompletionToken&& token = {});

    /// end() and completes at 'finish' (or with the error). Signature void(error_code).
    template <class CompletionToken = costream::use_promise_t>
    auto async_end(CompletionToken&& token = {});

    // ---- state (Node's names) -----------------------------------------------------------

    /// Node's writableLength: bytes (or objects) written and not yet acknowledged.
    std::size_t writable_length() const noexcept { return length_; }
    /// Node's writableHighWaterMark.
    std::size_t writable_high_water_mark() const noexcept { return hwm_; }
    /// Node's writableNeedDrain.
    bool writable_need_drain() const noexcept {
        return !wstate_.has(detail::k_destroyed) && !ending_ && need_drain_;
    }
    /// Node's writableEnded: end() was called.
    bool writable_ended() const noexcept { return ending_; }
    /// Node's writableFinished: 'finish' was emitted (about to be).
    bool writable_finished() const noexcept { return wstate_.has(detail::k_finished); }
    /// Node's writableCorked.
    unsigned writable_corked() const noexcept { return corked_; }
    /// Node's writableObjectMode.
    bool writable_object_mode() const noexcept { return wstate_.has(detail::k_object_mode); }
    /// Node's writable: true until ended, destroyed or errored.
    bool is_writable() const noexcept {
        return !wstate_.has(detail::k_side_disabled) && !wstate_.has(detail::k_destroyed) &&
               !wstate_.errored() && !ending_ && !ended_;
    }
    /// Number of chunks waiting behind the one being written (Node's buffered array).
    std::size_t writable_buffered_count() const noexcept { return buffered_.size(); }
    /// Whether a do_write/do_writev is in progress (Node's state.writing).
    bool writable_writing() const noexcept { return writing_; }
    /// The raw state bits of the writable side (the layout of detail/state.hpp: object mode,
    /// autoDestroy, emitClose, destroyed, errored, errorEmitted, finished, ...), for stream
    /// utilities built on top (finished(), pipe()), as readable_state_bits().
    std::uint32_t writable_state_bits() const noexcept { return wstate_.bits; }
    /// Node's state.pendingcb: writes (and the final/finish steps) whose callbacks have not
    /// run yet; finished() waits for it to reach 0.
    std::size_t writable_pending_cb() const noexcept { return pendingcb_; }
    /// Node's raw state.needDrain (still true while ending, unlike writable_need_drain()).
    bool writable_state_need_drain() const noexcept { return need_drain_; }

protected:
    /// Node's _write(chunk, encoding, cb) with the chunk's encoding: nullopt for Node's
    /// 'buffer' (or undefined in object mode), else the encoding of a string written with
    /// decode_strings false (the chunk then holds the string's UTF-8 text). The default
    /// forwards to the two-argument do_write.
    virtual void do_write(Chunk&& chunk, std::optional<costream::encoding> enc, write_callback cb) {
        (void)enc;
        do_write(std::move(chunk), cb.relay());
    }
    /// Node's _write(chunk, cb). The default uses do_writev when has_writev(), else fails
    /// the write with ERR_METHOD_NOT_IMPLEMENTED.
    virtual void do_write(Chunk&& chunk, write_callback cb) {
        if (has_writev()) {
            writev_chunks_.clear();
            writev_chunks_.push_back(std::move(chunk));
            do_writev(std::span<Chunk>(writev_chunks_), std::move(cb));
        } else {
            cb(make_error_code(errc::method_not_implemented));
        }
    }
    /// Node's _writev(chunks, cb): several buffered chunks at once (after cork/uncork or
    /// while a write was in progress). Only used when has_writev() returns true. The span
    /// stays valid until cb is called; chunks may be moved from.
    virtual void do_writev(std::span<Chunk> chunks, write_callback cb) {
        (void)chunks;
        cb(make_error_code(errc::method_not_implemented));
    }
    /// Whether do_writev is implemented (Node tests `_writev` for presence).
    virtual bool has_writev() const noexcept { return false; }
    /// Node's _final(cb): runs once after the last write completed, before 'prefinish'.
    /// Not overriding it is Node's "no _final": 'prefinish' is emitted directly.
    virtual void do_final(final_callback cb) {
        (void)cb; // dropped uncalled: the state machine takes Node's no-_final path
        final_is_default_ = true;
    }

    /// Used by duplex: writable side options with Node's duplex key rules.
    basic_writable(const writable_options& opts, std::string_view hwm_name, bool disabled)
        : decode_strings_(opts.decode_strings), default_encoding_(opts.default_encoding) {
        ws_ = &wstate_;
        const bool om = opts.object_mode || !byte_chunks;
        if (om) wstate_.set(detail::k_object_mode);
        hwm_ = detail::get_high_water_mark(opts.high_water_mark, hwm_name, om);
        if (!opts.emit_close) wstate_.clear(detail::k_emit_close);
        if (!opts.auto_destroy) wstate_.clear(detail::k_auto_destroy);
        if (disabled) {
            wstate_.set(detail::k_side_disabled | detail::k_finished);
            ending_ = ended_ = true;
        }
    }

    // node: writable.js Writable.prototype.destroy
    void destroy_impl(const boost::system::error_code& ec) override {
        if (!wstate_.has(detail::k_destroyed) && (!buffered_.empty() || !on_finished_.empty()))
            next_tick([s = ptr<basic_writable>(this)] { s->error_buffer(); });
        base_destroy(ec);
    }

    bool writable_side_open() const noexcept override { return is_writable() && !ending_; }

    detail::side_state wstate_;

private:
    struct entry {
        Chunk chunk;
        std::int8_t enc; // -1: 'buffer' / undefined
        write_completion cb;
    };
    struct tick_info {
        std::size_t count;
        write_completion cb;
    };
    struct write_result {
        bool ok;
        boost::system::error_code err;
    };

    static std::size_t size_of(const Chunk& c) noexcept {
        if constexpr (byte_chunks)
            return c.size();
        else
            return 1;
    }
    std::size_t len_of(const Chunk& c) const noexcept {
        return wstate_.has(detail::k_object_mode) ? 1 : size_of(c);
    }
    static std::optional<costream::encoding> enc_of(std::int8_t e) noexcept {
        if (e < 0) return std::nullopt;
        return static_cast<costream::encoding>(e);
    }

    std::pair<Chunk, std::int8_t> from_string(std::string_view text,
                                              costream::encoding_arg enc) requires byte_chunks {
        // node: writable.js _write: encoding || defaultEncoding, checked by isEncoding
        costream::encoding e = enc.resolve(default_encoding_, false);
        if (wstate_.has(detail::k_object_mode) || decode_strings_)
            return {costream::buffer::from(text, e), std::int8_t(-1)};
        return {costream::buffer::from(text), static_cast<std::int8_t>(e)};
    }

    // node: writable.js _write(stream, chunk, encoding, cb)
    write_result write_(Chunk&& chunk, std::int8_t enc, write_completion&& cb) {
        if (chunk_traits<Chunk>::is_null(chunk))
            throw type_error(errc::stream_null_values, "May not write null values to stream");
        boost::system::error_code err;
        if (ending_)
            err = make_error_code(errc::stream_write_after_end);
        else if (wstate_.has(detail::k_destroyed))
            err = make_error_code(errc::stream_destroyed);
        if (err) {
            if (cb)
                next_tick([s = ptr<basic_writable>(this), cb = std::move(cb), err]() mutable {
                    s->guard([&] { cb(err); });
                });
            error_or_destroy(err, true);
            return {false, err};
        }
        ++pendingcb_;
        return {write_or_buffer<true>(std::move(chunk), enc, &cb), {}};
    }

    // node: writable.js writeOrBuffer (`cb` is null when HasCb is false: no callback).
    // With a `direct` function (write_direct), it replaces do_write: see there.
    template <bool HasCb, class Direct = std::nullptr_t>
    [[gnu::always_inline]] inline bool write_or_buffer(Chunk&& chunk, std::int8_t enc,
                                                       write_completion* cb,
                                                       Direct&& direct = nullptr) {
        const std::size_t len = len_of(chunk);
        length_ += len;
        if (writing_ || corked_ || wstate_.errored() || !wstate_.has(detail::k_constructed)) {
            if (enc >= 0) all_buffers_ = false;
            if constexpr (HasCb) {
                if (*cb) all_noop_ = false;
                buffered_.emplace_back(entry{std::move(chunk), enc, std::move(*cb)});
            } else {
                buffered_.emplace_back(entry{std::move(chunk), enc, write_completion()});
            }
        } else {
            writelen_ = len;
            if constexpr (HasCb) {
                if (*cb) writecb_ = std::move(*cb); // empty when not writing
            }
            writing_ = true;
            sync_ = true;
            // guard() written out: a lambda inside a try block is not inlined (callgrind)
            try {
                if constexpr (std::is_same_v<std::decay_t<Direct>, std::nullptr_t>) {
                    do_write(std::move(chunk), enc_of(enc),
                             write_callback(this, ++write_seq_,
                                            typename write_callback::in_write_tag{}));
                } else {
                    const std::uint64_t seq = ++write_seq_;
                    if (direct(std::move(chunk), seq)) onwrite({}, seq);
                }
            } catch (...) {
                this->current_threw();
            }
            sync_ = false;
        }
        // node v20.20: the length is compared after _write, so a write that completed
        // synchronously returns true and sets no needDrain ('drain' follows only a write that
        // left the buffer at highWaterMark); a highWaterMark of 0 takes writes while empty.
        const bool ret = length_ < hwm_ || length_ == 0;
        if (!ret) need_drain_ = true;
        return ret && !wstate_.errored() && !wstate_.has(detail::k_destroyed);
    }

protected:
    /// For a stream whose do_write is known (basic_pass_through's fast path): write(chunk)
    /// without a callback, with do_write(chunk, cb) replaced by `direct(chunk, seq)`, which
    /// must do what that do_write does. It returns true where do_write would call cb() at
    /// its end (onwrite then runs here, still inside the write, as it would inside
    /// do_write), or false when it kept the completion as make_write_callback(seq). Every
    /// other step is write()'s, in the same order.
    template <class Direct>
    [[gnu::always_inline]] inline bool write_direct(Chunk&& chunk, Direct&& direct) {
        ptr<stream_base> keep(this); // user code may drop the last reference
        if (!ending_ && !wstate_.has(detail::k_destroyed) && !chunk_traits<Chunk>::is_null(chunk))
            [[likely]] {
            ++pendingcb_;
            return write_or_buffer<false>(std::move(chunk), -1, nullptr,
                                          std::forward<Direct>(direct));
        }
        return write_(std::move(chunk), -1, write_completion()).ok;
    }
    /// The callback do_write would have got for the write numbered `seq` (write_direct).
    write_callback make_write_callback(std::uint64_t seq) noexcept {
        return write_callback(this, seq);
    }
    /// The number of the write a do_write callback completes (for a stream that keeps only
    /// the number and completes the write with complete_write()).
    static std::uint64_t write_callback_seq(const write_callback& cb) noexcept { return cb.seq_; }
    /// Whether `cb` is do_write's own parameter inside write(), holding no reference on the
    /// stream (write() holds it until do_write returns).
    static bool write_callback_in_write(const write_callback& cb) noexcept { return cb.in_write_; }
    /// What calling a write callback of the write numbered `seq` does (Node's onwrite),
    /// without the callback object: for a stream that keeps the stream alive itself while
    /// this runs. A second completion of the same write (or one of an older write) fails
    /// the stream with ERR_MULTIPLE_CALLBACK, as a second call of the callback does.
    void complete_write(const boost::system::error_code& ec, std::uint64_t seq) {
        onwrite(ec, seq);
    }

private:
    // node: writable.js doWrite
    void do_write_(bool writev, std::size_t len, Chunk* chunk, std::int8_t enc,
                   write_completion&& cb) {
        writelen_ = len;
        if (cb) writecb_ = std::move(cb);
        writing_ = true;
        sync_ = true;
        write_callback wcb(this, ++write_seq_);
        this->guard([&] {
            if (wstate_.has(detail::k_destroyed))
                wcb(make_error_code(errc::stream_destroyed));
            else if (writev)
                do_writev(std::span<Chunk>(writev_chunks_), std::move(wcb));
            else
                do_write(std::move(*chunk), enc_of(enc), std::move(wcb));
        });
        sync_ = false;
    }

    // node: writable.js onwrite
    [[gnu::always_inline]] inline void onwrite(const boost::system::error_code& ec,
                                               std::uint64_t seq) {
        const bool sync = sync_;
        if (!writing_ || seq != write_seq_) {
            error_or_destroy(make_error_code(errc::multiple_callback));
            return;
        }
        write_completion cb;
        if (writecb_) cb = std::move(writecb_); // leaves writecb_ empty
        writing_ = false;
        length_ -= writelen_;
        writelen_ = 0;
        if (ec) {
            if (!wstate_.errored()) wstate_.set_errored(ec);
            if (rs_ && !rs_->errored()) rs_->set_errored(ec);
            if (sync)
                next_tick([s = ptr<basic_writable>(this), ec, cb = std::move(cb)]() mutable {
                    s->onwrite_error(ec, cb);
                });
            else
                onwrite_error(ec, cb);
        } else {
            if (!buffered_.empty()) clear_buffer();
            if (sync) {
                // node v20.20 onwrite: a synchronous completion takes a tick only when
                // afterWrite has something to do: 'drain', a callback, or object mode (Node
                // writes `state[kState] & kDestroyed !== 0`, which is `state & 1`, its
                // objectMode bit). Otherwise pendingcb drops at once. A callback is never the
                // same as the pending tick's here (Node compares functions), so each gets
                // its own tick.
                const bool need_tick = (need_drain_ && length_ == 0) ||
                                       wstate_.has(detail::k_object_mode) || static_cast<bool>(cb);
                if (!cb) {
                    if (!after_write_pending_ && need_tick) {
                        after_write_pending_ = true;
                        next_tick([s = ptr<basic_writable>(this)] {
                            write_completion none;
                            s->after_write(1, none);
                        });
                    } else {
                        --pendingcb_;
                        if (ending_) finish_maybe(true);
                    }
                } else {
                    tick_infos_.emplace_back(tick_info{1, std::move(cb)});
                    after_write_pending_ = true;
                    next_tick([s = ptr<basic_writable>(this)] { s->after_write_tick(); });
                }
            } else {
                after_write(1, cb);
            }
        }
    }

    // node: writable.js onwriteError
    void onwrite_error(const boost::system::error_code& ec, write_completion& cb) {
        --pendingcb_;
        if (cb) this->guard([&] { cb(ec); });
        error_buffer();
        error_or_destroy(ec);
    }

    // node: writable.js afterWriteTick
    void after_write_tick() {
        tick_info info = tick_infos_.pop_front();
        after_write(info.count, info.cb);
    }

    // node: writable.js afterWrite
    void after_write(std::size_t count, write_completion& cb) {
        after_write_pending_ = false;
        const bool need_drain =
            !ending_ && !wstate_.has(detail::k_destroyed) && length_ == 0 && need_drain_;
        if (need_drain) {
            need_drain_ = false;
            this->emit_guarded("drain");
        }
        while (count-- > 0) {
            --pendingcb_;
            if (cb) {
                try {
                    cb(boost::system::error_code());
                } catch (...) {
                    this->current_threw();
                }
            }
        }
        if (wstate_.has(detail::k_destroyed)) error_buffer();
        if (ending_) finish_maybe(true); // node v20.20: 'finish' on a later tick
    }

    // node: writable.js errorBuffer
    void error_buffer() {
        if (writing_) return;
        const boost::system::error_code destroyed_err = make_error_code(errc::stream_destroyed);
        while (!buffered_.empty()) {
            entry e = buffered_.pop_front();
            length_ -= len_of(e.chunk);
            if (e.cb)
                this->guard(
                    [&] { e.cb(wstate_.errored() ? wstate_.errored_value : destroyed_err); });
        }
        while (!on_finished_.empty()) {
            write_completion cb = on_finished_.pop_front();
            if (cb)
                this->guard([&] { cb(wstate_.errored() ? wstate_.errored_value : destroyed_err); });
        }
        all_buffers_ = all_noop_ = true;
    }

    // node: writable.js clearBuffer
    void clear_buffer() {
        if (corked_ || buffer_processing_ || wstate_.has(detail::k_destroyed) ||
            !wstate_.has(detail::k_constructed))
            return;
        const std::size_t n = buffered_.size();
        if (n == 0) return;
        buffer_processing_ = true;
        if (n > 1 && has_writev()) {
            pendingcb_ -= n - 1;
            write_completion cb;
            if (!all_noop_) {
                std::vector<write_completion> cbs;
                cbs.reserve(n);
                for (std::size_t i = 0; i < n; ++i)
                    cbs.push_back(std::move(buffered_[i].cb));
                cb = [this, cbs = std::move(cbs)](const boost::system::error_code& ec) mutable {
                    for (auto& c : cbs)
                        if (c) this->guard([&] { c(ec); });
                };
            }
            writev_chunks_.clear();
            while (!buffered_.empty())
                writev_chunks_.push_back(buffered_.pop_front().chunk);
            all_buffers_ = all_noop_ = true;
            do_write_(true, length_, nullptr, -1, std::move(cb));
        } else {
            do {
                entry e = buffered_.pop_front();
                const std::size_t len = len_of(e.chunk);
                do_write_(false, len, &e.chunk, e.enc, std::move(e.cb));
            } while (!buffered_.empty() && !writing_);
            if (buffered_.empty()) all_buffers_ = all_noop_ = true;
        }
        buffer_processing_ = false;
    }

    // node: writable.js Writable.prototype.end
    void end_(std::optional<Chunk> chunk, std::int8_t enc, write_completion&& cb) {
        boost::system::error_code err;
        if (chunk) {
            write_result r = write_(std::move(*chunk), enc, write_completion());
            if (r.err) err = r.err;
        }
        if (corked_) {
            corked_ = 1;
            uncork();
        }
        if (err) {
            // the write's error is reported through the callback below
        } else if (!wstate_.errored() && !ending_) {
            ending_ = true;
            finish_maybe(true);
            ended_ = true;
        } else if (wstate_.has(detail::k_finished)) {
            err = make_error_code(errc::stream_already_finished);
        } else if (wstate_.has(detail::k_destroyed)) {
            err = make_error_code(errc::stream_destroyed);
        }
        // node: err, then errored (e.g. do_final failed synchronously inside this end()),
        // then finished each call back on the next tick; else wait for 'finish'.
        if (cb) {
            if (!err && wstate_.errored()) err = wstate_.errored_value;
            if (err || wstate_.has(detail::k_finished))
                next_tick([s = ptr<basic_writable>(this), cb = std::move(cb), err]() mutable {
                    s->guard([&] { cb(err); });
                });
            else
                on_finished_.push_back(std::move(cb));
        }
    }

    // node: writable.js needFinish
    bool need_finish() const noexcept {
        return ending_ && !wstate_.has(detail::k_destroyed) && wstate_.has(detail::k_constructed) &&
               length_ == 0 && !wstate_.errored() && buffered_.empty() &&
               !wstate_.has(detail::k_finished) && !writing_ &&
               !wstate_.has(detail::k_error_emitted) && !wstate_.has(detail::k_close_emitted);
    }

    // node: writable.js callFinal
    void call_final() {
        sync_ = true;
        ++pendingcb_;
        this->guard([this] { do_final(final_callback(this)); });
        sync_ = false;
        if (final_is_default_) {
            // do_final is not overridden: Node's prefinish without _final.
            --pendingcb_;
            final_called_ = false;
            prefinished_ = true;
            this->emit_guarded("prefinish");
        }
    }

    // node: writable.js callFinal's onFinish
    void on_final(const boost::system::error_code& ec) {
        if (final_done_) {
            error_or_destroy(ec ? ec : make_error_code(errc::multiple_callback));
            return;
        }
        final_done_ = true;
        --pendingcb_;
        if (ec) {
            while (!on_finished_.empty()) {
                write_completion cb = on_finished_.pop_front();
                if (cb) this->guard([&] { cb(ec); });
            }
            error_or_destroy(ec, sync_);
        } else if (need_finish()) {
            prefinished_ = true;
            this->emit_guarded("prefinish");
            ++pendingcb_;
            next_tick([s = ptr<basic_writable>(this)] { s->finish(); });
        }
    }

    // node: writable.js prefinish
    void prefinish() {
        if (!prefinished_ && !final_called_) {
            if (!wstate_.has(detail::k_destroyed) && !final_is_default_) {
                final_called_ = true;
                call_final();
            } else {
                prefinished_ = true;
                this->emit_guarded("prefinish");
            }
        }
    }

    // node: writable.js finishMaybe
    void finish_maybe(bool sync) {
        if (need_finish()) {
            prefinish();
            if (pendingcb_ == 0) {
                if (sync) {
                    ++pendingcb_;
                    next_tick([s = ptr<basic_writable>(this)] {
                        if (s->need_finish())
                            s->finish();
                        else
                            --s->pendingcb_;
                    });
                } else if (need_finish()) {
                    ++pendingcb_;
                    finish();
                }
            }
        }
    }

    // node: writable.js finish
    void finish() {
        --pendingcb_;
        wstate_.set(detail::k_finished);
        while (!on_finished_.empty()) {
            write_completion cb = on_finished_.pop_front();
            if (cb) this->guard([&] { cb(boost::system::error_code()); });
        }
        this->emit_guarded("finish");
        if (wstate_.has(detail::k_auto_destroy)) {
            const bool auto_destroy =
                !rs_ || (rs_->has(detail::k_auto_destroy) &&
                         (rs_->has(detail::k_end_emitted) || rs_->has(detail::k_side_disabled)));
            if (auto_destroy) destroy();
        }
    }

    detail::ring<entry> buffered_;
    detail::ring<tick_info> tick_infos_;
    detail::ring<write_completion> on_finished_; // node: kOnFinished
    std::vector<Chunk> writev_chunks_;
    write_completion writecb_;
    std::size_t length_ = 0;
    std::size_t hwm_ = 0;
    std::size_t writelen_ = 0;
    std::size_t pendingcb_ = 0;
    std::uint64_t write_seq_ = 0;
    unsigned corked_ = 0;
    bool decode_strings_ = true;
    costream::encoding default_encoding_ = costream::encoding::utf8;
    bool ending_ = false, ended_ = false;
    bool need_drain_ = false;
    bool writing_ = false;
    bool sync_ = true;
    bool buffer_processing_ = false;
    bool prefinished_ = false;
    bool final_called_ = false;
    bool final_done_ = false;
    bool final_is_default_ = false;
    bool after_write_pending_ = false; // node: kAfterWritePending
    bool all_buffers_ = true, all_noop_ = true;
};

/// A writable stream of costream::buffer chunks (Node's Writable).
using writable = basic_writable<costream::buffer>;

} // namespace costream::stream

#include <costream/stream/detail/writable_async.hpp>
