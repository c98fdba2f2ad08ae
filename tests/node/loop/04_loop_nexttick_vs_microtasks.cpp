// Port of shared/node-oracle/scenarios/04_loop_nexttick_vs_microtasks.js: Promise.resolve().then is
// costream::promise<>::resolve().then.
#include <costream/loop.hpp>

#include <costream/promise.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

TEST_CASE("node oracle 04: the whole tick queue drains before the shared promise/microtask queue") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    costream::set_timeout([&] { t.log("timeout"); }, 0);
    costream::set_immediate([&] { t.log("immediate"); });
    costream::promise<>::resolve().then([&] { t.log("then 1"); });
    costream::queue_microtask([&] { t.log("microtask 1"); });
    costream::next_tick([&] { t.log("tick 1"); });
    costream::promise<>::resolve().then([&] { t.log("then 2"); });
    costream::queue_microtask([&] { t.log("microtask 2"); });
    costream::next_tick([&] { t.log("tick 2"); });
    t.log("sync");
    // Node's timer is due at the first iteration (script start-up takes > 1 ms); model it.
    l.advance(std::chrono::milliseconds(1));
    l.run();
    costream_test::check_node_trace(t, "04_loop_nexttick_vs_microtasks");
}
