// Port of shared/node-oracle/scenarios/02_loop_seed_a_in_io.js: fs.readFile is a real read of this
// source file through costream::offload (the thread pool), whose callback runs in the poll phase as
// fs.readFile's does.
#include <costream/loop.hpp>

#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

#include <exception>
#include <fstream>
#include <sstream>
#include <string>

namespace {
std::string read_this_file() {
    std::ifstream in(__FILE__, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}
} // namespace

TEST_CASE("node oracle 02: inside an I/O callback the immediate runs before the timeout") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    costream::offload(read_this_file, [&](std::exception_ptr e, std::string data) {
        REQUIRE(!e);
        REQUIRE(!data.empty());
        t.log("Start");
        costream::set_timeout([&] { t.log("timeout"); }, 0);
        costream::set_immediate([&] { t.log("immediate"); });
        costream::promise<>::resolve().then([&] { t.log("promise"); });
        costream::next_tick([&] { t.log("nextTick"); });
        t.log("End");
    });
    t.log("main done");
    l.run();
    costream_test::check_node_trace(t, "02_loop_seed_a_in_io");
}
