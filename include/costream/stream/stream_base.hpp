// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/stream_base.hpp: stream_base, what every stream shares (Node's Stream plus
// internal/streams/destroy.js), its intrusive handle stream::ptr and the factory make().
#pragma once

#include <costream/config.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>
#include <costream/loop.hpp>
#include <costream/stream/detail/state.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace costream::stream {

namespace detail {
class exception_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "costream.exception"; }
    std::string message(int) const override { return "an exception was thrown"; }
};

/// Thrown by pipe()'s 'error' listener for an error nobody else listens to (Node re-emits it,
/// which throws): it must leave the 'error' emit as an uncaught exception, not be taken for a
/// throwing listener.
class unhandled_error : public boost::system::system_error {
public:
    unhandled_error(const boost::system::error_code& ec, std::exception_ptr original)
        : boost::system::system_error(ec), original_(std::move(original)) {}
    /// Throws what leaves the loop: the original exception if there is one.
    [[noreturn]] void rethrow() const {
        if (original_) std::rethrow_exception(original_);
        throw boost::system::system_error(code());
    }

private:
    std::exception_ptr original_;
};
} // namespace detail

/// The category of the error_code a stream reports when it was destroyed by a C++ exception
/// that carries no error_code of its own (anything but a boost::system::system_error): a
/// throwing listener or hook, a throwing source of from(), operator callback or pipeline
/// function stage. Its one value is 1. node_code() gives "UNKNOWN" (Node's thrown Error has
/// no `code` either); the exception itself is the stream's errored_exception().
inline const boost::system::error_category& exception_category() noexcept {
    static const detail::exception_category_impl c;
    return c;
}

/// The error_code a stream reports for exception `e`: the code of a
/// boost::system::system_error (so `throw boost::system::system_error(errc::...)` reports
/// that code), else {1, exception_category()}; empty for a null `e`.
inline boost::system::error_code error_code_of(const std::exception_ptr& e) noexcept {
    if (!e) return {};
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
        if (se.code()) return se.code();
    } catch (...) {
    }
    return {1, exception_category()};
}

class stream_base;
template <class T>
class ptr;

template <class T, class... Args>
requires std::is_base_of_v<stream_base, T> ptr<T> make(Args&&... args);

/// An intrusive, non-atomic reference to a stream (streams are loop-bound, single-threaded).
///
/// Lifetime rule: a stream made by make() lives while a ptr refers to it *or* while any of
/// its scheduled callbacks (next_tick, microtask, pending hook callback) has not run yet,
/// which is Node's garbage-collector guarantee: dropping your last ptr never cuts an event
/// short. Listeners belong to the stream: a listener that captures a ptr to its own stream
/// makes a cycle (the stream is never freed); capture a raw pointer or reference instead.
template <class T>
class ptr {
public:
    using element_type = T;

    ptr() noexcept = default;
    ptr(std::nullptr_t) noexcept {} // NOLINT
    /// Takes a new reference on `p` (may be null).
    explicit ptr(T* p) noexcept : p_(p) {
        if (p_) p_->add_ref();
    }
    ptr(const ptr& o) noexcept : ptr(o.p_) {}
    ptr(ptr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
    template <class U>
    requires std::is_convertible_v<U*, T*> ptr(const ptr<U>& o)
    noexcept : ptr(static_cast<T*>(o.get())) {} // NOLINT
    template <class U>
    requires std::is_convertible_v<U*, T*> ptr(ptr<U>&& o)
    noexcept : p_(o.release_raw()) {} // NOLINT
    ptr& operator=(ptr o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~ptr() {
        if (p_) p_->release();
    }

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    void reset() noexcept { ptr().swap_with(*this); }

    /// Gives up the reference without releasing it (for converting moves).
    T* release_raw() noexcept {
        T* p = p_;
        p_ = nullptr;
        return p;
    }
    friend bool operator==(const ptr& a, const ptr& b) noexcept { return a.p_ == b.p_; }

private:
    void swap_with(ptr& o) noexcept { std::swap(p_, o.p_); }
    T* p_ = nullptr;
};

/// What every stream shares: an event_emitter, the reference count, and Node's destroy
/// machinery (internal/streams/destroy.js): destroy(err) sets `destroyed` at once, calls
/// do_destroy, then emits 'error' (at most once) and 'close' on a later tick, in that order.
///
/// A stream on the stack (not from make()) works as long as it outlives every event it
/// scheduled; make() removes that burden.
class stream_base : public event_emitter {
public:
    stream_base(const stream_base&) = delete;
    stream_base& operator=(const stream_base&) = delete;
    virtual ~stream_base() = default;

    /// Node's destroy(err): destroys the stream, with an error or without. The second and
    /// later calls do nothing. 'error' (if `ec`) then 'close' are emitted on the next tick.
    stream_base& destroy(const boost::system::error_code& ec = {}) {
        ptr<stream_base> keep(this);
        destroy_impl(ec);
        return *this;
    }

    /// Node's destroy(err) where `err` is a thrown exception: destroys the stream with
    /// error_code_of(e) and keeps `e`, which errored_exception() then returns (unless the
    /// stream had failed before: the first error wins).
    stream_base& destroy(std::exception_ptr e) {
        ptr<stream_base> keep(this);
        if (!destroyed() && !errored()) exception_ = e;
        destroy_impl(error_code_of(e));
        return *this;
    }

    /// The exception behind errored(), when the stream failed by one: a listener or hook
    /// that threw (see docs/streams.md, "Exceptions"), destroy(exception_ptr), a throwing
    /// source of from(). Null when the stream failed with a plain error_code, or not at all.
    /// `std::rethrow_exception(s->errored_exception())` gives the user's own exception back.
    std::exception_ptr errored_exception() const noexcept { return exception_; }

    /// Runs user code `f` (a listener emit, a hook, a user callback) for this stream: an
    /// exception leaving it destroys the stream with that exception and does not
    /// propagate, so that no exception escapes into the loop (DESIGN.md, "Errors"). Costs
    /// nothing while nothing throws (table-based unwinding).
    template <class F>
    [[gnu::always_inline]] inline void guard(F&& f) {
        try {
            std::forward<F>(f)();
        } catch (...) {
            current_threw();
        }
    }

    /// emit(name, args...) guarded (see guard()); for any event but 'error'.
    template <class... Args>
    void emit_guarded(std::string_view name, Args&&... args) {
        guard([&] { this->emit(name, std::forward<Args>(args)...); });
    }

    /// Node's `destroyed`.
    bool destroyed() const noexcept {
        return (ws_ && ws_->has(detail::k_destroyed)) || (rs_ && rs_->has(detail::k_destroyed));
    }
    /// Node's `closed`: do_destroy has completed.
    bool closed() const noexcept {
        return (ws_ && ws_->has(detail::k_closed)) || (rs_ && rs_->has(detail::k_closed));
    }
    /// Node's `errored`: the error the stream was destroyed or failed with (empty if none).
    boost::system::error_code errored() const noexcept {
        if (ws_ && ws_->errored()) return ws_->errored_value;
        if (rs_ && rs_->errored()) return rs_->errored_value;
        return {};
    }

    /// The loop the stream was created on (its events are scheduled there).
    costream::loop& get_loop() const noexcept { return *loop_; }

    /// Reference counting used by ptr (non-atomic).
    void add_ref() noexcept { ++refs_; }
    void release() noexcept {
        if (--refs_ == 0) [[unlikely]]
            last_release();
    }
    /// Current reference count (for tests and diagnostics).
    std::size_t use_count() const noexcept { return refs_; }

    /// Callback handed to do_destroy: call it once, with the error to report (or none).
    class destroy_callback {
    public:
        explicit destroy_callback(stream_base* s) noexcept : s_(s) {}
        destroy_callback(destroy_callback&&) noexcept = default;
        destroy_callback& operator=(destroy_callback&&) noexcept = default;
        /// node: destroy.js onDestroy; a second call is ignored, as in Node.
        void operator()(const boost::system::error_code& ec = {}) {
            if (!s_) return;
            ptr<stream_base> s = std::move(s_);
            // do_destroy threw and its exception closed the stream (node: `called`)
            if (s->closed()) return;
            s->on_destroy(ec);
        }

    private:
        ptr<stream_base> s_;
    };

protected:
    stream_base() noexcept : event_emitter("Stream"), loop_(&costream::loop::current()) {}

    /// Node's _destroy(err, cb): release resources, then call cb (with `ec` to report it).
    virtual void do_destroy(const boost::system::error_code& ec, destroy_callback cb) { cb(ec); }

    /// Node's Stream.prototype.destroy for the concrete class (Writable overrides it to fail
    /// its buffered writes first).
    virtual void destroy_impl(const boost::system::error_code& ec) { base_destroy(ec); }

    /// True while the writable side can still take writes (node: utils.js isWritable); the
    /// writable side overrides it. Used by the iterator's destroyer().
    virtual bool writable_side_open() const noexcept { return false; }
    /// True while the readable side has not ended (node: utils.js isReadable).
    virtual bool readable_side_open() const noexcept { return false; }

    /// node: destroy.js destroy(err, cb).
    void base_destroy(const boost::system::error_code& ec) {
        if (destroyed()) return;
        check_error(ec);
        if (ws_) ws_->set(detail::k_destroyed);
        if (rs_) rs_->set(detail::k_destroyed);
        // node: destroy.js _destroy(self, err, cb): an exception from _destroy is its error
        try {
            do_destroy(ec, destroy_callback(this));
        } catch (...) {
            if (closed()) return; // the callback had been called: Node ignores it too
            if (!errored()) exception_ = std::current_exception();
            on_destroy(error_code_of(std::current_exception()));
        }
    }

    /// What a throwing listener or hook does to its stream: destroy(e), as if it had called
    /// it. When the stream is already destroyed, the exception is kept as the stream's error
    /// only if it has none yet and 'close' is still to come ('error' is then emitted before
    /// 'close'). Otherwise the stream is left as it is (the first error wins, 'error' and
    /// 'close' are emitted once: a throwing 'error' or 'close' listener cannot recurse) and
    /// the exception becomes an uncaught exception of the loop, as in Node, where a listener's
    /// exception that no stream catches is one.
    [[gnu::noinline, gnu::cold]] void user_threw(std::exception_ptr e) {
        if (!destroyed()) {
            destroy(std::move(e));
            return;
        }
        const auto bit = detail::k_close_emitted | detail::k_error_emitted;
        if (errored() || (ws_ && ws_->has(bit)) || (rs_ && rs_->has(bit))) {
            costream::detail::report_uncaught(*loop_, std::move(e));
            return;
        }
        exception_ = e;
        late_error_ = true;
        check_error(error_code_of(e));
    }

    /// user_threw(std::current_exception()), for catch blocks: out of line and cold, so that
    /// a catch handler on a hot path is one call.
    [[gnu::noinline, gnu::cold]] void current_threw() { user_threw(std::current_exception()); }

    /// node: destroy.js errorOrDestroy(stream, err, sync).
    void error_or_destroy(const boost::system::error_code& ec, bool sync = false) {
        if (destroyed()) return;
        if ((rs_ && rs_->has(detail::k_auto_destroy)) ||
            (ws_ && ws_->has(detail::k_auto_destroy))) {
            destroy(ec);
        } else if (ec) {
            if (ws_ && !ws_->errored()) ws_->set_errored(ec);
            if (rs_ && !rs_->errored()) rs_->set_errored(ec);
            if (sync)
                next_tick([s = ptr<stream_base>(this), ec] { s->emit_error_nt(ec); });
            else
                emit_error_nt(ec);
        }
    }

    /// node: destroy.js undestroy(): makes a destroyed stream usable again (sides reset by
    /// the derived classes, which override this and call it).
    virtual void undestroy() {
        for (detail::side_state* s : {rs_, ws_}) {
            if (!s) continue;
            s->clear(detail::k_closed | detail::k_close_emitted | detail::k_destroyed |
                     detail::k_errored | detail::k_error_emitted);
            s->set(detail::k_constructed);
        }
        exception_ = nullptr;
        late_error_ = false;
    }

    /// node: destroyImpl.destroyer(stream, err): destroys with AbortError when the stream is
    /// not finished yet.
    void destroyer(boost::system::error_code ec) {
        if (destroyed()) return;
        bool finished = !readable_side_open() && !writable_side_open();
        if (!ec && !finished) ec = make_error_code(errc::abort_err);
        destroy(ec);
    }

    /// Schedules `f` on the stream's loop next-tick queue.
    template <class F>
    void next_tick(F&& f) {
        loop_->next_tick(std::forward<F>(f));
    }

    detail::side_state* rs_ = nullptr; // the readable side's state, if any
    detail::side_state* ws_ = nullptr; // the writable side's state, if any

private:
    template <class T, class... Args>
    requires std::is_base_of_v<stream_base, T>
    friend ptr<T> make(Args&&... args);

    // The last reference went away: out of line, so that release() inlines everywhere.
    [[gnu::noinline, gnu::cold]] void last_release() noexcept {
        if (heap_) delete this;
    }

    void check_error(const boost::system::error_code& ec) noexcept {
        if (!ec) return;
        if (ws_ && !ws_->errored()) ws_->set_errored(ec);
        if (rs_ && !rs_->errored()) rs_->set_errored(ec);
    }

    // node: destroy.js onDestroy
    void on_destroy(const boost::system::error_code& ec) {
        check_error(ec);
        if (ws_) ws_->set(detail::k_closed);
        if (rs_) rs_->set(detail::k_closed);
        if (ec)
            next_tick([s = ptr<stream_base>(this), ec] {
                // node: destroy.js emitErrorCloseNT
                s->emit_error_nt(ec);
                s->emit_close_nt();
            });
        else
            next_tick([s = ptr<stream_base>(this)] {
                // a listener or hook threw while the stream was being destroyed without error
                if (s->late_error_) [[unlikely]]
                    s->emit_error_nt(s->errored());
                s->emit_close_nt();
            });
    }

    // node: destroy.js emitCloseNT
    void emit_close_nt() {
        if (ws_) ws_->set(detail::k_close_emitted);
        if (rs_) rs_->set(detail::k_close_emitted);
        if ((ws_ && ws_->has(detail::k_emit_close)) || (rs_ && rs_->has(detail::k_emit_close)))
            guard([this] { emit("close"); });
    }

    // node: destroy.js emitErrorNT
    void emit_error_nt(const boost::system::error_code& ec) {
        if ((ws_ && ws_->has(detail::k_error_emitted)) ||
            (rs_ && rs_->has(detail::k_error_emitted)))
            return;
        if (ws_) ws_->set(detail::k_error_emitted);
        if (rs_) rs_->set(detail::k_error_emitted);
        if (!has_listeners("error")) {
            // node: emit('error') without a listener throws the error itself (an uncaught
            // exception); it leaves run() unless loop::on_uncaught_exception handles it.
            if (exception_) std::rethrow_exception(exception_);
            throw boost::system::system_error(ec);
        }
        try {
            emit("error", ec);
        } catch (const detail::unhandled_error& u) {
            u.rethrow(); // pipe(): nobody else listens to 'error' (see pipe.hpp)
        } catch (...) {
            user_threw(std::current_exception());
        }
    }

    costream::loop* loop_;
    std::exception_ptr exception_; // the exception behind errored(), if any
    std::size_t refs_ = 0;
    bool heap_ = false;
    bool late_error_ = false; // user_threw recorded an error after destroy() without one
};

/// Creates a stream of type T on the heap and returns the first reference to it. Streams
/// must be made this way to get the lifetime rule of ptr (Node's GC): the stream stays alive
/// until its last reference *and* its last scheduled callback are gone.
///
///     auto r = costream::stream::make<my_readable>(args...);
template <class T, class... Args>
requires std::is_base_of_v<stream_base, T> ptr<T> make(Args&&... args) {
    T* p = new T(std::forward<Args>(args)...);
    static_cast<stream_base*>(p)->heap_ = true;
    return ptr<T>(p);
}

} // namespace costream::stream
