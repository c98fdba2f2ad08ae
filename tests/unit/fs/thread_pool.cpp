// costream::thread_pool's queue and wake-up path (the pool all fs calls run on): work
// handed from a spinning thread, from a sleeping one, in bursts and from several loops, is
// run exactly once and completes on its loop; work left after join() is destroyed unrun.
// (tests/unit/loop/thread_pool.cpp covers offload() itself.)
#include <costream/thread_pool.hpp>

#include <costream/loop.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace {

// A unit of work on a test's own pool: counts its runs on the pool and, on the loop,
// calls `next` (which may submit more work).
struct counted_work final : costream::detail::pool_work {
    std::atomic<int>* runs = nullptr;
    std::atomic<int>* destroyed = nullptr;
    std::thread::id* ran_on = nullptr;
    std::function<void()> next;
    void run() noexcept override {
        runs->fetch_add(1, std::memory_order_relaxed);
        if (ran_on) *ran_on = std::this_thread::get_id();
    }
    void complete() override {
        costream::loop::current().pool_work_finished();
        if (next) next();
    }
    ~counted_work() override {
        if (destroyed) destroyed->fetch_add(1, std::memory_order_relaxed);
    }
};

void submit(costream::thread_pool& pool, costream::loop& l, std::atomic<int>& runs,
            std::function<void()> next, std::atomic<int>* destroyed = nullptr) {
    auto w = std::make_unique<counted_work>();
    w->runs = &runs;
    w->destroyed = destroyed;
    w->next = std::move(next);
    w->target = l.remote_state();
    l.pool_work_started();
    pool.submit(std::move(w));
}

// A chain of `n` jobs, each submitted by the completion of the one before: the next job
// arrives while the thread that ran the previous one is still spinning (or, with spin 0,
// after it went to sleep).
int run_chain(costream::thread_pool& pool, int n) {
    costream::loop l;
    std::atomic<int> runs{0};
    int completed = 0;
    std::function<void()> step = [&] {
        if (++completed < n) submit(pool, l, runs, step);
    };
    submit(pool, l, runs, step);
    l.run();
    CHECK(runs.load() == n);
    return completed;
}

} // namespace

TEST_CASE("a chain of pool jobs, each submitted by the previous completion, all run once") {
    for (auto spin : {std::chrono::microseconds(0), std::chrono::microseconds(50),
                      std::chrono::microseconds(10000)}) {
        CAPTURE(spin.count());
        costream::thread_pool pool(2, spin);
        CHECK(run_chain(pool, 3000) == 3000);
    }
}

TEST_CASE("bursts larger than the spinning threads wake sleeping threads for the rest") {
    // Every completion submits two jobs until 4000 were submitted: one can go to the spinning
    // thread, the other needs a sleeper woken (or a thread finishing its job).
    for (std::size_t threads : {1, 2, 4}) {
        CAPTURE(threads);
        costream::thread_pool pool(threads, std::chrono::microseconds(200));
        costream::loop l;
        std::atomic<int> runs{0};
        int submitted = 0, completed = 0;
        std::function<void()> step = [&] {
            ++completed;
            for (int i = 0; i < 2 && submitted < 4000; ++i, ++submitted)
                submit(pool, l, runs, step);
        };
        submitted = 1;
        submit(pool, l, runs, step);
        l.run();
        CHECK(runs.load() == 4000);
        CHECK(completed == 4000);
    }
}

TEST_CASE("several loops on their own threads share one spinning pool") {
    costream::thread_pool pool(2, std::chrono::microseconds(100));
    std::vector<std::thread> threads;
    std::atomic<int> total{0};
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&] { total += run_chain(pool, 500); });
    for (auto& th : threads)
        th.join();
    CHECK(total.load() == 1500);
}

TEST_CASE("a pool job runs on a pool thread, never on the loop's") {
    costream::thread_pool pool(1, std::chrono::microseconds(100));
    costream::loop l;
    std::atomic<int> runs{0};
    std::thread::id ran_on;
    auto w = std::make_unique<counted_work>();
    w->runs = &runs;
    w->ran_on = &ran_on;
    w->target = l.remote_state();
    l.pool_work_started();
    pool.submit(std::move(w));
    l.run();
    CHECK(runs.load() == 1);
    CHECK(ran_on != std::this_thread::get_id());
}

TEST_CASE("work submitted after join() is destroyed without running") {
    std::atomic<int> runs{0}, destroyed{0};
    {
        costream::loop l;
        costream::thread_pool pool(2, std::chrono::microseconds(50));
        pool.join();
        submit(pool, l, runs, nullptr, &destroyed);
        submit(pool, l, runs, nullptr, &destroyed);
        pool.join(); // again: drops what was queued since
        CHECK(destroyed.load() == 2);
        submit(pool, l, runs, nullptr, &destroyed);
    } // the pool's destructor drops the third (the loop never runs)
    CHECK(destroyed.load() == 3);
    CHECK(runs.load() == 0);
}

TEST_CASE("an idle pool thread spins 50 us by default (COSTREAM_THREADPOOL_SPIN_US)") {
    if (std::getenv("COSTREAM_THREADPOOL_SPIN_US") == nullptr)
        CHECK(costream::thread_pool::default_spin() == std::chrono::microseconds(50));
}
