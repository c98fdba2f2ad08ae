// Port of shared/node-oracle/scenarios/06_loop_nexttick_starvation.js: fs.readFile is a real read
// of this source file through costream::offload; its callback runs in the poll phase.
#include <costream/loop.hpp>

#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

#include <exception>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

TEST_CASE("node oracle 06: recursive next_tick starves promises, immediates and timers") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    int depth = 0;
    std::function<void()> tick = [&] {
        depth++;
        if (depth < 10000)
            costream::next_tick(tick);
        else
            t.log("ticks done at depth ", depth);
    };
    costream::offload(
        [] {
            std::ifstream in(__FILE__);
            std::ostringstream os;
            os << in.rdbuf();
            return os.str();
        },
        [&](std::exception_ptr, std::string) {
            costream::promise<>::resolve().then([&] { t.log("promise ran at depth ", depth); });
            costream::set_immediate([&] { t.log("immediate ran at depth ", depth); });
            costream::set_timeout([&] { t.log("timeout ran at depth ", depth); }, 0);
            costream::next_tick(tick);
            t.log("callback sync end");
        });
    l.run();
    costream_test::check_node_trace(t, "06_loop_nexttick_starvation");
}
