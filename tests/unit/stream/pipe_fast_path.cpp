// pipe()'s steady-state fast paths against Node: the typed 'data' hand-over of a pipe that is
// the source's only 'data' listener (readable::set_readable_pipe_data, chunks moved into
// write()), write() without a callback, and a plain pass_through's write done in place
// (basic_transform::write_through). Each case disturbs a running chain src -> p1 -> p2 -> p3 ->
// sink at a point where a shortcut could skip a step Node makes: a user listener added during
// the emit, cork(), end() from a 'data' listener, write() returning false, destroy(),
// push(null) on a middle stage, once('data') and unpipe/pipe again. The expected traces are
// what node v20.20.2 printed for the JS quoted above each case, on top of this helper
// (common.js):
//
// clang-format off
// 'use strict';
// const { Readable, Writable, PassThrough } = require('stream');
// const log = (...a) => console.log(a.join(' '));
// // src -> p1 -> p2 -> p3 -> sink joined by pipe(); opts: srcHwm, passHwm, sinkHwm, n, onWrite(i, chunk, ctx) -> 'sync'|'async'
// function chain(opts) {
//   let i = 0;
//   const n = opts.n;
//   const src = new Readable({ highWaterMark: opts.srcHwm, read() {
//     while (i < n) { if (!this.push('c' + (++i))) return; }
//     this.push(null);
//   }});
//   const mk = () => new PassThrough(opts.passHwm !== undefined ? { highWaterMark: opts.passHwm } : {});
//   const p1 = mk(), p2 = mk(), p3 = mk();
//   const ctx = { src, p1, p2, p3 };
//   let w = 0;
//   const sink = new Writable({ highWaterMark: opts.sinkHwm, write(chunk, enc, cb) {
//     ++w;
//     log('sink write', chunk.toString(), 'len', p1.writableLength, p2.writableLength, p3.writableLength,
//         'rlen', p1.readableLength, p2.readableLength, p3.readableLength);
//     const how = opts.onWrite ? opts.onWrite(w, chunk.toString(), ctx) : 'sync';
//     if (how === 'async') setImmediate(cb); else cb();
//   }});
//   ctx.sink = sink;
//   const names = { src, p1, p2, p3, sink };
//   for (const [name, s] of Object.entries(names)) {
//     for (const ev of ['pause', 'resume', 'drain', 'end', 'finish', 'close', 'unpipe']) s.on(ev, () => log(name, ev));
//     s.on('error', (e) => log(name, 'error', e.code || e.message));
//   }
//   src.pipe(p1).pipe(p2).pipe(p3).pipe(sink);
//   return ctx;
// }
// module.exports = { chain, log };
// clang-format on
#include <costream/stream/pass_through.hpp>

#include <costream/loop.hpp>
#include <costream/stream/pipe.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace stream_test;

namespace {

enum class how { sync, async };

// common.js's chain()
struct chain {
    struct options {
        std::optional<double> src_hwm{}, pass_hwm{}, sink_hwm{};
        int n = 5;
        std::function<how(int, const std::string&, chain&)> on_write{};
    };

    word_trace& t;
    cs::ptr<fn_readable<>> src;
    cs::ptr<cs::pass_through> p1, p2, p3;
    cs::ptr<fn_writable<>> sink;

    chain(word_trace& tr, options o) : t(tr) {
        auto i = std::make_shared<int>(0);
        const int n = o.n;
        src = cs::make<fn_readable<>>(cs::readable_options{.high_water_mark = o.src_hwm},
                                      [i, n](fn_readable<>& r, std::size_t) {
                                          while (*i < n)
                                              if (!r.push("c" + std::to_string(++*i))) return;
                                          r.push(nullptr);
                                      });
        auto mk = [&] {
            return cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = o.pass_hwm});
        };
        p1 = mk();
        p2 = mk();
        p3 = mk();
        auto w = std::make_shared<int>(0);
        sink = cs::make<fn_writable<>>(
            cs::writable_options{.high_water_mark = o.sink_hwm},
            [this, w, on_write = o.on_write](fn_writable<>&, costream::buffer& c,
                                             std::optional<costream::encoding>,
                                             fn_writable<>::write_callback cb) {
                ++*w;
                t.log("sink write", c.to_string(), "len", p1->writable_length(),
                      p2->writable_length(), p3->writable_length(), "rlen", p1->readable_length(),
                      p2->readable_length(), p3->readable_length());
                const how h = on_write ? on_write(*w, c.to_string(), *this) : how::sync;
                if (h == how::async)
                    costream::set_immediate([cb = std::make_shared<fn_writable<>::write_callback>(
                                                 std::move(cb))] { (*cb)(); });
                else
                    cb();
            });
        watch(*src, "src");
        watch(*p1, "p1");
        watch(*p2, "p2");
        watch(*p3, "p3");
        watch(*sink, "sink");
        cs::pipe(*src, *p1);
        cs::pipe(*p1, *p2);
        cs::pipe(*p2, *p3);
        cs::pipe(*p3, *sink);
    }

    template <class S>
    void watch(S& s, const char* name) {
        for (const char* ev : {"pause", "resume", "drain", "end", "finish", "close", "unpipe"})
            s.on(ev, [this, name, ev] { t.log(name, ev); });
        s.on("error",
             [this, name](const error_code& ec) { t.log(name, "error", costream::node_code(ec)); });
    }
};

} // namespace

// A 'data' listener added on the middle pass_through from the sink's _write (during p2's 'data'
// emit): not called for the chunk being emitted, called after pipe's ondata for the later ones.
//
// clang-format off
// // A 'data' listener added on the middle pass_through from the sink's _write (during p2's 'data' emit): not called for the chunk being emitted, called after pipe's ondata for the later ones.
// const { chain, log } = require('./common.js');
// chain({ n: 5, onWrite(w, c, ctx) {
//   if (w === 2) ctx.p2.on('data', (d) => log('p2 data', d.toString(), 'rlen', ctx.p2.readableLength, 'wlen', ctx.p2.writableLength));
//   return 'sync';
// }});
// clang-format on
TEST_CASE("pipe fast path: a data listener added on a middle stage during its emit gets the later "
          "chunks") {
    costream::loop l;
    word_trace t;
    chain c(t, {.n = 5, .on_write = [&](int w, const std::string&, chain& ch) {
                    if (w == 2)
                        ch.p2->on("data", [&t, p2 = ch.p2.get()](const costream::buffer& d) {
                            t.log("p2 data", d.to_string(), "rlen", p2->readable_length(), "wlen",
                                  p2->writable_length());
                        });
                    return how::sync;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
sink write c3 len 2 2 2 rlen 0 0 0
p2 data c3 rlen 0 wlen 2
sink write c4 len 2 2 2 rlen 0 0 0
p2 data c4 rlen 0 wlen 2
sink write c5 len 2 2 2 rlen 0 0 0
p2 data c5 rlen 0 wlen 2
p1 resume
p2 resume
p3 resume
src end
p1 end
p1 finish
src pause
p1 unpipe
src close
p2 end
p2 finish
p1 pause
p2 unpipe
p1 close
p3 end
p3 finish
p2 pause
p3 unpipe
p2 close
sink finish
p3 pause
sink unpipe
p3 close
sink close
)");
}

// cork() on the middle pass_through from the sink's _write, uncork() on the next tick: writes into
// p2 buffer (write() returns false at its highWaterMark, the upstream pauses), then flow again with
// 'drain'.
//
// clang-format off
// // cork() on the middle pass_through from the sink's _write, uncork() on the next tick: writes into p2 buffer (write() returns false at its highWaterMark, the upstream pauses), then flow again with 'drain'.
// const { chain, log } = require('./common.js');
// chain({ n: 8, passHwm: 4, onWrite(w, c, ctx) {
//   if (w === 2) {
//     ctx.p2.cork();
//     log('corked', ctx.p2.writableCorked);
//     process.nextTick(() => { log('uncork, wlen', ctx.p2.writableLength, 'needDrain', ctx.p2.writableNeedDrain); ctx.p2.uncork(); });
//   }
//   return 'sync';
// }});
// clang-format on
TEST_CASE("pipe fast path: cork on a middle stage buffers its writes until uncork and drain") {
    costream::loop l;
    word_trace t;
    chain c(t, {.pass_hwm = 4, .n = 8, .on_write = [&](int w, const std::string&, chain& ch) {
                    if (w == 2) {
                        ch.p2->cork();
                        t.log("corked", ch.p2->writable_corked());
                        costream::next_tick([&t, p2 = ch.p2] {
                            t.log("uncork, wlen", p2->writable_length(), "needDrain",
                                  b(p2->writable_need_drain()));
                            p2->uncork();
                        });
                    }
                    return how::sync;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
corked 1
p1 pause
src pause
p1 resume
p2 resume
p3 resume
uncork, wlen 4 needDrain true
sink write c3 len 4 4 2 rlen 4 0 0
sink write c4 len 4 2 2 rlen 4 0 0
p2 drain
p1 resume
sink write c5 len 2 2 2 rlen 4 0 0
p1 drain
sink write c6 len 0 2 2 rlen 2 0 0
sink write c7 len 0 2 2 rlen 0 0 0
src resume
sink write c8 len 2 2 2 rlen 0 0 0
src end
p1 end
p1 finish
src pause
p1 unpipe
src close
p2 end
p2 finish
p1 pause
p2 unpipe
p1 close
p3 end
p3 finish
p2 pause
p3 unpipe
p2 close
sink finish
p3 pause
sink unpipe
p3 close
sink close
)");
}

// end() on the middle pass_through from a 'data' listener of the source: the next chunk piped into
// it is a write after end.
//
// clang-format off
// // end() on the middle pass_through from a 'data' listener of the source: the next chunk piped into it is a write after end.
// const { chain, log } = require('./common.js');
// const ctx = chain({ n: 5 });
// ctx.src.on('data', (d) => { log('src data', d.toString()); if (d.toString() === 'c2') { ctx.p2.end(); log('p2 ended', ctx.p2.writableEnded); } });
// clang-format on
TEST_CASE("pipe fast path: end on a middle stage from a data listener makes the next write fail") {
    costream::loop l;
    word_trace t;
    chain c(t, {.n = 5});
    c.src->on("data", [&](const costream::buffer& d) {
        t.log("src data", d.to_string());
        if (d.to_string() == "c2") {
            c.p2->end();
            t.log("p2 ended", b(c.p2->writable_ended()));
        }
    });
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
src data c1
sink write c2 len 2 2 2 rlen 0 0 0
src data c2
p2 ended true
p1 pause
src data c3
src data c4
src data c5
p1 resume
p2 resume
p3 resume
p2 finish
p2 unpipe
p2 error ERR_STREAM_WRITE_AFTER_END
p2 close
src end
p1 finish
src pause
p1 unpipe
src close
)");
}

// A destination whose write() returns false mid-run (highWaterMark 4, callbacks on an immediate
// from the 3rd write): every stage pauses, the transforms hold their callbacks, and 'drain' resumes
// them in Node's order.
//
// clang-format off
// // A destination whose write() returns false mid-run (highWaterMark 4, callbacks on an immediate from the 3rd write): every stage pauses, the transforms hold their callbacks, and 'drain' resumes them in Node's order.
// const { chain, log } = require('./common.js');
// chain({ n: 10, passHwm: 4, sinkHwm: 4, onWrite(w) { return w >= 3 ? 'async' : 'sync'; } });
// clang-format on
TEST_CASE("pipe fast path: a destination whose write returns false pauses every stage in order") {
    costream::loop l;
    word_trace t;
    chain c(
        t,
        {.pass_hwm = 4, .sink_hwm = 4, .n = 10, .on_write = [](int w, const std::string&, chain&) {
             return w >= 3 ? how::async : how::sync;
         }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
sink write c3 len 2 2 2 rlen 0 0 0
p3 pause
p2 pause
p1 pause
p1 resume
p2 resume
p3 resume
src end
p1 finish
src pause
p1 unpipe
src close
sink write c4 len 0 5 4 rlen 0 4 4
sink drain
p3 resume
sink write c5 len 0 5 2 rlen 0 4 4
p3 drain
p3 pause
p2 resume
p2 drain
p2 pause
p1 resume
p1 end
p2 finish
p1 pause
p2 unpipe
p1 close
sink write c6 len 0 0 4 rlen 0 3 4
sink drain
p3 resume
sink write c7 len 0 0 2 rlen 0 3 4
p3 drain
p3 pause
p2 resume
p2 end
p2 close
sink write c8 len 0 0 3 rlen 0 0 5
sink drain
p3 resume
sink write c9 len 0 0 0 rlen 0 0 3
p3 pause
p3 finish
p2 pause
p3 unpipe
p3 end
p3 close
sink write c10 len 0 0 0 rlen 0 0 0
sink finish
sink unpipe
sink close
)");
}

// destroy() of the middle pass_through from the sink's _write: the next write into it fails with
// ERR_STREAM_DESTROYED.
//
// clang-format off
// // destroy() of the middle pass_through from the sink's _write: the next write into it fails with ERR_STREAM_DESTROYED.
// const { chain, log } = require('./common.js');
// chain({ n: 5, onWrite(w, c, ctx) { if (w === 2) ctx.p2.destroy(); return 'sync'; } });
// clang-format on
TEST_CASE("pipe fast path: a middle stage destroyed from the sink's write takes no more chunks") {
    costream::loop l;
    word_trace t;
    chain c(t, {.n = 5, .on_write = [](int w, const std::string&, chain& ch) {
                    if (w == 2) ch.p2->destroy();
                    return how::sync;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
p1 pause
p1 resume
p2 resume
p3 resume
p2 close
p2 unpipe
src end
p1 finish
src pause
p1 unpipe
src close
)");
}

// push(null) on the middle pass_through from the sink's _write: the pending transform callback runs
// on the next tick, the readable side ends, the next chunk is a push after EOF.
//
// clang-format off
// // push(null) on the middle pass_through from the sink's _write: the pending transform callback runs on the next tick, the readable side ends, the next chunk is a push after EOF.
// const { chain, log } = require('./common.js');
// chain({ n: 5, onWrite(w, c, ctx) { if (w === 2) { ctx.p2.push(null); log('p2 pushed null'); } return 'sync'; } });
// clang-format on
TEST_CASE(
    "pipe fast path: push(null) on a middle stage delays its write callback to the next tick") {
    costream::loop l;
    word_trace t;
    chain c(t, {.n = 5, .on_write = [&](int w, const std::string&, chain& ch) {
                    if (w == 2) {
                        ch.p2->push(nullptr);
                        t.log("p2 pushed null");
                    }
                    return how::sync;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
p2 pushed null
p1 resume
p2 resume
p3 resume
p2 end
src end
p3 end
p3 finish
p2 pause
p3 unpipe
p1 pause
p2 unpipe
p2 error ERR_STREAM_PUSH_AFTER_EOF
p2 close
p1 end
p1 finish
src pause
p1 unpipe
src close
sink finish
p3 pause
sink unpipe
p3 close
p1 close
sink close
)");
}

// A once('data') listener and a removeListener of pipe's listener count: p1 gets a once('data')
// listener from the sink's _write, then unpipe(p2) from p1 mid-run.
//
// clang-format off
// // A once('data') listener and a removeListener of pipe's listener count: p1 gets a once('data') listener from the sink's _write, then unpipe(p2) from p1 mid-run.
// const { chain, log } = require('./common.js');
// chain({ n: 6, onWrite(w, c, ctx) {
//   if (w === 2) ctx.p1.once('data', (d) => log('p1 once data', d.toString()));
//   if (w === 4) { ctx.p1.unpipe(ctx.p2); log('p1 unpiped, flowing', ctx.p1.readableFlowing); setImmediate(() => { log('p1 rlen', ctx.p1.readableLength); ctx.p1.pipe(ctx.p2); }); }
//   return 'sync';
// }});
// clang-format on
TEST_CASE("pipe fast path: a once data listener and unpipe then pipe again on a middle stage") {
    costream::loop l;
    word_trace t;
    chain c(t, {.n = 6, .on_write = [&](int w, const std::string&, chain& ch) {
                    if (w == 2)
                        ch.p1->once("data", [&t](const costream::buffer& d) {
                            t.log("p1 once data", d.to_string());
                        });
                    if (w == 4) {
                        ch.p1->unpipe(*ch.p2);
                        t.log("p1 unpiped, flowing", flowing(ch.p1->readable_flowing()));
                        costream::set_immediate([&t, p1 = ch.p1, p2 = ch.p2] {
                            t.log("p1 rlen", p1->readable_length());
                            p1->pipe(*p2);
                        });
                    }
                    return how::sync;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
sink write c3 len 2 2 2 rlen 0 0 0
p1 once data c3
sink write c4 len 2 2 2 rlen 0 0 0
p1 pause
p2 unpipe
p1 unpiped, flowing false
p1 resume
p2 resume
p3 resume
src end
p1 finish
src pause
p1 unpipe
src close
p1 rlen 4
p1 resume
sink write c5 len 0 2 2 rlen 2 0 0
sink write c6 len 0 2 2 rlen 0 0 0
p1 end
p2 end
p2 finish
p1 pause
p2 unpipe
p1 close
p3 end
p3 finish
p2 pause
p3 unpipe
p2 close
sink finish
p3 pause
sink unpipe
p3 close
sink close
)");
}

// unpipe(p2) from p1 inside the sink's _write while every write() returns false (highWaterMark 2):
// the pipe's ondata finishes after its listener was removed, then pipe() again.
//
// clang-format off
// // unpipe(p2) from p1 inside the sink's _write while every write() returns false (highWaterMark 2): the pipe's ondata finishes after its listener was removed, then pipe() again.
// const { chain, log } = require('./common.js');
// chain({ n: 6, passHwm: 2, onWrite(w, c, ctx) {
//   if (w === 3) { ctx.p1.unpipe(ctx.p2); log('p1 unpiped, flowing', ctx.p1.readableFlowing, 'p2 needDrain', ctx.p2.writableNeedDrain); setImmediate(() => { log('p1 rlen', ctx.p1.readableLength); ctx.p1.pipe(ctx.p2); }); }
//   return 'sync';
// }});
// clang-format on
TEST_CASE(
    "pipe fast path: unpipe from inside the write that returned false leaves the pipe undone") {
    costream::loop l;
    word_trace t;
    chain c(t, {.pass_hwm = 2, .n = 6, .on_write = [&](int w, const std::string&, chain& ch) {
                    if (w == 3) {
                        ch.p1->unpipe(*ch.p2);
                        t.log("p1 unpiped, flowing", flowing(ch.p1->readable_flowing()),
                              "p2 needDrain", b(ch.p2->writable_need_drain()));
                        costream::set_immediate([&t, p1 = ch.p1, p2 = ch.p2] {
                            t.log("p1 rlen", p1->readable_length());
                            p1->pipe(*p2);
                        });
                    }
                    return how::sync;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
sink write c3 len 2 2 2 rlen 0 0 0
p1 pause
p2 unpipe
p1 unpiped, flowing false p2 needDrain false
src pause
p1 resume
p2 resume
p3 resume
p1 rlen 2
p1 resume
p1 drain
sink write c4 len 0 2 2 rlen 0 0 0
src resume
sink write c5 len 2 2 2 rlen 0 0 0
sink write c6 len 2 2 2 rlen 0 0 0
src end
p1 end
p1 finish
src pause
p1 unpipe
src close
p2 end
p2 finish
p1 pause
p2 unpipe
p1 close
p3 end
p3 finish
p2 pause
p3 unpipe
p2 close
sink finish
p3 pause
sink unpipe
p3 close
sink close
)");
}

// unpipe(sink) from p3 inside the sink's own _write, which then completes later so that write()
// returns false (highWaterMark 2): pipe's ondata runs to its end after its listener was removed.
//
// clang-format off
// // unpipe(sink) from p3 inside the sink's own _write, which then completes later so that write() returns false (highWaterMark 2): pipe's ondata runs to its end after its listener was removed.
// const { chain, log } = require('./common.js');
// chain({ n: 5, sinkHwm: 2, onWrite(w, c, ctx) {
//   if (w === 3) {
//     ctx.p3.unpipe(ctx.sink);
//     log('p3 unpiped, flowing', ctx.p3.readableFlowing);
//     setImmediate(() => { log('p3 rlen', ctx.p3.readableLength, 'sink needDrain', ctx.sink.writableNeedDrain); ctx.p3.pipe(ctx.sink); });
//     return 'async';
//   }
//   return 'sync';
// }});
// clang-format on
TEST_CASE("pipe fast path: unpipe from inside the sink's write that returns false") {
    costream::loop l;
    word_trace t;
    chain c(t, {.sink_hwm = 2, .n = 5, .on_write = [&](int w, const std::string&, chain& ch) {
                    if (w != 3) return how::sync;
                    ch.p3->unpipe(*ch.sink);
                    t.log("p3 unpiped, flowing", flowing(ch.p3->readable_flowing()));
                    costream::set_immediate([&t, p3 = ch.p3, sink = ch.sink] {
                        t.log("p3 rlen", p3->readable_length(), "sink needDrain",
                              b(sink->writable_need_drain()));
                        p3->pipe(*sink);
                    });
                    return how::async;
                }});
    l.run();
    check_trace(t, R"(src resume
sink write c1 len 2 2 2 rlen 0 0 0
sink write c2 len 2 2 2 rlen 0 0 0
sink write c3 len 2 2 2 rlen 0 0 0
p3 pause
sink unpipe
p3 unpiped, flowing false
p1 resume
p2 resume
p3 resume
src end
p1 end
p1 finish
src pause
p1 unpipe
src close
p2 end
p2 finish
p1 pause
p2 unpipe
p1 close
p3 finish
p2 pause
p3 unpipe
p2 close
p3 rlen 4 sink needDrain true
sink drain
p3 resume
sink write c4 len 0 0 0 rlen 0 0 2
sink write c5 len 0 0 0 rlen 0 0 0
p3 end
sink finish
p3 pause
sink unpipe
p3 close
sink close
)");
}
