// The hand-written baseline of the stream benchmarks (PERFORMANCE.md, "own ring buffers"):
// C++20 coroutines on Asio joined by bounded single-producer single-consumer rings, resumed
// from an own FIFO of coroutine handles; a side suspends only when it must (ring full or
// empty). This is what a careful Asio programmer writes by hand; costream is measured
// against it. Shared by stream_bytes.cpp and stream_objects.cpp so both compare with the
// same code.
#pragma once

#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <utility>

namespace costream_bench {

/// The FIFO of ready coroutines (one resumption per real suspension).
struct scheduler {
    std::deque<std::coroutine_handle<>> ready;
    void run() {
        while (!ready.empty()) {
            auto h = ready.front();
            ready.pop_front();
            h.resume();
        }
    }
};

/// A fire-and-forget coroutine: starts at once, frees itself at the end.
struct task {
    struct promise_type {
        task get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() { std::terminate(); }
    };
};

/// A bounded ring of N values between one producer and one consumer coroutine.
template <class T, std::size_t N = 16>
struct ring_channel {
    explicit ring_channel(scheduler* s) : sched(s) {}
    scheduler* sched;
    T buf[N]{};
    std::size_t head = 0, size = 0;
    bool closed = false;
    std::coroutine_handle<> waiting_producer, waiting_consumer;

    struct push_awaiter {
        ring_channel& c;
        bool await_ready() const noexcept { return c.size < N; }
        void await_suspend(std::coroutine_handle<> h) noexcept { c.waiting_producer = h; }
        void await_resume() const noexcept {}
    };
    struct pop_awaiter {
        ring_channel& c;
        bool await_ready() const noexcept { return c.size > 0 || c.closed; }
        void await_suspend(std::coroutine_handle<> h) noexcept { c.waiting_consumer = h; }
        bool await_resume() const noexcept { return c.size > 0; }
    };
    /// co_await: until there is room for one value.
    push_awaiter wait_space() { return {*this}; }
    /// co_await: until a value is there (true) or the ring is closed and empty (false).
    pop_awaiter wait_item() { return {*this}; }
    void put(T v) {
        buf[(head + size) % N] = std::move(v);
        ++size;
        wake(waiting_consumer);
    }
    void close() {
        closed = true;
        wake(waiting_consumer);
    }
    T take() {
        T v = std::move(buf[head]);
        head = (head + 1) % N;
        --size;
        wake(waiting_producer);
        return v;
    }
    void wake(std::coroutine_handle<>& h) {
        if (h) {
            sched->ready.push_back(h);
            h = nullptr;
        }
    }
};

} // namespace costream_bench
