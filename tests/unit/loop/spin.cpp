// detail::spin_until, the watcher behind the loop's wait for pool completions, the pool's
// wait for work and a zlib job's wait for its next chunk: it stops watching, for every
// watcher, once a yield showed that another thread needed the core.
#include <costream/loop.hpp>

#include <doctest/doctest.h>

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using clock_type = std::chrono::steady_clock;

struct reset_pause {
    reset_pause() { costream::detail::spin_paused_until().store(0); }
    ~reset_pause() { costream::detail::spin_paused_until().store(0); }
};

// The first CPU this process may run on (a container may not allow CPU 0).
int first_allowed_cpu() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) return c;
    return -1;
}

// Pins the calling thread to one CPU; false if the system does not let it.
bool pin_to(int cpu) {
    if (cpu < 0) return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) == 0;
}

} // namespace

TEST_CASE("spin_until watches until ready or the deadline") {
    reset_pause guard;
    // Ready at the 20th look: within the first 32 looks, before any yield, so a loaded
    // machine (a yield that comes back late ends the watching) cannot change the outcome.
    int calls = 0;
    CHECK(costream::detail::spin_until([&] { return ++calls == 20; },
                                       clock_type::now() + std::chrono::seconds(60)));
    CHECK(calls == 20);
    CHECK_FALSE(costream::detail::spin_until([] { return false; }, clock_type::now()));
}

TEST_CASE("while watching is paused, spin_until checks once and returns") {
    reset_pause guard;
    costream::detail::spin_paused_until().store(
        (clock_type::now() + std::chrono::seconds(60)).time_since_epoch().count());
    int calls = 0;
    CHECK_FALSE(costream::detail::spin_until([&] { return ++calls > 1; },
                                             clock_type::now() + std::chrono::seconds(60)));
    CHECK(calls == 1);
    CHECK(costream::detail::spin_until([] { return true; },
                                       clock_type::now() + std::chrono::seconds(60)));
}

TEST_CASE("a watcher that shares its core with a busy thread stops and pauses every watcher") {
    reset_pause guard;
    // The watcher and a CPU-bound thread on the same CPU: the watcher's first yield hands the
    // core to the busy thread for a time slice (milliseconds), far beyond
    // spin_preempted_after; the watcher then gives up long before its 10 s deadline. Without
    // the pause it would watch (and keep the busy thread off the core half the time) for all
    // of those 10 s.
    std::atomic<bool> started{false}, done{false};
    std::atomic<bool> pinned{true};
    const int cpu = first_allowed_cpu();
    std::thread busy([&] {
        if (!pin_to(cpu)) pinned = false;
        started = true;
        while (!done.load(std::memory_order_relaxed)) {
        }
    });
    while (!started)
        std::this_thread::yield();
    bool result = true;
    std::thread watcher([&] {
        if (!pin_to(cpu)) pinned = false;
        result = costream::detail::spin_until([] { return false; },
                                              clock_type::now() + std::chrono::seconds(10));
    });
    watcher.join();
    done = true;
    busy.join();
    REQUIRE(pinned);
    CHECK_FALSE(result);
    CHECK(costream::detail::spin_paused_until().load() >
          clock_type::now().time_since_epoch().count());
}
