// Port of shared/node-oracle/scenarios/07_loop_immediate_next_iteration.js: fs.readFile is a real
// read through costream::offload; the 20 ms busy wait in immediate A is modelled by advancing the
// manual clock 20 ms.
#include <costream/loop.hpp>

#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

#include <chrono>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>

TEST_CASE("node oracle 07: an immediate queued by an immediate waits for the next iteration") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    costream::offload(
        [] {
            std::ifstream in(__FILE__);
            std::ostringstream os;
            os << in.rdbuf();
            return os.str();
        },
        [&](std::exception_ptr, std::string) {
            costream::set_timeout([&] { t.log("timeout (due during A)"); }, 0);
            costream::set_immediate([&] {
                t.log("immediate A");
                l.advance(std::chrono::milliseconds(20)); // the busy wait
                costream::set_immediate([&] { t.log("immediate C (scheduled by A)"); });
                costream::next_tick([&] { t.log("tick from A"); });
            });
            costream::set_immediate([&] { t.log("immediate B"); });
        });
    l.run();
    costream_test::check_node_trace(t, "07_loop_immediate_next_iteration");
}
