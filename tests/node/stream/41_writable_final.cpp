// Port of shared/node-oracle/scenarios/41_writable_final.js: an async do_final delays 'finish'; a
// do_final error gives the end callback, 'error', 'close' and no 'finish'. The 5 ms timers run on
// the manual clock.
#include <costream/stream/writable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
using W = fn_writable<>;
cs::ptr<W> make_w(costream_test::trace& t, std::string tag, error_code final_err) {
    auto w = cs::make<W>(
        cs::writable_options{},
        [&t, tag](W&, costream::buffer& c, std::optional<costream::encoding>,
                  W::write_callback cb) {
            t.log(tag, ": _write ", c.to_string());
            costream::set_timeout(
                [cb = std::make_shared<W::write_callback>(std::move(cb))] { (*cb)(); }, 5);
        },
        [&t, tag, final_err](W& self, W::final_callback cb) {
            t.log(tag, ": _final start (writableLength=", self.writable_length(), ")");
            costream::set_timeout(
                [&t, tag, final_err, cb = std::make_shared<W::final_callback>(std::move(cb))] {
                    t.log(tag, ": _final done");
                    (*cb)(final_err);
                },
                5);
        });
    for (std::string ev : {"prefinish", "finish", "close"})
        w->on(ev, [&t, tag, ev] { t.log(tag, ": ", ev); });
    w->on("error", [&t, tag](const error_code& e) { t.log(tag, ": error ", message(e)); });
    return w;
}
} // namespace

TEST_CASE("node oracle 41: do_final delays finish, a final error fails the stream") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    cs::ptr<W> b2;
    auto a = make_w(t, "ok", {});
    a->write("1");
    a->write("2");
    a->end([&](const error_code&) { t.log("ok: end cb"); });
    a->on("close", [&] {
        b2 = make_w(t, "fail", user_error("final failed"));
        b2->write("1");
        b2->end(
            [&](const error_code& e) { t.log("fail: end cb err=", e ? message(e) : "undefined"); });
    });
    l.run();
    costream_test::check_node_trace(t, "41_writable_final");
}
