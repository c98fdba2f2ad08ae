// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// promise.hpp: costream::promise<T>, Node's async-function model for C++ coroutines, and
// the use_promise completion token.
#pragma once

#include <costream/config.hpp>
#include <costream/loop.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace costream {

template <class T = void>
class promise;

namespace detail {

/// The shared state of a promise: status, value or error, continuations. Single-threaded
/// (the loop's thread), intrusively counted. `producers` counts what can still settle it
/// (a running coroutine, resolver functions, a pending use_promise handler): when that
/// drops to zero while pending, it can never settle, and its continuations (suspended
/// coroutine frames) are destroyed, as a garbage collector would reclaim them.
class promise_state_base : public loop_rejection {
public:
    enum class status : unsigned char { pending, fulfilled, rejected };

    explicit promise_state_base(loop& l) noexcept : loop_(&l) {}
    promise_state_base(const promise_state_base&) = delete;
    promise_state_base& operator=(const promise_state_base&) = delete;
    virtual ~promise_state_base() = default;

    bool handled() const noexcept override { return handled_; }
    std::exception_ptr error() const noexcept override { return error_; }
    void add_ref() noexcept override { ++refs_; }
    void release() noexcept override {
        if (--refs_ == 0) delete this;
    }

    void add_producer() noexcept {
        ++producers_;
        ++refs_;
    }
    void release_producer() noexcept {
        if (--producers_ == 0 && st_ == status::pending) {
            // Nothing can settle it any more: drop the continuations (destroying frames).
            std::vector<loop_task> conts;
            conts.swap(conts_);
            conts.clear();
        }
        release();
    }

    status state() const noexcept { return st_; }
    bool settled() const noexcept { return st_ != status::pending; }
    void mark_handled() noexcept { handled_ = true; }
    costream::loop& owner() const noexcept { return *loop_; }

    /// Runs `t` as a microtask once settled (at once if already settled).
    void add_continuation(loop_task t) {
        if (settled())
            loop_->queue_microtask(std::move(t));
        else
            conts_.push_back(std::move(t));
    }

    /// Resumes `h` as a microtask once settled: a ready result goes straight into the
    /// microtask queue without a loop_task wrapper.
    void add_resume(std::coroutine_handle<> h) {
        if (settled())
            loop_->queue_microtask_resume(h);
        else
            conts_.push_back(loop_task::resume(h));
    }

    void reject(std::exception_ptr e) {
        if (settled()) return;
        error_ = std::move(e);
        st_ = status::rejected;
        if (!handled_) loop_->track_rejection(this);
        schedule();
    }

    const std::exception_ptr& error_ref() const noexcept { return error_; }

protected:
    void fulfilled() {
        st_ = status::fulfilled;
        schedule();
    }

private:
    void schedule() {
        for (auto& t : conts_)
            loop_->queue_microtask(std::move(t));
        conts_.clear();
    }

    costream::loop* loop_;
    std::vector<loop_task> conts_;
    std::exception_ptr error_;
    unsigned refs_ = 0;
    unsigned producers_ = 0;
    status st_ = status::pending;
    bool handled_ = false;
};

template <class T>
class promise_state final : public promise_state_base {
public:
    using promise_state_base::promise_state_base;
    template <class U>
    void resolve(U&& v) {
        if (settled()) return;
        value_.emplace(std::forward<U>(v));
        fulfilled();
    }
    T& value() noexcept { return *value_; }

private:
    std::optional<T> value_;
};

template <>
class promise_state<void> final : public promise_state_base {
public:
    using promise_state_base::promise_state_base;
    void resolve() {
        if (settled()) return;
        fulfilled();
    }
};

/// An owning reference to a promise state; `producer` also counts as able to settle it.
template <class T, bool Producer>
class promise_ref {
public:
    promise_ref() = default;
    explicit promise_ref(promise_state<T>* s) noexcept : s_(s) { acquire(); }
    promise_ref(const promise_ref& o) noexcept : s_(o.s_) { acquire(); }
    promise_ref(promise_ref&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    promise_ref& operator=(promise_ref o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~promise_ref() {
        if (!s_) return;
        if constexpr (Producer)
            s_->release_producer();
        else
            s_->release();
    }
    promise_state<T>* get() const noexcept { return s_; }
    promise_state<T>* operator->() const noexcept { return s_; }
    explicit operator bool() const noexcept { return s_ != nullptr; }

private:
    void acquire() noexcept {
        if (!s_) return;
        if constexpr (Producer)
            s_->add_producer();
        else
            s_->add_ref();
    }
    promise_state<T>* s_ = nullptr;
};

template <class T>
using state_ref = promise_ref<T, false>;
template <class T>
using producer_ref = promise_ref<T, true>;

template <class T>
struct is_promise : std::false_type {};
template <class T>
struct is_promise<promise<T>> : std::true_type {};

/// The completion signature for a value of type T with an exception: (exception_ptr, T),
/// or (exception_ptr) for void.
template <class T>
struct value_completion {
    using type = void(std::exception_ptr, T);
};
template <>
struct value_completion<void> {
    using type = void(std::exception_ptr);
};

template <class T, class F>
struct then_result {
    using type = std::invoke_result_t<F&, T&>;
};
template <class F>
struct then_result<void, F> {
    using type = std::invoke_result_t<F&>;
};

/// Hands the value out of a state: a copy, or a move for move-only types (then a promise
/// of a move-only type should be awaited once).
template <class T>
T take_value(promise_state<T>& s) {
    if constexpr (std::is_copy_constructible_v<T>)
        return s.value();
    else
        return std::move(s.value());
}

} // namespace detail

/// The resolve half of with_resolvers(): settles its promise with a value (once; later
/// calls are ignored, as in JS). Copyable; only on the loop thread.
template <class T>
class resolve_fn {
public:
    explicit resolve_fn(detail::producer_ref<T> s) noexcept : s_(std::move(s)) {}
    template <class U = T>
    requires(!std::is_void_v<T>) void operator()(U&& v) const { s_->resolve(std::forward<U>(v)); }
    void operator()() const requires std::is_void_v<T> { s_->resolve(); }

private:
    detail::producer_ref<T> s_;
};

/// The reject half of with_resolvers().
template <class T>
class reject_fn {
public:
    explicit reject_fn(detail::producer_ref<T> s) noexcept : s_(std::move(s)) {}
    void operator()(std::exception_ptr e) const { s_->reject(std::move(e)); }
    /// Rejects with a copy of `e` as the exception.
    template <class E>
    requires(!std::is_same_v<std::decay_t<E>, std::exception_ptr>) void operator()(E&& e) const {
        s_->reject(std::make_exception_ptr(std::forward<E>(e)));
    }

private:
    detail::producer_ref<T> s_;
};

template <class T>
struct resolvers;

/// A JS Promise for C++ coroutines: the return type of an "async function".
///
/// A coroutine returning promise<T> starts synchronously when called (like calling an async
/// function) and runs until its first suspension; `co_return v` fulfils the promise, an
/// exception leaving the coroutine rejects it. `co_await p` never resumes inline: it
/// resumes as a microtask once p is settled, exactly as Node's `await` does, and rethrows
/// p's exception if it was rejected. Continuations (co_await, then()) of a promise run as
/// microtasks in registration order. Resumption never nests, so chains of any length do
/// not grow the stack.
///
/// A promise is a shared handle (copyable, like a JS promise reference) and belongs to the
/// loop that was current when it was created; use it on that loop's thread only. A promise
/// rejected with no handler (co_await, then with a rejection path, catch_error) by the end
/// of the microtask drain is reported to loop::on_unhandled_rejection (default: thrown from
/// loop::run(), like Node's default --unhandled-rejections=throw).
///
/// Node equivalent: Promise / async function. Example:
///
///     costream::promise<int> add_later(int a) {
///         int b = co_await costream::offload([] { return 41; });
///         co_return a + b;
///     }
template <class T>
class promise {
public:
    using value_type = T;
    using state_type = detail::promise_state<T>;

    /// An empty promise (no state); valid() is false.
    promise() = default;

    /// Promise.resolve(v).
    template <class U = T>
    requires(!std::is_void_v<T>) static promise resolve(U&& v) {
        promise p(new state_type(loop::current()));
        p.s_->resolve(std::forward<U>(v));
        return p;
    }
    /// Promise.resolve() for promise<void>.
    static promise resolve() requires std::is_void_v<T> {
        promise p(new state_type(loop::current()));
        p.s_->resolve();
        return p;
    }
    /// Promise.reject(e).
    static promise reject(std::exception_ptr e) {
        promise p(new state_type(loop::current()));
        p.s_->reject(std::move(e));
        return p;
    }

    bool valid() const noexcept { return static_cast<bool>(s_); }
    bool is_pending() const noexcept { return s_->state() == state_type::status::pending; }
    bool is_fulfilled() const noexcept { return s_->state() == state_type::status::fulfilled; }
    bool is_rejected() const noexcept { return s_->state() == state_type::status::rejected; }

    /// The value of a fulfilled promise, or rethrows the error of a rejected one (marking it
    /// handled). Precondition: settled. For tests and for code after run().
    decltype(auto) get() const {
        s_->mark_handled();
        if (is_rejected()) std::rethrow_exception(s_->error_ref());
        if constexpr (!std::is_void_v<T>) return static_cast<const T&>(s_->value());
    }

    /// p.then(on_fulfilled): a new promise settled with on_fulfilled(value) (or with
    /// p's error, which then needs its own handler). on_fulfilled runs as a microtask.
    template <class F>
    auto then(F on_fulfilled) const {
        return then_impl(std::move(on_fulfilled), nullptr);
    }
    /// p.then(on_fulfilled, on_rejected): on_rejected(exception_ptr) returns the same type.
    template <class F, class R>
    auto then(F on_fulfilled, R on_rejected) const {
        return then_impl(std::move(on_fulfilled), std::move(on_rejected));
    }
    /// p.catch(on_rejected): on_rejected(exception_ptr) must return T (or nothing for void).
    template <class R>
    promise<T> catch_error(R on_rejected) const {
        if constexpr (std::is_void_v<T>)
            return then_impl([] {}, std::move(on_rejected));
        else
            return then_impl([](const T& v) { return v; }, std::move(on_rejected));
    }

    /// Awaiting a promise: suspends, and resumes as a microtask once it is settled.
    struct awaiter {
        detail::state_ref<T> s;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            s->mark_handled();
            s->add_resume(h);
        }
        T await_resume() {
            if (s->state() == state_type::status::rejected) std::rethrow_exception(s->error_ref());
            if constexpr (!std::is_void_v<T>) return detail::take_value(*s.get());
        }
    };
    awaiter operator co_await() const noexcept { return awaiter{s_}; }

    /// An Asio initiating function that completes with (exception_ptr, T) (or
    /// (exception_ptr) for void) once settled, so that asio::awaitable coroutines and
    /// callbacks can wait for a promise: `co_await p.async_wait(asio::use_awaitable)`.
    template <class CompletionToken>
    auto async_wait(CompletionToken&& token) const {
        using sig = typename detail::value_completion<T>::type;
        return boost::asio::async_initiate<CompletionToken, sig>(
            [](auto handler, detail::state_ref<T> s) {
                s->mark_handled();
                auto* raw = s.get();
                raw->add_continuation([h = std::move(handler), s = std::move(s)]() mutable {
                    auto ex = boost::asio::get_associated_executor(h, s->owner().get_executor());
                    boost::asio::dispatch(ex, [h = std::move(h), s = std::move(s)]() mutable {
                        if (s->state() == state_type::status::rejected) {
                            if constexpr (std::is_void_v<T>)
                                std::move(h)(s->error_ref());
                            else
                                std::move(h)(s->error_ref(), T{});
                        } else {
                            if constexpr (std::is_void_v<T>)
                                std::move(h)(std::exception_ptr());
                            else
                                std::move(h)(std::exception_ptr(), detail::take_value(*s.get()));
                        }
                    });
                });
            },
            token, s_);
    }

    /// The coroutine promise type: eager start, settle at the end, frame freed at once.
    struct promise_type;

    /// Low level: the promise for a state (used by use_promise and with_resolvers).
    explicit promise(state_type* s) noexcept : s_(s) {}

private:
    template <class F, class R>
    auto then_impl(F on_fulfilled, R on_rejected) const {
        using U = typename detail::then_result<T, F>::type;
        static_assert(!detail::is_promise<U>::value,
                      "then() callbacks returning a promise are not supported: use a coroutine");
        using next_state = detail::promise_state<U>;
        auto* ns = new next_state(s_->owner());
        promise<U> next(ns);
        // A reaction handles p; without on_rejected the derived promise inherits the error
        // (and needs its own handler), as in JS.
        s_->mark_handled();
        s_->add_continuation([s = s_, n = detail::producer_ref<U>(ns), f = std::move(on_fulfilled),
                              r = std::move(on_rejected)]() mutable {
            try {
                if (s->state() == state_type::status::fulfilled) {
                    if constexpr (std::is_void_v<U>) {
                        if constexpr (std::is_void_v<T>)
                            f();
                        else
                            f(s->value());
                        n->resolve();
                    } else {
                        if constexpr (std::is_void_v<T>)
                            n->resolve(f());
                        else
                            n->resolve(f(s->value()));
                    }
                } else if constexpr (std::is_same_v<R, std::nullptr_t>) {
                    n->reject(s->error_ref());
                } else {
                    if constexpr (std::is_void_v<U>) {
                        r(s->error_ref());
                        n->resolve();
                    } else {
                        n->resolve(r(s->error_ref()));
                    }
                }
            } catch (...) {
                n->reject(std::current_exception());
            }
        });
        return next;
    }

    detail::state_ref<T> s_;
};

template <class T>
struct promise<T>::promise_type {
    detail::producer_ref<T> s{new state_type(loop::current())};

    promise get_return_object() noexcept { return promise(s.get()); }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { s->reject(std::current_exception()); }

    template <class U = T>
    requires(!std::is_void_v<T>) void return_value(U&& v) { s->resolve(std::forward<U>(v)); }
};

template <>
struct promise<void>::promise_type {
    detail::producer_ref<void> s{new state_type(loop::current())};

    promise get_return_object() noexcept { return promise(s.get()); }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { s->reject(std::current_exception()); }
    void return_void() { s->resolve(); }
};

/// Promise.withResolvers(): a pending promise and the functions that settle it.
template <class T>
struct resolvers {
    costream::promise<T> promise;
    resolve_fn<T> resolve;
    reject_fn<T> reject;
};

/// Node's Promise.withResolvers() on the current loop.
template <class T = void>
resolvers<T> with_resolvers() {
    auto* s = new detail::promise_state<T>(loop::current());
    promise<T> p(s);
    detail::producer_ref<T> pr(s);
    return resolvers<T>{std::move(p), resolve_fn<T>(pr), reject_fn<T>(pr)};
}

/// Completion token that makes any Asio (or costream) asynchronous operation return a
/// promise: `int n = co_await sock.async_read_some(buf, costream::use_promise);`.
/// The value type follows the completion signature: () and (error_code) give void,
/// (error_code, X) and (exception_ptr, X) and (X) give X, more values give a std::tuple.
/// A non-zero error_code rejects with boost::system::system_error; an exception_ptr
/// rejects with that exception. This is costream's default completion token.
struct use_promise_t {
    constexpr use_promise_t() noexcept = default;
};
/// The use_promise token object.
inline constexpr use_promise_t use_promise;

namespace detail {

template <class... Args>
struct promise_value {
    using type = std::tuple<Args...>;
};
template <>
struct promise_value<> {
    using type = void;
};
template <class A>
struct promise_value<A> {
    using type = A;
};

template <class... Args>
struct promise_sig_traits {
    static constexpr int error_kind = 0; // 0 none, 1 error_code, 2 exception_ptr
    using value_type = typename promise_value<std::decay_t<Args>...>::type;
};
template <class... Args>
struct promise_sig_traits<boost::system::error_code, Args...> {
    static constexpr int error_kind = 1;
    using value_type = typename promise_value<std::decay_t<Args>...>::type;
};
template <class... Args>
struct promise_sig_traits<std::exception_ptr, Args...> {
    static constexpr int error_kind = 2;
    using value_type = typename promise_value<std::decay_t<Args>...>::type;
};

template <class T, class Traits>
class promise_handler {
public:
    explicit promise_handler(producer_ref<T> s) noexcept : s_(std::move(s)) {}

    template <class... Args>
    void operator()(Args&&... args) {
        complete(std::forward<Args>(args)...);
    }

private:
    template <class E, class... Rest>
    void complete_error(E&& e, Rest&&... rest) {
        if constexpr (Traits::error_kind == 1) {
            if (e) {
                s_->reject(std::make_exception_ptr(boost::system::system_error(e)));
                return;
            }
        } else {
            if (e) {
                s_->reject(e);
                return;
            }
        }
        complete_value(std::forward<Rest>(rest)...);
    }
    template <class... Rest>
    void complete_value(Rest&&... rest) {
        if constexpr (sizeof...(Rest) == 0)
            s_->resolve();
        else if constexpr (sizeof...(Rest) == 1)
            s_->resolve(std::forward<Rest>(rest)...);
        else
            s_->resolve(T(std::forward<Rest>(rest)...));
    }
    template <class... Args>
    void complete(Args&&... args) {
        if constexpr (Traits::error_kind != 0)
            complete_error(std::forward<Args>(args)...);
        else
            complete_value(std::forward<Args>(args)...);
    }

    producer_ref<T> s_;
};

} // namespace detail
} // namespace costream

template <class... Args>
struct boost::asio::async_result<costream::use_promise_t, void(Args...)> {
    using traits = costream::detail::promise_sig_traits<std::decay_t<Args>...>;
    using value_type = typename traits::value_type;
    using return_type = costream::promise<value_type>;

    template <class Initiation, class... InitArgs>
    static return_type initiate(Initiation&& initiation, costream::use_promise_t,
                                InitArgs&&... args) {
        auto* s = new costream::detail::promise_state<value_type>(costream::loop::current());
        return_type p(s);
        std::forward<Initiation>(initiation)(costream::detail::promise_handler<value_type, traits>(
                                                 costream::detail::producer_ref<value_type>(s)),
                                             std::forward<InitArgs>(args)...);
        return p;
    }
};
