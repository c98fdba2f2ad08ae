// Port of shared/node-oracle/scenarios/48_duplex_halfopen.js: with allow_half_open=false the
// readable 'end' ends the writable side; with true it stays open. The 10 ms timer runs on the
// manual clock.
#include <costream/stream/duplex.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
struct dx : cs::duplex {
    costream_test::trace& t;
    std::string tag;
    std::vector<std::string> items{"r1", "r2"};
    dx(costream_test::trace& tr, std::string tg, bool half_open)
        : cs::duplex(cs::duplex_options{.allow_half_open = half_open}), t(tr), tag(std::move(tg)) {}
    void do_read(std::size_t) override {
        if (items.empty()) {
            push(nullptr);
        } else {
            std::string c = items.front();
            items.erase(items.begin());
            push(c);
        }
    }
    void do_write(costream::buffer&& c, write_callback cb) override {
        t.log(tag, ": _write ", c.to_string());
        cb();
    }
    void do_final(final_callback cb) override {
        t.log(tag, ": _final");
        cb();
    }
};
cs::ptr<dx> make_dx(costream_test::trace& t, const std::string& tag, bool half_open) {
    auto d = cs::make<dx>(t, tag, half_open);
    dx* raw = d.get();
    for (std::string ev : {"end", "finish", "close"})
        d->on(ev, [&t, tag, ev, raw] {
            t.log(tag, ": ", ev, " (writableEnded=", b(raw->writable_ended()), ")");
        });
    d->on("data", [&t, tag](const costream::buffer& c) { t.log(tag, ": data ", c.to_string()); });
    return d;
}
} // namespace

TEST_CASE("node oracle 48: allow_half_open controls whether 'end' ends the writable side") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    cs::ptr<dx> bb;
    auto a = make_dx(t, "halfOpen=false", false);
    t.log("allowHalfOpen=", b(a->allow_half_open()));
    a->write("w1");
    a->on("close", [&] {
        bb = make_dx(t, "halfOpen=true", true);
        t.log("allowHalfOpen=", b(bb->allow_half_open()));
        bb->write("w1");
        bb->on("end", [&] {
            costream::set_timeout(
                [&] {
                    t.log("halfOpen=true: 10ms after end writable=", b(bb->is_writable()),
                          " -> calling end()");
                    bb->end("w2");
                },
                10);
        });
    });
    l.run();
    costream_test::check_node_trace(t, "48_duplex_halfopen");
}
