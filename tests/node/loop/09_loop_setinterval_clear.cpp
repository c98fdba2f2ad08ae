// Port of shared/node-oracle/scenarios/09_loop_setinterval_clear.js.
#include <costream/loop.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"

#include <string>

TEST_CASE("node oracle 09: set_interval repeats with its arguments until cleared") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    int n = 0;
    costream::timeout iv;
    iv = costream::set_interval(
        [&](const std::string& tag) {
            n++;
            t.log("interval ", tag, " #", n);
            if (n == 3) {
                costream::clear_interval(iv);
                t.log("cleared inside callback");
                costream::set_timeout([&] { t.log("after clear: count still ", n); }, 30);
            }
        },
        5, std::string("tag"));
    t.log("hasRef=", iv.has_ref() ? "true" : "false");
    auto once = costream::set_interval([&] { t.log("never: cleared synchronously"); }, 1);
    costream::clear_interval(once);
    t.log("sync end");
    l.run();
    costream_test::check_node_trace(t, "09_loop_setinterval_clear");
}
