// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/small_function.hpp: a move-only callable with inline storage, for the
// callbacks a stream stores per chunk (write callbacks) without allocating.
#pragma once

#include <costream/config.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace costream::stream::detail {

template <class Sig>
class small_function;

/// A move-only `R(Args...)` callable with 24 bytes of inline storage: a lambda capturing up
/// to three pointers costs no allocation; larger callables are boxed. Empty means "no
/// callback" (Node's nop), which streams test for (allNoop).
template <class R, class... Args>
class small_function<R(Args...)> {
public:
    static constexpr std::size_t inline_size = 24;

    small_function() noexcept = default;
    small_function(std::nullptr_t) noexcept {} // NOLINT: implicit, like std::function

    template <class F>
    requires(!std::is_same_v<std::decay_t<F>, small_function> &&
             !std::is_same_v<std::decay_t<F>, std::nullptr_t> &&
             std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
        small_function(F&& f) { // NOLINT: implicit on purpose
        using T = std::decay_t<F>;
        if constexpr (std::is_pointer_v<T>) {
            if (f == nullptr) return;
        }
        if constexpr (sizeof(T) <= inline_size && alignof(T) <= alignof(void*) &&
                      std::is_nothrow_move_constructible_v<T>) {
            ::new (static_cast<void*>(buf_)) T(std::forward<F>(f));
            ops_ = &inline_ops<T>;
        } else {
            T* p = new T(std::forward<F>(f));
            std::memcpy(buf_, &p, sizeof p);
            ops_ = &boxed_ops<T>;
        }
    }

    small_function(small_function&& o) noexcept : ops_(o.ops_) {
        if (ops_) {
            ops_->move(buf_, o.buf_);
            o.ops_ = nullptr;
        }
    }
    small_function& operator=(small_function&& o) noexcept {
        if (this != &o) {
            reset();
            ops_ = o.ops_;
            if (ops_) {
                ops_->move(buf_, o.buf_);
                o.ops_ = nullptr;
            }
        }
        return *this;
    }
    ~small_function() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }

    /// Calls the callable (it stays stored).
    R operator()(Args... args) { return ops_->call(buf_, std::forward<Args>(args)...); }

    void reset() noexcept {
        if (ops_) {
            const ops* o = ops_;
            ops_ = nullptr;
            o->destroy(buf_);
        }
    }

private:
    struct ops {
        R (*call)(void*, Args&&...);
        void (*destroy)(void*) noexcept;
        void (*move)(void* dst, void* src) noexcept;
    };
    template <class T>
    static constexpr ops inline_ops{
        [](void* p, Args&&... a) -> R {
            return (*std::launder(static_cast<T*>(p)))(std::forward<Args>(a)...);
        },
        [](void* p) noexcept { std::launder(static_cast<T*>(p))->~T(); },
        [](void* dst, void* src) noexcept {
            T* s = std::launder(static_cast<T*>(src));
            ::new (dst) T(std::move(*s));
            s->~T();
        }};
    template <class T>
    static T* boxed(void* p) noexcept {
        T* t;
        std::memcpy(&t, p, sizeof t);
        return t;
    }
    template <class T>
    static constexpr ops boxed_ops{
        [](void* p, Args&&... a) -> R { return (*boxed<T>(p))(std::forward<Args>(a)...); },
        [](void* p) noexcept { delete boxed<T>(p); },
        [](void* dst, void* src) noexcept { std::memcpy(dst, src, sizeof(T*)); }};

    alignas(void*) unsigned char buf_[inline_size];
    const ops* ops_ = nullptr;
};

} // namespace costream::stream::detail
