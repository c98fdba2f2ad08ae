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

#include <cstddef>
#include <type_traits>
#include <utility>

namespace costream::stream {

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
        if (--refs_ == 0 && heap_) delete this;
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
        // node: destroy.js _destroy(self, err, cb)
        do_destroy(ec, destroy_callback(this));
    }

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
            next_tick([s = ptr<stream_base>(this)] { s->emit_close_nt(); });
    }

    // node: destroy.js emitCloseNT
    void emit_close_nt() {
        if (ws_) ws_->set(detail::k_close_emitted);
        if (rs_) rs_->set(detail::k_close_emitted);
        if ((ws_ && ws_->has(detail::k_emit_close)) || (rs_ && rs_->has(detail::k_emit_close)))
            emit("close");
    }

    // node: destroy.js emitErrorNT
    void emit_error_nt(const boost::system::error_code& ec) {
        if ((ws_ && ws_->has(detail::k_error_emitted)) ||
            (rs_ && rs_->has(detail::k_error_emitted)))
            return;
        if (ws_) ws_->set(detail::k_error_emitted);
        if (rs_) rs_->set(detail::k_error_emitted);
        emit("error", ec);
    }

    costream::loop* loop_;
    std::size_t refs_ = 0;
    bool heap_ = false;
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
