// Port of shared/node-oracle/scenarios/37_writable_hwm_drain.js: write() returns false once
// writable_length >= high_water_mark; 'drain' comes after the buffer emptied, before the last
// write's callback.
#include <costream/stream/writable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

#include <deque>

using namespace stream_test;

TEST_CASE("node oracle 37: write returns false at high_water_mark and drain follows") {
    costream::loop l;
    costream_test::trace t;
    using W = fn_writable<>;
    std::deque<W::write_callback> pending;
    auto w = cs::make<W>(
        cs::writable_options{.high_water_mark = 10},
        [&](W&, costream::buffer& c, std::optional<costream::encoding>, W::write_callback cb) {
            t.log("  _write ", c.to_string());
            pending.push_back(std::move(cb));
        });
    w->on("drain", [&] {
        t.log("drain (writableLength=", w->writable_length(),
              " needDrain=", b(w->writable_need_drain()), ")");
    });
    for (std::string s : {"aaaa", "bbbb", "cccc", "dddd"}) {
        bool ret = w->write(s, [&t, s](const error_code&) { t.log("  write cb ", s); });
        t.log("write(", s, ") -> ", b(ret), " writableLength=", w->writable_length(),
              " needDrain=", b(w->writable_need_drain()));
    }
    std::function<void()> step = [&] {
        if (pending.empty()) {
            t.log("no pending writes; write(e) -> ", b(w->write("e")));
            return;
        }
        t.log("completing one _write (writableLength=", w->writable_length(), ")");
        auto cb = std::move(pending.front());
        pending.pop_front();
        cb();
        costream::set_immediate(step);
    };
    costream::set_immediate(step);
    l.run();
    costream_test::check_node_trace(t, "37_writable_hwm_drain");
}
