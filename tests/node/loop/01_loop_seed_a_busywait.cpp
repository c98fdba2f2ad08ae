// Port of shared/node-oracle/scenarios/01_loop_seed_a_busywait.js: the 20 ms busy wait after
// scheduling is modelled by advancing the loop's manual clock 20 ms, so the 1 ms timer is due when
// the loop starts.
#include <costream/loop.hpp>

#include <costream/promise.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

#include <chrono>

TEST_CASE("node oracle 01: a timer already due when the loop starts runs before the immediate") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    t.log("Start");
    costream::set_timeout([&] { t.log("timeout"); }, 0);
    costream::set_immediate([&] { t.log("immediate"); });
    costream::promise<>::resolve().then([&] { t.log("promise"); });
    costream::next_tick([&] { t.log("nextTick"); });
    l.advance(std::chrono::milliseconds(20)); // the busy wait
    t.log("End");
    l.run();
    costream_test::check_node_trace(t, "01_loop_seed_a_busywait");
}
