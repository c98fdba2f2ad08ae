// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/finished.hpp: finished(), Node's stream.finished / end-of-stream.js (eos): waits
// until a stream has ended, finished, failed or closed prematurely.
#pragma once

#include <costream/abort_signal.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/detail/small_function.hpp>
#include <costream/stream/detail/state.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/system/error_code.hpp>

#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace costream::stream {

/// A stream with a readable side (basic_readable and what derives from it).
template <class S>
concept readable_side = std::derived_from<S, stream_base> && requires(const S& s) {
    { s.readable_state_bits() } -> std::convertible_to<std::uint32_t>;
    { s.readable_length() } -> std::convertible_to<std::size_t>;
};

/// A stream with a writable side (basic_writable and what derives from it).
template <class S>
concept writable_side = std::derived_from<S, stream_base> && requires(const S& s) {
    { s.writable_finished() } -> std::convertible_to<bool>;
    { s.writable_length() } -> std::convertible_to<std::size_t>;
    { s.writable_state_bits() } -> std::convertible_to<std::uint32_t>;
    { s.writable_pending_cb() } -> std::convertible_to<std::size_t>;
};

/// Options of finished() (Node's eos options).
struct finished_options {
    /// Wait for the readable side ('end'); default: whether the stream is readable.
    std::optional<bool> readable{};
    /// Wait for the writable side ('finish'); default: whether the stream is writable.
    std::optional<bool> writable{};
    /// Node's `error: false`: do not treat 'error' as the end (wait for 'close').
    bool error = true;
    /// Node's `signal`: aborting it completes the wait with ABORT_ERR (and removes the
    /// listeners, as cleanup does); the stream itself is left alone.
    std::optional<abort_signal> signal{};
};

namespace detail {

// node: internal/streams/utils.js, for costream's stream classes.
template <class S>
struct eos_query {
    static constexpr bool has_r = readable_side<S>;
    static constexpr bool has_w = writable_side<S>;

    static std::uint32_t rbits(const S& s) noexcept {
        if constexpr (has_r)
            return s.readable_state_bits();
        else
            return 0;
    }
    static std::uint32_t wbits(const S& s) noexcept {
        if constexpr (has_w)
            return s.writable_state_bits();
        else
            return 0;
    }
    // node: isReadableNodeStream (a duplex with readable:false is not one)
    static bool readable_node_stream(const S& s) noexcept {
        if constexpr (has_r)
            return !(rbits(s) & stream::detail::k_side_disabled);
        else
            return false;
    }
    // node: isWritableNodeStream
    static bool writable_node_stream(const S& s) noexcept {
        if constexpr (has_w)
            return !(wbits(s) & stream::detail::k_side_disabled);
        else
            return false;
    }
    // node: willEmitClose (state = wState || rState)
    static bool will_emit_close(const S& s) noexcept {
        std::uint32_t b = has_w ? wbits(s) : rbits(s);
        return (b & stream::detail::k_auto_destroy) && (b & stream::detail::k_emit_close) &&
               !s.closed();
    }
    // node: isWritableFinished(stream, strict)
    static bool writable_finished(const S& s, bool strict) noexcept {
        if constexpr (has_w) {
            if (!writable_node_stream(s)) return false;
            if (s.writable_finished()) return true;
            if (s.errored()) return false;
            return !strict && s.writable_ended() && s.writable_length() == 0;
        } else {
            return false;
        }
    }
    // node: isReadableFinished(stream, strict)
    static bool readable_finished(const S& s, bool strict) noexcept {
        if constexpr (has_r) {
            if (!readable_node_stream(s)) return false;
            std::uint32_t b = rbits(s);
            if (b & stream::detail::k_errored) return false;
            return (b & stream::detail::k_end_emitted) ||
                   (!strict && (b & stream::detail::k_ended) && s.readable_length() == 0);
        } else {
            return false;
        }
    }
    // node: isReadable / the `readable` getter (false for a stream without the side)
    static bool readable(const S& s) noexcept {
        if constexpr (has_r)
            return !s.destroyed() && s.is_readable();
        else
            return false;
    }
    // node: isWritable / the `writable` getter
    static bool writable(const S& s) noexcept {
        if constexpr (has_w)
            return !s.destroyed() && s.is_writable();
        else
            return false;
    }
    static bool error_emitted(const S& s) noexcept {
        return ((rbits(s) | (has_w ? wbits(s) : 0)) & stream::detail::k_error_emitted) != 0;
    }
    // node: wState.pendingcb === 0
    static bool no_pending_cb(const S& s) noexcept {
        if constexpr (has_w) {
            return s.writable_pending_cb() == 0;
        } else {
            return true;
        }
    }
};

/// The state of one finished() wait (node: the closure of eos()).
struct eos_state : std::enable_shared_from_this<eos_state> {
    stream_base* stream = nullptr; // null once the stream is gone or the wait cleaned up
    stream::detail::small_function<void(const boost::system::error_code&)> callback;
    bool called = false; // node: once(callback), and cleanup's `callback = nop`
    bool readable = false, writable = false;
    bool will_emit_close = false;
    bool readable_finished = false, writable_finished = false;
    bool closed = false;
    listener_id on_end, on_finish, on_error, on_close, on_abort;
    std::optional<abort_signal> signal;
    costream::loop* loop = nullptr;
    bool user_callback = false; // `callback` is finished()'s completion, user code
    bool in_own_tick = false;   // call() runs from eos's own next tick, not from an emit

    void call(const boost::system::error_code& ec) {
        if (called) return;
        called = true;
        if (signal) {
            signal->off_abort(on_abort);
            signal.reset();
        }
        auto cb = std::move(callback);
        callback.reset();
        if (!cb) return;
        if (!user_callback || in_own_tick) {
            cb(ec); // from a tick, an exception is uncaught at once, as in Node
            return;
        }
        // The user's completion runs inside one of the stream's emits, and its exception is
        // not the stream's: Node's eos listener lets it out as an uncaught exception and
        // leaves the stream alone. Unwinding through the emit would make the stream destroy
        // itself with it (a throwing listener), so it is reported from the next tick.
        try {
            cb(ec);
        } catch (...) {
            costream::detail::report_uncaught(*loop, std::current_exception());
        }
    }

    // node: eos's cleanup()
    void cleanup() {
        called = true;
        callback.reset();
        if (signal) {
            signal->off_abort(on_abort);
            signal.reset();
        }
        if (stream_base* s = std::exchange(stream, nullptr)) {
            event_emitter& e = *s;
            e.off("end", on_end);
            e.off("finish", on_finish);
            if (on_error) e.off("error", on_error);
            e.off("close", on_close);
        }
    }
};

// Held by the 'close' listener: when the stream (and with it its listeners) is destroyed,
// the wait forgets the stream, so a later cleanup() does not touch freed memory.
struct eos_stream_guard {
    std::shared_ptr<eos_state> st;
    explicit eos_stream_guard(std::shared_ptr<eos_state> s) noexcept : st(std::move(s)) {}
    eos_stream_guard(eos_stream_guard&& o) noexcept : st(std::move(o.st)) {}
    eos_stream_guard(const eos_stream_guard&) = delete;
    ~eos_stream_guard() {
        if (st) st->stream = nullptr;
    }
};

/// node: end-of-stream.js eos(stream, options, callback). Returns the wait's state (its
/// cleanup() is Node's returned cleanup function).
template <class S, class Callback>
std::shared_ptr<eos_state> eos(S& s, const finished_options& o, Callback&& cb) {
    using q = eos_query<S>;
    static_assert(q::has_r || q::has_w,
                  "costream::stream::finished: the stream has neither a readable nor a "
                  "writable side");
    auto st = std::make_shared<eos_state>();
    st->stream = &s;
    st->loop = &s.get_loop();
    st->callback = std::forward<Callback>(cb);
    st->readable = o.readable.value_or(q::readable_node_stream(s));
    st->writable = o.writable.value_or(q::writable_node_stream(s));
    st->will_emit_close = q::will_emit_close(s) && q::readable_node_stream(s) == st->readable &&
                          q::writable_node_stream(s) == st->writable;
    st->writable_finished = q::writable_finished(s, false);
    st->readable_finished = q::readable_finished(s, false);
    st->closed = s.closed();
    eos_state* raw = st.get();
    S* sp = &s;
    event_emitter& e = s;

    auto onfinish = [raw, sp] {
        raw->writable_finished = true;
        if (sp->destroyed()) raw->will_emit_close = false;
        if (raw->will_emit_close && (!q::readable(*sp) || raw->readable)) return;
        if (!raw->readable || raw->readable_finished) raw->call({});
    };
    auto onend = [raw, sp] {
        raw->readable_finished = true;
        if (sp->destroyed()) raw->will_emit_close = false;
        if (raw->will_emit_close && (!q::writable(*sp) || raw->writable)) return;
        if (!raw->writable || raw->writable_finished) raw->call({});
    };
    // node: eos onclose
    auto onclose = [raw, sp] {
        raw->closed = true;
        if (auto err = sp->errored()) return raw->call(err);
        if (raw->readable && !raw->readable_finished && q::readable_node_stream(*sp)) {
            if (!q::readable_finished(*sp, false))
                return raw->call(make_error_code(errc::stream_premature_close));
        }
        if (raw->writable && !raw->writable_finished) {
            if (!q::writable_finished(*sp, false))
                return raw->call(make_error_code(errc::stream_premature_close));
        }
        raw->call({});
    };
    // node: eos onclosed
    auto onclosed = [raw, sp] {
        raw->closed = true;
        if (auto err = sp->errored()) return raw->call(err);
        raw->call({});
    };

    st->on_end = e.on("end", onend);
    st->on_finish = e.on("finish", onfinish);
    if (o.error)
        st->on_error = e.on("error", [raw](const boost::system::error_code& ec) { raw->call(ec); });
    st->on_close = e.on("close", [onclose, g = eos_stream_guard(st)] { onclose(); });

    auto later = [&](auto f) {
        s.get_loop().next_tick([f, st, keep = ptr<stream_base>(&s)] {
            st->in_own_tick = true;
            f();
            st->in_own_tick = false;
        });
    };
    if (st->closed) {
        later(onclose);
    } else if (q::error_emitted(s)) {
        if (!st->will_emit_close) later(onclosed);
    } else if (!st->readable && (!st->will_emit_close || q::readable(s)) &&
               (st->writable_finished || !q::writable(s)) && q::no_pending_cb(s)) {
        later(onclosed);
    } else if (!st->writable && (!st->will_emit_close || q::writable(s)) &&
               (st->readable_finished || !q::readable(s))) {
        later(onclosed);
    }

    if (o.signal && !st->closed) {
        // An exception from the callback: from eos's own tick (the signal was aborted
        // already) it is uncaught at once; from the 'abort' listener, on_abort() reports it
        // from the next tick and abort() goes on (Node's EventTarget).
        auto abort = [raw] {
            // node: eos abort(): cleanup, then the callback with AbortError
            auto cb = std::move(raw->callback);
            auto keep = raw->shared_from_this();
            const bool was_called = raw->called;
            raw->cleanup();
            if (!was_called && cb) cb(make_error_code(errc::abort_err));
        };
        if (o.signal->aborted()) {
            s.get_loop().next_tick([abort, st] { abort(); });
        } else {
            st->signal = o.signal;
            st->on_abort = st->signal->on_abort([abort, st] { abort(); });
        }
    }
    return st;
}

} // namespace detail

/// Node's cleanup function returned by finished(): removes the listeners finished() added;
/// the completion is then never called (Node: `callback = nop`). Calling it again, or after
/// the stream is gone, does nothing.
class finished_cleanup {
public:
    finished_cleanup() = default;
    explicit finished_cleanup(std::shared_ptr<detail::eos_state> s) noexcept : s_(std::move(s)) {}
    void operator()() const {
        if (s_) s_->cleanup();
    }

private:
    std::shared_ptr<detail::eos_state> s_;
};

namespace detail {
template <class S>
struct initiate_finished {
    S* stream;
    finished_cleanup* out; // where a callback-style call returns its cleanup

    template <class Handler>
    void operator()(Handler&& handler, finished_options opts) const {
        using H = std::decay_t<Handler>;
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        auto ex = boost::asio::get_associated_executor(handler, stream->get_loop().get_executor());
        // The handler lives in a shared box so that the cancellation slot can reach it too.
        auto box = std::make_shared<std::optional<H>>(std::forward<Handler>(handler));
        // `from_slot`: completing from inside the cancellation handler, which must not
        // clear (destroy) itself while it runs.
        auto fire = [box, ex](const boost::system::error_code& ec, bool from_slot = false) {
            if (!*box) return;
            if (!from_slot) {
                auto slot2 = boost::asio::get_associated_cancellation_slot(**box);
                if (slot2.is_connected()) slot2.clear();
            }
            H h = std::move(**box);
            box->reset();
            boost::asio::dispatch(ex, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
        };
        auto st = eos(*stream, opts, [fire](const boost::system::error_code& ec) { fire(ec); });
        st->user_callback = true;
        if (slot.is_connected()) {
            // Asio cancellation acts as Node's signal: cleanup, then ABORT_ERR.
            std::weak_ptr<eos_state> w = st;
            slot.assign([w, fire](boost::asio::cancellation_type) mutable {
                auto s = w.lock();
                if (!s || s->called) return;
                s->cleanup();
                fire(make_error_code(errc::abort_err), true);
            });
        }
        if (out) *out = finished_cleanup(st);
    }
};

template <class Token>
constexpr bool returns_void_v = std::is_void_v<typename boost::asio::async_result<
    std::decay_t<Token>, void(boost::system::error_code)>::return_type>;
} // namespace detail

/// Node's stream.finished(stream, options, callback) (end-of-stream.js), as an Asio
/// initiating function with signature void(error_code): completes once the stream is done
/// in the sense of `options` — 'end' for a readable, 'finish' for a writable, both for a
/// duplex (and then its 'close' when it will emit one, as Node waits for it) — with the
/// stream's error on 'error', with errc::stream_premature_close (ERR_STREAM_PREMATURE_CLOSE)
/// on a 'close' before that, and at once (next tick) for a stream that is already done.
///
/// With a callback, finished() returns Node's cleanup function (finished_cleanup), which
/// removes the listeners and guarantees the callback is never called; with another token
/// (the default costream::use_promise, asio::use_awaitable, deferred) it returns what the
/// token makes. Cancellation: `options.signal` or the handler's Asio cancellation slot
/// completes with errc::abort_err (Node's AbortError) and removes the listeners.
///
/// The listeners stay on the stream after completion, as in Node (use the cleanup function
/// to remove them). The stream must be alive when finished() is called; if it is destroyed
/// (freed) while waiting, the wait never completes, as in Node when a stream is collected.
///
///     auto cleanup = costream::stream::finished(*r, [](const error_code& ec) { ... });
///     co_await costream::stream::finished(*w);   // throws system_error on failure
template <class Stream, class CompletionToken = costream::use_promise_t>
requires std::derived_from<Stream, stream_base>
auto finished(Stream& s, finished_options opts, CompletionToken&& token = {}) {
    if constexpr (detail::returns_void_v<CompletionToken>) {
        finished_cleanup cleanup;
        boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
            detail::initiate_finished<Stream>{&s, &cleanup}, token, std::move(opts));
        return cleanup;
    } else {
        return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
            detail::initiate_finished<Stream>{&s, nullptr}, token, std::move(opts));
    }
}

/// finished() with default options.
template <class Stream, class CompletionToken = costream::use_promise_t>
requires std::derived_from<Stream, stream_base> &&
    (!std::same_as<std::decay_t<CompletionToken>, finished_options>)auto finished(
        Stream& s, CompletionToken&& token = {}) {
    return finished(s, finished_options{}, std::forward<CompletionToken>(token));
}

/// finished() on a stream handle.
template <class Stream, class... Args>
auto finished(const ptr<Stream>& s, Args&&... args) {
    return finished(*s, std::forward<Args>(args)...);
}

} // namespace costream::stream
