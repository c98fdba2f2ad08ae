// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// timers.hpp: Node's timers module: set_timeout / set_interval / set_immediate, their
// clear_* functions and the timeout / immediate handles.
#pragma once

#include <costream/config.hpp>
#include <costream/loop.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace costream {

/// A timer delay in milliseconds, as Node takes it: any number or a std::chrono duration.
/// Node's rule applies: a value that is not in [1, 2^31-1] (0, negative, NaN, too large)
/// means 1 ms; fractions are truncated.
struct timer_delay {
    double ms;
    template <class T>
    requires std::is_arithmetic_v<T> timer_delay(T v)
    noexcept : ms(static_cast<double>(v)) {} // NOLINT: implicit like Node
    template <class Rep, class Period>
    timer_delay(std::chrono::duration<Rep, Period> d) noexcept // NOLINT
        : ms(std::chrono::duration<double, std::milli>(d).count()) {}

    /// The whole milliseconds Node uses for this delay.
    std::int64_t normalized() const noexcept {
        constexpr double timeout_max = 2147483647.0; // node: TIMEOUT_MAX = 2 ** 31 - 1
        if (!(ms >= 1 && ms <= timeout_max)) return 1;
        return static_cast<std::int64_t>(std::trunc(ms));
    }
};

/// Node's Timeout object, returned by set_timeout and set_interval. A copyable handle: the
/// timer runs whether or not the handle is kept (like ignoring setTimeout's return value);
/// the handle lets you clear, ref/unref or refresh it. Use only on its loop's thread, and
/// not after its loop is destroyed.
class timeout {
public:
    timeout() = default;
    timeout(const timeout& o) noexcept : n_(o.n_) {
        if (n_) n_->add_ref();
    }
    timeout(timeout&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
    timeout& operator=(timeout o) noexcept {
        std::swap(n_, o.n_);
        return *this;
    }
    ~timeout() {
        if (n_) n_->release();
    }

    /// Node's timeout.ref(): the timer keeps the loop alive again.
    timeout& ref() {
        if (n_ && n_->owner) n_->owner->timer_ref(n_, true, true);
        return *this;
    }
    /// Node's timeout.unref(): run() may return while this timer is pending.
    timeout& unref() {
        if (n_ && n_->owner) n_->owner->timer_ref(n_, true, false);
        return *this;
    }
    /// Node's timeout.hasRef().
    bool has_ref() const noexcept { return n_ && n_->refed; }
    /// Node's timeout.refresh(): restarts the delay from now, keeping the callback; also
    /// re-arms a timer that already fired. No effect once cleared.
    timeout& refresh() {
        if (n_ && n_->owner) n_->owner->timer_refresh(n_);
        return *this;
    }
    /// Node's timeout.close(): clear_timeout(*this).
    timeout& close();

    explicit operator bool() const noexcept { return n_ != nullptr; }
    friend bool operator==(const timeout& a, const timeout& b) noexcept { return a.n_ == b.n_; }

private:
    friend timeout detail_make_timeout(detail::timer_node*);
    friend void clear_timeout(const timeout&);
    explicit timeout(detail::timer_node* n) noexcept : n_(n) { n_->add_ref(); }
    detail::timer_node* n_ = nullptr;
};

/// Node's Immediate object, returned by set_immediate.
class immediate {
public:
    immediate() = default;
    immediate(const immediate& o) noexcept : n_(o.n_) {
        if (n_) n_->add_ref();
    }
    immediate(immediate&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
    immediate& operator=(immediate o) noexcept {
        std::swap(n_, o.n_);
        return *this;
    }
    ~immediate() {
        if (n_) n_->release();
    }

    /// Node's immediate.ref().
    immediate& ref() {
        if (n_ && n_->owner) n_->owner->timer_ref(n_, false, true);
        return *this;
    }
    /// Node's immediate.unref(): run() may return while it is pending.
    immediate& unref() {
        if (n_ && n_->owner) n_->owner->timer_ref(n_, false, false);
        return *this;
    }
    /// Node's immediate.hasRef().
    bool has_ref() const noexcept { return n_ && n_->refed; }

    explicit operator bool() const noexcept { return n_ != nullptr; }

private:
    template <class F, class... Args>
    friend immediate set_immediate(F&&, Args&&...);
    friend void clear_immediate(const immediate&);
    explicit immediate(detail::loop_handle_node* n) noexcept : n_(n) { n_->add_ref(); }
    detail::loop_handle_node* n_ = nullptr;
};

namespace detail {

template <class F, class... Args>
auto bind_timer_args(F&& f, Args&&... args) {
    if constexpr (sizeof...(Args) == 0)
        return std::forward<F>(f);
    else
        return [f = std::forward<F>(f), ... a = std::forward<Args>(args)]() mutable {
            std::invoke(f, a...);
        };
}

template <class F, class... Args>
timer_node* new_timer(F&& f, timer_delay after, bool repeat, Args&&... args) {
    using fn_t = decltype(bind_timer_args(std::forward<F>(f), std::forward<Args>(args)...));
    auto* n = new loop_handle_impl<timer_node, fn_t>(
        bind_timer_args(std::forward<F>(f), std::forward<Args>(args)...));
    std::int64_t ms = after.normalized();
    n->idle_timeout = ms;
    n->repeat = repeat ? ms : 0;
    return n;
}

} // namespace detail

inline timeout detail_make_timeout(detail::timer_node* n) {
    timeout t(n); // handle ref keeps it alive while the loop inserts it
    loop& l = loop::current();
    l.timer_created(n);
    l.timer_insert(n, n->idle_timeout);
    return t;
}

/// Node's setTimeout(f, delay, ...args): calls f(args...) once after `delay` ms (see
/// timer_delay for how Node reads the delay) in the timers phase. Timers fire by due time,
/// then creation order. Returns the handle (which need not be kept).
template <class F, class... Args>
timeout set_timeout(F&& f, timer_delay delay = 1, Args&&... args) {
    return detail_make_timeout(
        detail::new_timer(std::forward<F>(f), delay, false, std::forward<Args>(args)...));
}

/// Node's setInterval(f, delay, ...args): calls f(args...) every `delay` ms until cleared;
/// the next run is scheduled from the time the callback started, as Node does.
template <class F, class... Args>
timeout set_interval(F&& f, timer_delay delay = 1, Args&&... args) {
    return detail_make_timeout(
        detail::new_timer(std::forward<F>(f), delay, true, std::forward<Args>(args)...));
}

/// Node's clearTimeout(t): the callback will not run (again). Safe inside the callback.
inline void clear_timeout(const timeout& t) {
    if (t.n_ && t.n_->has_callback) {
        t.n_->has_callback = false;
        if (t.n_->owner) t.n_->owner->timer_unenroll(t.n_);
    }
}

/// Node's clearInterval(t): the same as clear_timeout.
inline void clear_interval(const timeout& t) {
    clear_timeout(t);
}

inline timeout& timeout::close() {
    clear_timeout(*this);
    return *this;
}

/// Node's setImmediate(f, ...args): calls f(args...) in the check phase of this
/// iteration (or the next one, when called from the check phase).
template <class F, class... Args>
immediate set_immediate(F&& f, Args&&... args) {
    using fn_t = decltype(detail::bind_timer_args(std::forward<F>(f), std::forward<Args>(args)...));
    auto* n = new detail::loop_handle_impl<detail::loop_handle_node, fn_t>(
        detail::bind_timer_args(std::forward<F>(f), std::forward<Args>(args)...));
    immediate h(n);
    loop::current().immediate_add(n);
    return h;
}

/// Node's clearImmediate(i).
inline void clear_immediate(const immediate& i) {
    if (i.n_ && i.n_->owner) i.n_->owner->immediate_clear(i.n_);
}

} // namespace costream
