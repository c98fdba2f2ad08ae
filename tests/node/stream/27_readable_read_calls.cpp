// Port of shared/node-oracle/scenarios/27_readable_read_calls.js: when and how often do_read
// (Node's _read) is called.
#include <costream/stream/readable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

TEST_CASE(
    "node oracle 27: do_read is not called before a consumer, then refills to high_water_mark") {
    costream::loop l;
    costream_test::trace t;
    int calls = 0, produced = 0;
    auto r = cs::make<fn_readable<>>(
        cs::readable_options{.high_water_mark = 8}, [&](fn_readable<>& self, std::size_t size) {
            ++calls;
            t.log("_read #", calls, " size=", size, " buffered=", self.readable_length());
            if (produced < 5) {
                ++produced;
                self.push("chunk" + std::to_string(produced));
            } else {
                self.push(nullptr);
            }
        });
    t.log("constructed");
    costream::next_tick([&] {
        t.log("next tick: _read calls=", calls);
        auto got = r->read(0);
        t.log("read(0) -> ", got ? got->to_string() : "null");
        t.log("after read(0): calls=", calls, " buffered=", r->readable_length());
        costream::set_immediate([&] {
            t.log("before consuming: calls=", calls, " buffered=", r->readable_length());
            r->on("data", [&](const costream::buffer& c) {
                t.log("data ", c.to_string(), " (buffered=", r->readable_length(), ")");
            });
            r->on("end", [&] { t.log("end: total _read calls=", calls); });
        });
    });
    l.run();
    costream_test::check_node_trace(t, "27_readable_read_calls");
}
