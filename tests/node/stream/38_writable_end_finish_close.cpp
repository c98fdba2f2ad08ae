// Port of shared/node-oracle/scenarios/38_writable_end_finish_close.js: end() runs do_final, then
// 'prefinish', the end() callback, 'finish', 'close'; end() after finish gives
// ERR_STREAM_ALREADY_FINISHED.
#include <costream/stream/writable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

TEST_CASE("node oracle 38: end, final, prefinish, finish and close in order") {
    costream::loop l;
    costream_test::trace t;
    using W = fn_writable<>;
    auto w = cs::make<W>(
        cs::writable_options{},
        [&](W&, costream::buffer& c, std::optional<costream::encoding>, W::write_callback cb) {
            t.log("_write ", c.to_string());
            costream::set_immediate(
                [cb = std::make_shared<W::write_callback>(std::move(cb))] { (*cb)(); });
        },
        [&](W&, W::final_callback cb) {
            t.log("_final");
            costream::set_immediate(
                [cb = std::make_shared<W::final_callback>(std::move(cb))] { (*cb)(); });
        });
    for (std::string ev : {"prefinish", "finish", "close"})
        w->on(ev, [&, ev] {
            t.log(ev, " event (writableFinished=", b(w->writable_finished()),
                  " closed=", b(w->closed()), ")");
        });
    w->on("error", [&](const error_code& e) { t.log("error event ", costream::node_code(e)); });
    w->write("a", [&](const error_code& e) { t.log("write cb a err=", err_or_null(e)); });
    w->end("b", [&](const error_code& e) {
        t.log("end cb err=", err_or_null(e));
        w->end([&](const error_code& e2) {
            t.log("second end() after finish: cb err=", e2 ? costream::node_code(e2) : "undefined");
        });
    });
    t.log("after end(): writableEnded=", b(w->writable_ended()),
          " writableFinished=", b(w->writable_finished()), " writable=", b(w->is_writable()));
    costream::next_tick([&] { t.log("nextTick after end()"); });
    l.run();
    costream_test::check_node_trace(t, "38_writable_end_finish_close");
}
