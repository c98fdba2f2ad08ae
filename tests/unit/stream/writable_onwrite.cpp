// Writable's writeOrBuffer and onwrite as node v20.20 has them (writable.js): the length is
// compared with highWaterMark after _write, so a write that completed synchronously returns
// true and sets no needDrain; a synchronous completion takes an afterWrite tick only when that
// tick has something to do ('drain', a callback, object mode), else pendingcb drops at once;
// afterWrite ends with finishMaybe(sync), so 'finish' comes on a tick queued after end().
// The expected trace is what node v20.20.2 printed for this JS:
//
// clang-format off
// const { Writable } = require('stream');
// const log = (...a) => console.log(a.join(' '));
// const pcb = (s) => s._writableState.pendingcb;
// const w = new Writable({ highWaterMark: 2, write(c, e, cb) { log('w _write', c.toString(), 'len', this.writableLength); cb(); } });
// for (const ev of ['drain', 'prefinish', 'finish', 'close']) w.on(ev, () => log('w', ev, 'pendingcb', pcb(w)));
// log('w write ab ->', w.write('ab'), 'len', w.writableLength, 'needDrain', w.writableNeedDrain, 'pendingcb', pcb(w));
// log('w write c with cb ->', w.write('c', () => log('w cb c', 'pendingcb', pcb(w))), 'pendingcb', pcb(w));
// log('w write d ->', w.write('d'), 'pendingcb', pcb(w));
// process.nextTick(() => log('tick 1'));
// w.end();
// log('w end', 'pendingcb', pcb(w));
// process.nextTick(() => log('tick 2'));
// const a = new Writable({ highWaterMark: 2, write(c, e, cb) { setImmediate(() => { log('a cb', c.toString()); cb(); }); } });
// for (const ev of ['drain', 'finish']) a.on(ev, () => log('a', ev, 'pendingcb', pcb(a)));
// log('a write ab ->', a.write('ab'), 'needDrain', a.writableNeedDrain, 'pendingcb', pcb(a));
// log('a write c ->', a.write('c'), 'len', a.writableLength, 'pendingcb', pcb(a));
// a.end();
// const o = new Writable({ objectMode: true, highWaterMark: 1, write(c, e, cb) { cb(); } });
// for (const ev of ['drain', 'finish']) o.on(ev, () => log('o', ev, 'pendingcb', pcb(o)));
// log('o write 1 ->', o.write('1'), 'pendingcb', pcb(o));
// log('o write 2 ->', o.write('2'), 'pendingcb', pcb(o));
// process.nextTick(() => { log('o tick', 'pendingcb', pcb(o)); log('o write 3 ->', o.write('3'), 'pendingcb', pcb(o)); o.end(); });
// const h = new Writable({ highWaterMark: 0, write(c, e, cb) { cb(); } });
// log('hwm 0 write ->', h.write('x'), 'needDrain', h.writableNeedDrain);
// clang-format on
#include <costream/stream/writable.hpp>

#include <costream/loop.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace stream_test;

namespace {

const char* const node_trace = R"(w _write ab len 2
w write ab -> true len 0 needDrain false pendingcb 0
w _write c len 1
w write c with cb -> true pendingcb 1
w _write d len 1
w write d -> true pendingcb 1
w prefinish pendingcb 1
w end pendingcb 1
a write ab -> false needDrain true pendingcb 1
a write c -> false len 3 pendingcb 2
o write 1 -> true pendingcb 1
o write 2 -> true pendingcb 1
hwm 0 write -> true needDrain false
w cb c pendingcb 0
tick 1
tick 2
o tick pendingcb 0
o write 3 -> true pendingcb 1
w finish pendingcb 0
w close pendingcb 0
o finish pendingcb 0
a cb ab
a cb c
a finish pendingcb 0
)";

} // namespace

TEST_CASE("write returns true after a synchronous completion and finish follows a later tick, as "
          "in node v20.20") {
    costream::loop l;
    word_trace t;
    using strw = fn_writable<std::string>;
    auto w = cs::make<fn_writable<>>(
        cs::writable_options{.high_water_mark = 2},
        [&](fn_writable<>& self, costream::buffer& c, std::optional<costream::encoding>,
            fn_writable<>::write_callback cb) {
            t.log("w _write", c.to_string(), "len", self.writable_length());
            cb();
        });
    for (const char* ev : {"drain", "prefinish", "finish", "close"})
        w->on(ev, [&, ev] { t.log("w", ev, "pendingcb", w->writable_pending_cb()); });
    bool r = w->write("ab");
    t.log("w write ab ->", b(r), "len", w->writable_length(), "needDrain",
          b(w->writable_need_drain()), "pendingcb", w->writable_pending_cb());
    r = w->write(
        "c", [&](const error_code&) { t.log("w cb c", "pendingcb", w->writable_pending_cb()); });
    t.log("w write c with cb ->", b(r), "pendingcb", w->writable_pending_cb());
    r = w->write("d");
    t.log("w write d ->", b(r), "pendingcb", w->writable_pending_cb());
    costream::next_tick([&] { t.log("tick 1"); });
    w->end();
    t.log("w end", "pendingcb", w->writable_pending_cb());
    costream::next_tick([&] { t.log("tick 2"); });

    auto a = cs::make<fn_writable<>>(
        cs::writable_options{.high_water_mark = 2},
        [&](fn_writable<>&, costream::buffer& c, std::optional<costream::encoding>,
            fn_writable<>::write_callback cb) {
            costream::set_immediate(
                [&t, s = c.to_string(),
                 cb = std::make_shared<fn_writable<>::write_callback>(std::move(cb))] {
                    t.log("a cb", s);
                    (*cb)();
                });
        });
    for (const char* ev : {"drain", "finish"})
        a->on(ev, [&, ev] { t.log("a", ev, "pendingcb", a->writable_pending_cb()); });
    r = a->write("ab");
    t.log("a write ab ->", b(r), "needDrain", b(a->writable_need_drain()), "pendingcb",
          a->writable_pending_cb());
    r = a->write("c");
    t.log("a write c ->", b(r), "len", a->writable_length(), "pendingcb", a->writable_pending_cb());
    a->end();

    auto o = cs::make<strw>(cs::writable_options{.high_water_mark = 1, .object_mode = true},
                            [](strw&, std::string&, std::optional<costream::encoding>,
                               strw::write_callback cb) { cb(); });
    for (const char* ev : {"drain", "finish"})
        o->on(ev, [&, ev] { t.log("o", ev, "pendingcb", o->writable_pending_cb()); });
    r = o->write("1");
    t.log("o write 1 ->", b(r), "pendingcb", o->writable_pending_cb());
    r = o->write("2");
    t.log("o write 2 ->", b(r), "pendingcb", o->writable_pending_cb());
    costream::next_tick([&] {
        t.log("o tick", "pendingcb", o->writable_pending_cb());
        const bool r3 = o->write("3");
        t.log("o write 3 ->", b(r3), "pendingcb", o->writable_pending_cb());
        o->end();
    });

    auto h = cs::make<fn_writable<>>(cs::writable_options{.high_water_mark = 0});
    r = h->write("x");
    t.log("hwm 0 write ->", b(r), "needDrain", b(h->writable_need_drain()));

    l.run();
    CHECK(joined(t.lines) == joined(lines_of(node_trace)));
}
