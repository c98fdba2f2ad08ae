// Port of shared/node-oracle/scenarios/35_readable_destroy_error.js: destroy(err) sets
// destroyed/closed synchronously, 'error' then 'close' come on the next tick, a second destroy is a
// no-op, emit_close=false suppresses 'close'.
#include <costream/stream/readable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

TEST_CASE("node oracle 35: destroy(err) emits error then close asynchronously") {
    costream::loop l;
    costream_test::trace t;
    cs::ptr<fn_readable<>> q, s;
    auto part3 = [&] {
        s = cs::make<fn_readable<>>(cs::readable_options{.emit_close = false});
        s->on("error", [&](const error_code& e) {
            t.log("s: error ", message(e));
            costream::set_immediate([&] { t.log("s: no close event with emitClose:false"); });
        });
        s->on("close", [&] { t.log("s: close (must not happen)"); });
        s->destroy(user_error("E3"));
    };
    auto part2 = [&, part3] {
        q = cs::make<fn_readable<>>();
        q->on("error", [&](const error_code&) { t.log("q error (must not happen)"); });
        q->on("close", [&, part3] {
            t.log("q: close without error");
            part3();
        });
        q->destroy();
    };
    auto r = cs::make<fn_readable<>>(
        cs::readable_options{}, nullptr,
        [&](fn_readable<>&, const error_code& e, cs::stream_base::destroy_callback cb) {
            t.log("_destroy called err=", e ? message(e) : "undefined");
            cb(e);
        });
    r->on("error", [&](const error_code& e) {
        t.log("error event: ", message(e), " errored=", message(r->errored()));
    });
    r->on("close", [&, part2] {
        t.log("close event: destroyed=", b(r->destroyed()), " closed=", b(r->closed()));
        part2();
    });
    r->on("end", [&] { t.log("end (must not happen)"); });
    costream::next_tick([&] { t.log("nextTick queued before destroy"); });
    r->destroy(user_error("E1"));
    t.log("sync after destroy: destroyed=", b(r->destroyed()), " closed=", b(r->closed()));
    r->destroy(user_error("E2"));
    t.log("push after destroy -> ", b(r->push("x")));
    costream::next_tick([&] { t.log("nextTick queued after destroy"); });
    l.run();
    costream_test::check_node_trace(t, "35_readable_destroy_error");
}
