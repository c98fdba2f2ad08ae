// Port of shared/node-oracle/scenarios/08_loop_timers_order.js: on the manual clock all timers are
// created at the same instant (Node's run creates them within a millisecond or two).
#include <costream/loop.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"

#include <string>

TEST_CASE("node oracle 08: timers fire by expiry, equal delays in insertion order") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    costream::set_timeout([&] { t.log("t160"); }, 160);
    costream::set_timeout([&] { t.log("t80 a"); }, 80);
    costream::set_timeout([&] { t.log("t0 a"); }, 0);
    costream::set_timeout([&] { t.log("t1"); }, 1);
    costream::set_timeout([&] { t.log("t0 b"); }, 0);
    costream::set_timeout([&] { t.log("t-5 (negative -> 1ms)"); }, -5);
    costream::set_timeout([&] { t.log("t80 b"); }, 80);
    costream::set_timeout([&] { t.log("t120"); }, 120);
    costream::set_timeout(
        [&](const std::string& a, const std::string& b) { t.log("t40 args ", a, " ", b); }, 40,
        std::string("x"), std::string("y"));
    auto c = costream::set_timeout([&] { t.log("cleared - never"); }, 2);
    costream::clear_timeout(c);
    t.log("sync end");
    l.run();
    costream_test::check_node_trace(t, "08_loop_timers_order");
}
