// pipe() into a user transform: the write is done in place (basic_transform::write_piped: no
// write_callback object, do_transform gets a callback that completes the write by its number
// and holds the stream only once moved). Each case runs a chain src -> t -> sink where t's
// do_transform does something a shortcut could get wrong: state read after calling back
// while the readable side is full (the held callback), an asynchronous callback pushing
// twice, cb(err), a second call, push(null) (the callback waits a tick), and an unpipe while
// the callback is pending (the moved callback is then all that keeps t alive). The expected
// traces are what node v20.20.2 printed for the JS quoted above each case, on top of this
// helper (common.js):
//
// clang-format off
// 'use strict';
// const { Readable, Writable, Transform } = require('stream');
// const log = (...a) => console.log(a.join(' '));
// // src -> t -> sink joined by pipe(); opts: srcHwm, tHwm, sinkHwm, n, transform(t, chunk, cb, k), onWrite(i, chunk) -> 'sync'|'async'
// function chain(opts) {
//   let i = 0;
//   const n = opts.n;
//   const src = new Readable({ highWaterMark: opts.srcHwm, read() {
//     while (i < n) { if (!this.push('c' + (++i))) return; }
//     this.push(null);
//   }});
//   let k = 0;
//   const t = new Transform({ highWaterMark: opts.tHwm, transform(chunk, enc, cb) {
//     ++k;
//     log('t transform', chunk.toString(), 'wlen', t.writableLength, 'rlen', t.readableLength);
//     opts.transform(t, chunk.toString(), cb, k);
//     log('t return', chunk.toString(), 'wlen', t.writableLength, 'rlen', t.readableLength);
//   }});
//   let w = 0;
//   const sink = new Writable({ highWaterMark: opts.sinkHwm, write(chunk, enc, cb) {
//     ++w;
//     log('sink write', chunk.toString(), 'twlen', t.writableLength, 'trlen', t.readableLength);
//     const how = opts.onWrite ? opts.onWrite(w, chunk.toString()) : 'sync';
//     if (how === 'async') setImmediate(cb); else cb();
//   }});
//   const names = { src, t, sink };
//   for (const [name, s] of Object.entries(names)) {
//     for (const ev of ['pause', 'resume', 'drain', 'end', 'finish', 'close', 'unpipe']) s.on(ev, () => log(name, ev));
//     s.on('error', (e) => log(name, 'error', e.code || e.message));
//   }
//   src.pipe(t).pipe(sink);
//   return { src, t, sink };
// }
// module.exports = { chain, log };
// clang-format on
#include <costream/stream/transform.hpp>

#include <costream/loop.hpp>
#include <costream/stream/pipe.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace stream_test;

namespace {

struct chain;

// Node's `new Transform({ transform })` with common.js's logging around the user's function;
// overrides only the two-argument do_transform, as most transforms do.
struct user_transform : cs::transform {
    chain* c = nullptr;
    int k = 0;
    using cs::transform::transform;

protected:
    void do_transform(costream::buffer&& chunk, transform_callback cb) override;
};

// Node's `e.code || e.message`
std::string code_of(const error_code& ec) {
    if (ec.category() == user_cat()) return message(ec);
    return std::string(costream::node_code(ec));
}

// common.js's chain()
struct chain {
    struct options {
        std::optional<double> src_hwm{}, t_hwm{}, sink_hwm{};
        int n = 3;
        std::function<void(chain&, const std::string&, user_transform::transform_callback, int)>
            transform{};
        bool async_sink = false;
    };

    word_trace& t;
    options o;
    cs::ptr<fn_readable<>> src;
    cs::ptr<user_transform> tr;
    user_transform* t_raw = nullptr; // for the sink's log, also once `tr` is dropped
    cs::ptr<fn_writable<>> sink;

    chain(word_trace& trace, options opts) : t(trace), o(std::move(opts)) {
        auto i = std::make_shared<int>(0);
        const int n = o.n;
        src = cs::make<fn_readable<>>(cs::readable_options{.high_water_mark = o.src_hwm},
                                      [i, n](fn_readable<>& r, std::size_t) {
                                          while (*i < n)
                                              if (!r.push("c" + std::to_string(++*i))) return;
                                          r.push(nullptr);
                                      });
        tr = cs::make<user_transform>(cs::duplex_options{.high_water_mark = o.t_hwm});
        tr->c = this;
        t_raw = tr.get();
        sink = cs::make<fn_writable<>>(
            cs::writable_options{.high_water_mark = o.sink_hwm},
            [this](fn_writable<>&, costream::buffer& c, std::optional<costream::encoding>,
                   fn_writable<>::write_callback cb) {
                t.log("sink write", c.to_string(), "twlen", t_raw->writable_length(), "trlen",
                      t_raw->readable_length());
                if (o.async_sink)
                    costream::set_immediate([cb = std::make_shared<fn_writable<>::write_callback>(
                                                 std::move(cb))] { (*cb)(); });
                else
                    cb();
            });
        watch(*src, "src");
        watch(*tr, "t");
        watch(*sink, "sink");
        cs::pipe(*src, *tr);
        cs::pipe(*tr, *sink);
    }

    template <class S>
    void watch(S& s, const char* name) {
        for (const char* ev : {"pause", "resume", "drain", "end", "finish", "close", "unpipe"})
            s.on(ev, [this, name, ev] { t.log(name, ev); });
        s.on("error", [this, name](const error_code& ec) { t.log(name, "error", code_of(ec)); });
    }
};

void user_transform::do_transform(costream::buffer&& chunk, transform_callback cb) {
    chain& ch = *c;
    const std::string s = chunk.to_string();
    ++k;
    ch.t.log("t transform", s, "wlen", writable_length(), "rlen", readable_length());
    ch.o.transform(ch, s, std::move(cb), k);
    ch.t.log("t return", s, "wlen", writable_length(), "rlen", readable_length());
}

costream::buffer buf(const std::string& s) {
    return costream::buffer::from(s);
}

} // namespace

TEST_CASE("a piped transform that reads its state after calling back, with its output held "
          "at highWaterMark: node's order") {
    // chain({ n: 6, srcHwm: 2, tHwm: 2, sinkHwm: 1, transform(t, c, cb) { cb(null,
    // c.toUpperCase());
    //   log('t after cb', c, 'wlen', t.writableLength, 'rlen', t.readableLength); }, onWrite: () =>
    //   'async' });
    costream::loop l;
    word_trace t;
    chain ch(t,
             {.src_hwm = 2,
              .t_hwm = 2,
              .sink_hwm = 1,
              .n = 6,
              .transform =
                  [](chain& c, const std::string& s, user_transform::transform_callback cb, int) {
                      std::string up = s;
                      for (char& x : up)
                          x = static_cast<char>(std::toupper(static_cast<unsigned char>(x)));
                      cb({}, buf(up));
                      c.t.log("t after cb", s, "wlen", c.tr->writable_length(), "rlen",
                              c.tr->readable_length());
                  },
              .async_sink = true});
    l.run();
    check_trace(t, R"(src resume
t transform c1 wlen 2 rlen 0
sink write C1 twlen 2 trlen 0
t pause
t after cb c1 wlen 0 rlen 0
t return c1 wlen 0 rlen 0
t transform c2 wlen 2 rlen 0
t after cb c2 wlen 2 rlen 2
t return c2 wlen 2 rlen 2
src pause
t resume
sink drain
t resume
t drain
sink write C2 twlen 0 trlen 0
t pause
src resume
t transform c3 wlen 2 rlen 0
t after cb c3 wlen 2 rlen 2
t return c3 wlen 2 rlen 2
src pause
sink drain
t resume
t drain
sink write C3 twlen 0 trlen 0
t pause
src resume
t transform c4 wlen 2 rlen 0
t after cb c4 wlen 2 rlen 2
t return c4 wlen 2 rlen 2
src pause
sink drain
t resume
t drain
sink write C4 twlen 0 trlen 0
t pause
src resume
t transform c5 wlen 2 rlen 0
t after cb c5 wlen 2 rlen 2
t return c5 wlen 2 rlen 2
src pause
sink drain
t resume
t drain
sink write C5 twlen 0 trlen 0
t pause
src resume
t transform c6 wlen 2 rlen 0
t after cb c6 wlen 2 rlen 2
t return c6 wlen 2 rlen 2
src pause
src end
src close
sink drain
t resume
sink write C6 twlen 0 trlen 0
t pause
t finish
t unpipe
t end
t close
sink finish
sink unpipe
sink close)");
}

TEST_CASE("a piped transform that calls back on an immediate after pushing: node's order") {
    // chain({ n: 3, transform(t, c, cb, k) { setImmediate(() => { t.push(c + 'a');
    //   log('t pushed', c + 'a', 'rlen', t.readableLength); cb(null, c + 'b');
    //   log('t called back', c, 'wlen', t.writableLength); }); } });
    costream::loop l;
    word_trace t;
    chain ch(
        t,
        {.n = 3,
         .transform = [](chain& c, const std::string& s, user_transform::transform_callback cb,
                         int) {
             costream::set_immediate(
                 [&c, s, cb = std::make_shared<user_transform::transform_callback>(std::move(cb))] {
                     c.tr->push(buf(s + "a"));
                     c.t.log("t pushed", s + "a", "rlen", c.tr->readable_length());
                     (*cb)({}, buf(s + "b"));
                     c.t.log("t called back", s, "wlen", c.tr->writable_length());
                 });
         }});
    l.run();
    check_trace(t, R"(src resume
t transform c1 wlen 2 rlen 0
t return c1 wlen 2 rlen 0
t resume
src end
src close
sink write c1a twlen 6 trlen 0
t pushed c1a rlen 0
sink write c1b twlen 6 trlen 0
t transform c2 wlen 4 rlen 0
t return c2 wlen 4 rlen 0
t called back c1 wlen 4
sink write c2a twlen 4 trlen 0
t pushed c2a rlen 0
sink write c2b twlen 4 trlen 0
t transform c3 wlen 2 rlen 0
t return c3 wlen 2 rlen 0
t called back c2 wlen 2
sink write c3a twlen 2 trlen 0
t pushed c3a rlen 0
sink write c3b twlen 2 trlen 0
t called back c3 wlen 0
t end
t finish
src pause
t unpipe
sink finish
t pause
sink unpipe
t close
sink close)");
}

TEST_CASE("a piped transform failing its second chunk with cb(err): node's order") {
    // chain({ n: 4, transform(t, c, cb, k) { if (k === 2) cb(new Error('E2')); else cb(null, c); }
    // });
    costream::loop l;
    word_trace t;
    chain ch(t, {.n = 4,
                 .transform = [](chain&, const std::string& s,
                                 user_transform::transform_callback cb, int k) {
                     if (k == 2)
                         cb(user_error("E2"));
                     else
                         cb({}, buf(s));
                 }});
    l.run();
    check_trace(t, R"(src resume
t transform c1 wlen 2 rlen 0
sink write c1 twlen 2 trlen 0
t return c1 wlen 0 rlen 0
t transform c2 wlen 2 rlen 0
t return c2 wlen 0 rlen 0
src pause
t resume
t unpipe
t error E2
t close)");
}

TEST_CASE("a piped transform calling back twice: the second push goes out, then "
          "ERR_MULTIPLE_CALLBACK as in node") {
    // chain({ n: 3, transform(t, c, cb, k) { cb(null, c); if (k === 2) { cb(null, c + 'x');
    //   log('t second cb returned'); } } });
    costream::loop l;
    word_trace t;
    chain ch(t, {.n = 3,
                 .transform = [](chain& c, const std::string& s,
                                 user_transform::transform_callback cb, int k) {
                     cb({}, buf(s));
                     if (k == 2) {
                         cb({}, buf(s + "x"));
                         c.t.log("t second cb returned");
                     }
                 }});
    l.run();
    check_trace(t, R"(src resume
t transform c1 wlen 2 rlen 0
sink write c1 twlen 2 trlen 0
t return c1 wlen 0 rlen 0
t transform c2 wlen 2 rlen 0
sink write c2 twlen 2 trlen 0
sink write c2x twlen 0 trlen 0
t second cb returned
t return c2 wlen 0 rlen 0
src pause
t resume
t unpipe
t error ERR_MULTIPLE_CALLBACK
t close)");
}

TEST_CASE("a piped transform pushing null: its callback waits a tick, the next chunk fails "
          "with ERR_STREAM_PUSH_AFTER_EOF as in node") {
    // process.nextTick(() => log('tick 0'));
    // chain({ n: 4, transform(t, c, cb, k) { if (k === 2) { t.push(c); t.push(null); cb();
    //   process.nextTick(() => log('tick after cb', t.writableLength)); } else cb(null, c); } });
    costream::loop l;
    word_trace t;
    l.next_tick([&] { t.log("tick 0"); });
    chain ch(t, {.n = 4,
                 .transform = [](chain& c, const std::string& s,
                                 user_transform::transform_callback cb, int k) {
                     if (k == 2) {
                         c.tr->push(buf(s));
                         c.tr->push(nullptr);
                         cb();
                         c.tr->get_loop().next_tick(
                             [&c] { c.t.log("tick after cb", c.tr->writable_length()); });
                     } else {
                         cb({}, buf(s));
                     }
                 }});
    l.run();
    check_trace(t, R"(tick 0
src resume
t transform c1 wlen 2 rlen 0
sink write c1 twlen 2 trlen 0
t return c1 wlen 0 rlen 0
t transform c2 wlen 2 rlen 0
sink write c2 twlen 2 trlen 0
t return c2 wlen 2 rlen 0
t resume
t end
t transform c3 wlen 4 rlen 0
t return c3 wlen 4 rlen 0
tick after cb 4
src end
sink finish
t pause
sink unpipe
src pause
t unpipe
t error ERR_STREAM_PUSH_AFTER_EOF
t close
src close
sink close)");
}

TEST_CASE("a piped transform unpiped while its callback is pending: the moved callback keeps "
          "it alive, node's order") {
    // const ctx = chain({ n: 3, transform(t, c, cb, k) { setImmediate(() => { log('t calls back',
    // c);
    //   cb(null, c + '!'); log('t called back', c, 'wlen', t.writableLength); });
    //   if (k === 1) ctx.src.unpipe(ctx.t); } });
    costream::loop l;
    word_trace t;
    {
        chain ch(
            t, {.n = 3,
                .transform = [](chain& c, const std::string& s,
                                user_transform::transform_callback cb, int k) {
                    // Only the callback refers to t once the chain is gone: no chain here.
                    user_transform* tr = c.tr.get();
                    word_trace* tt = &c.t;
                    costream::set_immediate(
                        [tr, tt, s,
                         cb = std::make_shared<user_transform::transform_callback>(std::move(cb))] {
                            tt->log("t calls back", s);
                            (*cb)({}, buf(s + "!"));
                            tt->log("t called back", s, "wlen", tr->writable_length());
                        });
                    if (k == 1) cs::unpipe(*c.src, *c.tr);
                }});
        // The chain's handles go away before the immediate runs: t is held by its pending
        // callback (and by the pipe into sink's source side, which t itself owns).
        ch.tr->get_loop().next_tick([&ch] {
            ch.tr.reset();
            ch.src.reset();
        });
        l.run();
    }
    check_trace(t, R"(src resume
t transform c1 wlen 2 rlen 0
src pause
t unpipe
t return c1 wlen 2 rlen 0
t resume
t calls back c1
sink write c1! twlen 2 trlen 0
t called back c1 wlen 0)");
}

namespace {

// A transform whose class declares its own write(chunk), hiding basic_writable's: pipe()
// calls that one (C++ name lookup), so it must not take the in-place path.
struct hiding_transform : cs::transform {
    int writes = 0;
    bool write(costream::buffer b) {
        ++writes;
        return cs::transform::write(std::move(b));
    }

protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        cb({}, std::move(c));
    }
};

// A transform overriding the three-argument do_transform (Node's _transform(chunk, encoding,
// callback)): the in-place path calls it, with Node's 'buffer' encoding (none).
struct encoding_transform : cs::transform {
    std::vector<std::string> seen;

protected:
    void do_transform(costream::buffer&& c, std::optional<costream::encoding> enc,
                      transform_callback cb) override {
        seen.push_back(c.to_string() + (enc ? " with an encoding" : " buffer"));
        cb({}, std::move(c));
    }
};

} // namespace

TEST_CASE("pipe() into a transform whose class hides write() calls that write(), and a "
          "three-argument do_transform is called with no encoding") {
    costream::loop l;
    auto make_src = [] {
        return cs::make<fn_readable<>>(cs::readable_options{},
                                       [i = 0](fn_readable<>& r, std::size_t) mutable {
                                           while (i < 3)
                                               if (!r.push("c" + std::to_string(++i))) return;
                                           r.push(nullptr);
                                       });
    };
    std::string out1, out2;
    auto sink = [](std::string& out) {
        return cs::make<fn_writable<>>(cs::writable_options{},
                                       [&out](fn_writable<>&, costream::buffer& c,
                                              std::optional<costream::encoding>,
                                              fn_writable<>::write_callback cb) {
                                           out += c.to_string() + ",";
                                           cb();
                                       });
    };
    auto s1 = make_src();
    auto h = cs::make<hiding_transform>();
    cs::pipe(*s1, *h);
    cs::pipe(*h, *sink(out1));
    auto s2 = make_src();
    auto e = cs::make<encoding_transform>();
    cs::pipe(*s2, *e);
    cs::pipe(*e, *sink(out2));
    l.run();
    CHECK(h->writes == 3);
    CHECK(joined(e->seen) == joined({"c1 buffer", "c2 buffer", "c3 buffer"}));
    CHECK(out1 == "c1,c2,c3,");
    CHECK(out2 == "c1,c2,c3,");
}
