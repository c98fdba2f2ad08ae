// Port of shared/node-oracle/scenarios/26_readable_push_return.js: push() returns length < hwm;
// object mode counts items. JS values in object mode are modelled by std::string chunks with the
// JSON text.
#include <costream/stream/readable.hpp>

#include "oracle.hpp"

#include <string>

namespace cs = costream::stream;

namespace {
struct idle_readable : cs::readable {
    using cs::readable::readable;
    void do_read(std::size_t) override {}
};
struct idle_objects : cs::basic_readable<std::string> {
    using cs::basic_readable<std::string>::basic_readable;
    void do_read(std::size_t) override {}
};
const char* b(bool v) {
    return v ? "true" : "false";
}
} // namespace

TEST_CASE("node oracle 26: push returns whether readable_length is below high_water_mark") {
    costream::loop l;
    costream_test::trace t;
    {
        auto r = cs::make<idle_readable>(cs::readable_options{.high_water_mark = 10});
        for (int i = 1; i <= 4; ++i) {
            bool ret = r->push(costream::buffer::alloc(4, 0x61));
            t.log("bytes push #", i, " (4 bytes) -> ", b(ret),
                  " readableLength=", r->readable_length());
        }
        bool ret = r->push("");
        t.log("push('') -> ", b(ret), " readableLength=", r->readable_length());
        auto got = r->read(6);
        t.log("read(6) -> ", got ? got->to_string() : "null",
              " readableLength=", r->readable_length());
        ret = r->push("x");
        t.log("push 1 byte after read -> ", b(ret), " readableLength=", r->readable_length());
        t.log("push(null) -> ", b(r->push(nullptr)));
    }
    {
        auto o =
            cs::make<idle_objects>(cs::readable_options{.high_water_mark = 2, .object_mode = true});
        for (std::string v : {"{\"a\":1}", "\"str\"", "42", "0", "false", "\"\""}) {
            bool ret = o->push(v);
            t.log("objectMode push ", v, " -> ", b(ret), " readableLength=", o->readable_length());
        }
    }
    {
        auto z = cs::make<idle_readable>(cs::readable_options{.high_water_mark = 0});
        bool ret = z->push("a");
        t.log("hwm 0: push('a') -> ", b(ret), " readableLength=", z->readable_length());
        auto big = cs::make<idle_readable>(cs::readable_options{.high_water_mark = 4});
        t.log("hwm 4: single push of 100 bytes -> ", b(big->push(costream::buffer::alloc(100))));
    }
    l.run();
    costream_test::check_node_trace(t, "26_readable_push_return");
}
