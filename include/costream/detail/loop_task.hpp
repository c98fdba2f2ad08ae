// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// detail/loop_task.hpp: a small move-only callable with inline storage, for loop work that
// must be moved: promise continuations waiting for a settlement, and work posted from other
// threads (the loop's own queues construct callables in place, see loop_queue.hpp).
#pragma once

#include <costream/config.hpp>

#include <coroutine>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace costream::detail {

/// A move-only `void()` callable with 40 bytes of inline storage: a typical lambda (a few
/// captured pointers or a coroutine handle) costs no allocation. Larger callables are boxed.
/// Invoking consumes it (queue entries run once).
class loop_task {
public:
    static constexpr std::size_t inline_size = 40;

    loop_task() noexcept = default;

    template <class F>
    requires(!std::is_same_v<std::decay_t<F>, loop_task> && std::is_invocable_v<std::decay_t<F>&>)
        loop_task(F&& f) { // NOLINT: implicit on purpose, queues take any callable
        using T = std::decay_t<F>;
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

    /// A task that resumes `h`. Dropping it unrun destroys the frame (the queue owned it).
    static loop_task resume(std::coroutine_handle<> h) noexcept {
        loop_task t;
        void* addr = h.address();
        std::memcpy(t.buf_, &addr, sizeof addr);
        t.ops_ = &handle_ops;
        return t;
    }

    loop_task(loop_task&& o) noexcept : ops_(o.ops_) {
        if (ops_) {
            relocate(o);
            o.ops_ = nullptr;
        }
    }
    loop_task& operator=(loop_task&& o) noexcept {
        if (this != &o) {
            reset();
            ops_ = o.ops_;
            if (ops_) {
                relocate(o);
                o.ops_ = nullptr;
            }
        }
        return *this;
    }
    loop_task(const loop_task&) = delete;
    loop_task& operator=(const loop_task&) = delete;
    ~loop_task() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }

    /// Runs the callable once and leaves *this empty (also when it throws).
    void operator()() {
        const ops* o = ops_;
        ops_ = nullptr;
        o->invoke(buf_);
    }

    /// Destroys the callable without running it.
    void reset() noexcept {
        if (ops_) {
            const ops* o = ops_;
            ops_ = nullptr;
            o->destroy(buf_);
        }
    }

private:
    struct ops {
        void (*invoke)(void*);                       // runs, then destroys (even on throw)
        void (*destroy)(void*);                      // destroys without running
        void (*move)(void* dst, void* src) noexcept; // null: trivially relocatable (memcpy)
    };

    void relocate(loop_task& o) noexcept {
        if (ops_->move)
            ops_->move(buf_, o.buf_);
        else
            std::memcpy(buf_, o.buf_, inline_size);
    }

    template <class T>
    static constexpr bool trivial_v =
        std::is_trivially_copyable_v<T>&& std::is_trivially_destructible_v<T>;

    template <class T>
    static constexpr ops inline_ops{
        [](void* p) {
            T* t = std::launder(static_cast<T*>(p));
            struct guard {
                T* t;
                ~guard() { std::destroy_at(t); }
            } g{t};
            (*t)();
        },
        [](void* p) { std::destroy_at(std::launder(static_cast<T*>(p))); },
        trivial_v<T> ? nullptr : +[](void* dst, void* src) noexcept {
            T* s = std::launder(static_cast<T*>(src));
            ::new (dst) T(std::move(*s));
            std::destroy_at(s);
        }};

    template <class T>
    static T* boxed(void* p) noexcept {
        T* t;
        std::memcpy(&t, p, sizeof t);
        return t;
    }
    template <class T>
    static constexpr ops boxed_ops{[](void* p) {
                                       std::unique_ptr<T> t(boxed<T>(p));
                                       (*t)();
                                   },
                                   [](void* p) { delete boxed<T>(p); }, nullptr};

    static void* handle_of(void* p) noexcept {
        void* a;
        std::memcpy(&a, p, sizeof a);
        return a;
    }
    static constexpr ops handle_ops{
        [](void* p) { std::coroutine_handle<>::from_address(handle_of(p)).resume(); },
        [](void* p) { std::coroutine_handle<>::from_address(handle_of(p)).destroy(); }, nullptr};

    // Pointer alignment (not max_align_t) keeps a loop_task at 48 bytes, 8-aligned, so
    // that it fits in place in a loop_queue slot.
    alignas(void*) unsigned char buf_[inline_size];
    const ops* ops_ = nullptr;
};

} // namespace costream::detail
