// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// abort_signal.hpp: abort_controller and abort_signal, Node's AbortController/AbortSignal
// (lib/internal/abort_controller.js), and their bridge to Asio cancellation slots.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>
#include <costream/loop.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <memory>
#include <utility>

namespace costream {

namespace detail {
/// The shared state of a signal: an emitter of 'abort', the flag and the reason, and an
/// Asio cancellation signal fired with it (for operations bound to cancellation_slot()).
struct abort_state : event_emitter {
    abort_state() : event_emitter("AbortSignal") {}
    bool aborted = false;
    boost::system::error_code reason;
    boost::asio::cancellation_signal asio_signal;
};
} // namespace detail

/// Node's AbortSignal: tells operations that their caller gave up. A shared handle (copies
/// refer to the same signal, as JS references do); obtained from an abort_controller or from
/// abort_signal::abort(). Loop-bound, not thread-safe.
///
/// aborted() becomes true and reason() is set at abort(); 'abort' is emitted once,
/// synchronously, with no arguments (Node dispatches an Event whose target is the signal:
/// listeners read reason()). Operations that take a signal (pipeline, finished,
/// add_abort_signal) fail with errc::abort_err (Node's AbortError, code ABORT_ERR); the
/// reason is Node's `err.cause`. The reason is an error_code: abort() without one gives
/// errc::abort_err, standing for Node's DOMException AbortError.
///
/// Asio: cancellation_slot() is a slot that receives cancellation_type::terminal when the
/// signal aborts, so any Asio operation can be cancelled by a controller:
/// `sock.async_read_some(buf, asio::bind_cancellation_slot(sig.cancellation_slot(), tok))`.
/// An Asio slot holds one handler at a time, as Asio requires.
///
///     costream::abort_controller ac;
///     co_await costream::stream::pipeline(src, dst, {.signal = ac.signal()});  // elsewhere:
///     ac.abort();
class abort_signal {
public:
    /// Node's AbortSignal.abort(reason): a signal that is already aborted.
    static abort_signal abort(boost::system::error_code reason = make_error_code(errc::abort_err)) {
        abort_signal s(std::make_shared<detail::abort_state>());
        s.s_->aborted = true;
        s.s_->reason = reason ? reason : make_error_code(errc::abort_err);
        return s;
    }

    /// Node's signal.aborted.
    bool aborted() const noexcept { return s_->aborted; }
    /// Node's signal.reason (empty until aborted).
    boost::system::error_code reason() const noexcept { return s_->reason; }
    /// Node's signal.throwIfAborted(): throws boost::system::system_error(reason()).
    void throw_if_aborted() const {
        if (s_->aborted) throw boost::system::system_error(s_->reason);
    }

    /// Adds an 'abort' listener (Node: signal.addEventListener('abort', fn)). Returns its id.
    /// As with an EventTarget listener, an exception it throws does not stop abort(): the
    /// other listeners still run, the Asio slot still fires, and the exception is an
    /// uncaught exception of the current loop (a next tick rethrows it, so loop::run()
    /// throws it or gives it to loop::on_uncaught_exception).
    template <class F>
    listener_id on_abort(F&& f) {
        return s_->once("abort", [f = std::forward<F>(f)]() mutable {
            try {
                f();
            } catch (...) {
                detail::report_uncaught(loop::current(), std::current_exception());
            }
        });
    }
    /// Removes an 'abort' listener (Node: removeEventListener).
    bool off_abort(listener_id id) { return s_->off("abort", id); }
    /// Number of 'abort' listeners.
    std::size_t abort_listener_count() const noexcept { return s_->listener_count("abort"); }
    /// The underlying emitter (event 'abort').
    event_emitter& emitter() const noexcept { return *s_; }

    /// An Asio cancellation slot fired (terminal) when this signal aborts.
    boost::asio::cancellation_slot cancellation_slot() const noexcept {
        return s_->asio_signal.slot();
    }

    friend bool operator==(const abort_signal& a, const abort_signal& b) noexcept {
        return a.s_ == b.s_;
    }

private:
    friend class abort_controller;
    explicit abort_signal(std::shared_ptr<detail::abort_state> s) noexcept : s_(std::move(s)) {}
    std::shared_ptr<detail::abort_state> s_;
};

/// Node's AbortController: owns a signal and aborts it.
///
///     costream::abort_controller ac;
///     auto sig = ac.signal();
///     sig.on_abort([&] { std::cout << sig.reason().message(); });
///     ac.abort();   // 'abort' once; a second abort() does nothing
class abort_controller {
public:
    abort_controller() : s_(std::make_shared<detail::abort_state>()) {}

    /// Node's controller.signal.
    abort_signal signal() const noexcept { return abort_signal(s_); }

    /// Node's controller.abort(reason): sets aborted and reason, emits 'abort' once, then
    /// fires the Asio cancellation slot. Later calls do nothing. An empty reason means Node's
    /// default DOMException AbortError, errc::abort_err.
    void abort(boost::system::error_code reason = make_error_code(errc::abort_err)) {
        // node: abort_controller.js abortSignal
        if (s_->aborted) return;
        auto keep = s_;
        keep->aborted = true;
        keep->reason = reason ? reason : make_error_code(errc::abort_err);
        keep->emit("abort");
        keep->asio_signal.emit(boost::asio::cancellation_type::terminal);
    }

private:
    std::shared_ptr<detail::abort_state> s_;
};

} // namespace costream
