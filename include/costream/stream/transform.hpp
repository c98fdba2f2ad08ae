// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/transform.hpp: basic_transform<In, Out>, Node's Transform
// (lib/internal/streams/transform.js): a duplex whose output is computed from its input.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/system/error_code.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace costream::stream {

/// Node's Transform: implement do_transform(chunk, cb), push() 0..n outputs and call
/// cb() (or cb(ec), or cb({}, value) to push one value); optionally do_flush(cb) to push
/// what is left at the end. Backpressure: the transform callback is held back while the
/// readable side is at its high_water_mark, so writes buffer on the writable side.
///
/// Order at the end (Node's): end() -> do_flush -> 'prefinish' -> readable 'end' -> the
/// end() callback -> 'finish' -> 'close'. do_final is Node's transform `final` and cannot
/// be overridden here.
///
///     struct upper : costream::stream::transform {
///         void do_transform(costream::buffer&& b, transform_callback cb) override {
///             for (auto& c : b) c = std::toupper(c);
///             cb({}, std::move(b));
///         }
///     };
template <class In, class Out = In>
class basic_transform : public basic_duplex<In, Out> {
    using writable_base = basic_writable<In>;

public:
    using write_callback = typename writable_base::write_callback;
    using final_callback = typename writable_base::final_callback;

    /// Callback handed to do_transform: cb(), cb(ec) or cb({}, value) (Node's
    /// callback(err, val)). Calling it twice fails the stream with ERR_MULTIPLE_CALLBACK.
    /// It may be moved and called later (an asynchronous transform): a moved callback keeps
    /// the stream alive until it is called or destroyed.
    class transform_callback {
    public:
        /// The moved-to callback holds a reference on the stream from now on (it may be
        /// called after the write returned); the moved-from one keeps only the write's
        /// number, so that calling it too is a second call.
        transform_callback(transform_callback&& o) noexcept
            : s_(o.s_), keep_(o.keep_ ? std::move(o.keep_) : ptr<basic_transform>(o.s_)),
              seq_(o.seq_), length_(o.length_) {}
        transform_callback& operator=(transform_callback&& o) noexcept {
            if (this != &o) {
                keep_ = o.keep_ ? std::move(o.keep_) : ptr<basic_transform>(o.s_);
                s_ = o.s_;
                seq_ = o.seq_;
                length_ = o.length_;
            }
            return *this;
        }
        void operator()(const boost::system::error_code& ec = {}) {
            s_->after_transform(ec, nullptr, *this);
        }
        void operator()(const boost::system::error_code& ec, Out value) {
            s_->after_transform(ec, &value, *this);
        }

    private:
        friend class basic_transform;
        transform_callback(basic_transform* s, ptr<basic_transform> keep, std::uint64_t seq,
                           std::size_t length) noexcept
            : s_(s), keep_(std::move(keep)), seq_(seq), length_(length) {}
        // The same callback as a new object, for the default do_transform's call of the
        // two-argument form: the reference (if any) goes with it, none is taken.
        transform_callback relay() noexcept {
            return transform_callback(s_, std::move(keep_), seq_, length_);
        }
        basic_transform* s_;
        // Null while the callback is do_transform's own parameter in write_piped(): it
        // cannot outlive that call unless moved, and the write holds the stream meanwhile.
        ptr<basic_transform> keep_;
        std::uint64_t seq_;  // the write this completes (basic_writable::complete_write)
        std::size_t length_; // node: transform.js _write's `length = rState.length`
    };

    /// Callback handed to do_flush: cb(), cb(ec) or cb({}, value).
    class flush_callback {
    public:
        flush_callback(flush_callback&&) noexcept = default;
        flush_callback& operator=(flush_callback&&) noexcept = default;
        void operator()(const boost::system::error_code& ec = {}) { done(ec, std::nullopt); }
        void operator()(const boost::system::error_code& ec, Out value) {
            done(ec, std::optional<Out>(std::move(value)));
        }

    private:
        friend class basic_transform;
        flush_callback(basic_transform* s, std::optional<final_callback> cb) noexcept
            : s_(s), cb_(std::move(cb)) {}
        void done(const boost::system::error_code& ec, std::optional<Out> value) {
            ptr<basic_transform> s = s_;
            // node: transform.js final's flush callback
            if (ec) {
                if (cb_)
                    (*cb_)(ec);
                else
                    s->destroy(ec);
                return;
            }
            if (value) s->push(std::move(*value));
            s->push(nullptr);
            if (cb_) (*cb_)();
        }
        ptr<basic_transform> s_;
        std::optional<final_callback> cb_;
    };

    explicit basic_transform(const duplex_options& o = {}) : basic_duplex<In, Out>(o) {
        // node: transform.js `this._readableState.sync = false`
        this->clear_readable_sync();
    }

protected:
    /// Node's _transform(chunk, encoding, callback) with the chunk's encoding (see
    /// basic_writable::do_write); the default forwards to the two-argument form.
    virtual void do_transform(In&& chunk, std::optional<costream::encoding> enc,
                              transform_callback cb) {
        (void)enc;
        do_transform(std::move(chunk), cb.relay());
    }
    /// Node's _transform(chunk, callback). The default fails with ERR_METHOD_NOT_IMPLEMENTED.
    virtual void do_transform(In&& chunk, transform_callback cb) {
        (void)chunk;
        cb(make_error_code(errc::method_not_implemented));
    }
    /// Node's _flush(callback): push what is left; the default does nothing.
    virtual void do_flush(flush_callback cb) { cb(); }

    // node: transform.js Transform.prototype._write. The callback completes the write by its
    // number; it holds the stream when `cb` did (a write from the buffer), else write() does.
    void do_write(In&& chunk, std::optional<costream::encoding> enc, write_callback cb) final {
        const std::size_t length = this->readable_length();
        do_transform(std::move(chunk), enc,
                     transform_callback(this,
                                        writable_base::write_callback_in_write(cb)
                                            ? ptr<basic_transform>()
                                            : ptr<basic_transform>(this),
                                        writable_base::write_callback_seq(cb), length));
    }
    void do_write(In&& chunk, write_callback cb) final {
        do_write(std::move(chunk), std::nullopt, std::move(cb));
    }

    // node: transform.js Transform.prototype._read
    void do_read(std::size_t) final {
        if (pending_) {
            write_callback cb = std::move(*pending_);
            pending_.reset();
            cb();
        }
    }

    // node: transform.js final
    void do_final(final_callback cb) final {
        if (!this->destroyed()) {
            do_flush(flush_callback(this, std::optional<final_callback>(std::move(cb))));
        } else {
            this->push(nullptr);
            cb();
        }
    }

public:
    /// For pipe(): write(chunk) (no callback, Node's 'buffer' encoding) with transform.js's
    /// _write done in place: do_transform gets a callback that completes the write by its
    /// number and takes no reference on the stream (the write holds it) unless it is moved.
    /// The same events, state, order and return value as write(chunk); pipe() uses it when
    /// the destination's write(chunk) is basic_writable's (not hidden by a derived class).
    bool write_piped(In&& chunk) {
        return this->write_direct(std::move(chunk), [this](In&& c, std::uint64_t seq) {
            const std::size_t length = this->readable_length(); // node: transform.js _write
            do_transform(std::move(c), std::nullopt,
                         transform_callback(this, nullptr, seq, length));
            return false; // the callback ran onwrite itself (or will)
        });
    }

protected:
    /// Node's write(chunk) for a transform whose _transform is known to be
    /// `callback(null, chunk)` (basic_pass_through itself): the same steps in the same order
    /// (writable.js writeOrBuffer, transform.js _write and its callback), without the
    /// callback objects in between. For pipe(), through basic_pass_through::write_piped().
    bool write_through(In&& chunk) requires std::same_as<In, Out> {
        return this->write_direct(std::move(chunk), [this](In&& c, std::uint64_t seq) {
            const std::size_t length = this->readable_length(); // node: transform.js _write
            this->push(std::move(c));                           // node: callback(null, chunk)
            switch (completion_after_push(length)) {
            case completion::now:
                return true; // node: callback() at once: write_direct calls onwrite
            case completion::next_tick:
                schedule_callback(this->make_write_callback(seq));
                return false;
            default:
                hold_callback(this->make_write_callback(seq));
                return false;
            }
        });
    }

private:
    enum class completion { now, next_tick, held };

    // node: transform.js Transform.prototype._write's callback, after `push(val)`: when the
    // write's callback runs.
    completion completion_after_push(std::size_t length) const noexcept {
        if (this->readable_ended_pushed()) return completion::next_tick;
        if (this->writable_ended() || length == this->readable_length() ||
            this->readable_length() < this->readable_high_water_mark())
            return completion::now;
        return completion::held;
    }

    // node: the user pushed null: delay the callback to propagate the new state
    void schedule_callback(write_callback&& cb) {
        this->get_loop().next_tick(
            [s = ptr<basic_transform>(this),
             c = std::make_shared<write_callback>(std::move(cb))]() mutable { (*c)(); });
    }

    // node: this[kCallback] = callback (called by _read once the readable side drained)
    void hold_callback(write_callback&& cb) {
        ptr<basic_transform> keep(this); // unown() drops cb's reference
        pending_.emplace(std::move(cb));
        pending_->unown(); // kept in the stream itself: no self-reference
    }

    // node: transform.js Transform.prototype._write's callback
    void after_transform(const boost::system::error_code& ec, Out* value, transform_callback& cb) {
        // Held here while push() runs user code (null when the write holds the stream).
        const ptr<basic_transform> keep = std::move(cb.keep_);
        const std::uint64_t seq = cb.seq_;
        const std::size_t length = cb.length_; // cb may not outlive the push (user code)
        if (ec) {
            this->complete_write(ec, seq);
            return;
        }
        if (value) this->push(std::move(*value));
        switch (completion_after_push(length)) {
        case completion::now:
            this->complete_write({}, seq);
            break;
        case completion::next_tick:
            schedule_callback(this->make_write_callback(seq));
            break;
        default:
            hold_callback(this->make_write_callback(seq));
        }
    }

    std::optional<write_callback> pending_;
};

/// A transform of costream::buffer chunks (Node's Transform).
using transform = basic_transform<costream::buffer>;

} // namespace costream::stream
