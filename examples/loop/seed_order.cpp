// Start / End / nextTick / Promise / Timeout / Immediate: which runs when.
//
// Mirrors examples/loop/seed_order.js:
//
//     console.log('Start');
//     setTimeout(() => console.log('Timeout'), 0);
//     setImmediate(() => console.log('Immediate'));
//     Promise.resolve().then(() => console.log('Promise'));
//     process.nextTick(() => console.log('nextTick'));
//     const until = Date.now() + 20;
//     while (Date.now() < until) { /* busy wait */ }
//     console.log('End');
//
// Output (examples/loop/seed_order.expected): Start, End, nextTick, Promise, Timeout,
// Immediate. Synchronous code first; then the tick queue, then microtasks (promise
// reactions); then the loop: timers (already due after the busy wait), then the check
// phase (immediates).
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/timers.hpp>

#include <chrono>
#include <cstdio>

int main() {
    costream::loop loop;
    std::puts("Start");
    costream::set_timeout([] { std::puts("Timeout"); }, 0);
    costream::set_immediate([] { std::puts("Immediate"); });
    costream::promise<>::resolve().then([] { std::puts("Promise"); });
    costream::next_tick([] { std::puts("nextTick"); });
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    while (std::chrono::steady_clock::now() < until) { /* busy wait */
    }
    std::puts("End");
    loop.run(); // what node does after the main script: run the loop until nothing is left
}
