// Port of shared/node-oracle/scenarios/39_writable_write_after_end.js: write after end() returns
// false, its callback gets ERR_STREAM_WRITE_AFTER_END before 'error', then 'close'.
#include <costream/stream/writable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

TEST_CASE("node oracle 39: write after end fails the write, then the stream") {
    costream::loop l;
    costream_test::trace t;
    using W = fn_writable<>;
    auto w = cs::make<W>(
        cs::writable_options{},
        [&](W&, costream::buffer& c, std::optional<costream::encoding>, W::write_callback cb) {
            t.log("_write ", c.to_string());
            cb();
        });
    w->on("finish", [&] { t.log("finish"); });
    w->on("error", [&](const error_code& e) {
        t.log("error event: ", costream::node_code(e), " destroyed=", b(w->destroyed()));
    });
    w->on("close", [&] { t.log("close"); });
    w->write("one");
    w->end();
    bool ret =
        w->write("two", [&](const error_code& e) { t.log("write cb: ", costream::node_code(e)); });
    t.log("write after end returned ", b(ret));
    costream::next_tick([&] { t.log("nextTick"); });
    l.run();
    costream_test::check_node_trace(t, "39_writable_write_after_end");
}
