// pipeline() with transform function stages (Node's async generator stages): a stage runs
// only while the next stage waits for a chunk (two function stages in a row chain like
// generators: no buffer between them), a function stage before a stream is pumped into it
// with write() and 'drain' (pipeline.js pumpToNode), a consumer that leaves early unwinds
// the stages before it (Node's return()), a stage that throws fails the pipeline with its
// error, and a function stage last makes a PassThrough the pipeline returns. Each expected
// trace is what node v20.20.2 printed for the JS quoted above the case.
#include <costream/stream/pipeline.hpp>

#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>

#include "../../node/stream/stream_helpers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace stream_test;

namespace {

using S = std::string;
using reader = cs::stage_reader<S>;
using writer = cs::stage_writer<S>;

// new Readable({ objectMode: true, read() { log(`read ${i}`); this.push(i < n ? `c${i++}` : null);
// } })
struct counting_source : cs::basic_readable<S> {
    word_trace& t;
    int n;
    int i = 0;
    counting_source(word_trace& tr, int count)
        : cs::basic_readable<S>(cs::readable_options{.object_mode = true}), t(tr), n(count) {}
    void do_read(std::size_t) override {
        t.log("read", i);
        if (i < n)
            push("c" + std::to_string(i++));
        else
            push(nullptr);
    }
};

// new Writable({ objectMode: true, highWaterMark, write(c, e, cb) { log(`write ${c}`); ... } })
// completing at once or on an immediate.
struct logging_sink : cs::basic_writable<S> {
    word_trace& t;
    bool later;
    logging_sink(word_trace& tr, bool on_immediate, double hwm = 16)
        : cs::basic_writable<S>(cs::writable_options{.high_water_mark = hwm, .object_mode = true}),
          t(tr), later(on_immediate) {}
    void do_write(S&& c, write_callback cb) override {
        t.log("write", c);
        if (!later) return cb();
        costream::set_immediate([this, c, cb = std::move(cb)]() mutable {
            t.log("write cb", c);
            cb();
        });
    }
};

// try { ... } finally { log(text) } around a stage's body
struct log_on_exit {
    word_trace& t;
    const char* text;
    ~log_on_exit() { t.log(text); }
};

} // namespace

// const src = new Readable({ objectMode: true, read() { log('src read', i); this.push(i < 3 ? 'c' +
// i++ : null); } }); const a = async function* (s) { for await (const c of s) { log('a got', c);
// yield c + 'a'; log('a resumed after', c); } log('a done'); }; const b = (the same with 'b') const
// sink = new Writable({ objectMode: true, write(c, e, cb) { log('sink write', c); cb(); } });
// process.nextTick(() => log('tick'));
// await pipeline(src, a, b, sink);
// log('done');
TEST_CASE("two function stages in a row run one chunk at a time, each only while the next one "
          "waits, as Node's async generators do") {
    costream::loop l;
    word_trace t;
    auto src = cs::make<counting_source>(t, 3);
    auto sink = cs::make<logging_sink>(t, false);
    auto stage = [&t](const char* name) {
        return [&t, name](reader in, writer out) -> costream::promise<void> {
            while (auto c = co_await in.next()) {
                t.log(name, "got", *c);
                co_await out.write(*c + name);
                t.log(name, "resumed after", *c);
            }
            t.log(name, "done");
        };
    };
    costream::next_tick([&] { t.log("tick"); });
    cs::pipeline(src, stage("a"), stage("b"), sink, [&](const error_code& ec) {
        CHECK_FALSE(ec);
        t.log("done");
    });
    l.run();
    check_trace(t, R"(read 0
tick
read 1
read 2
read 3
a got c0
b got c0a
write c0ab
b resumed after c0a
a resumed after c0
a got c1
b got c1a
write c1ab
b resumed after c1a
a resumed after c1
a got c2
b got c2a
write c2ab
b resumed after c2a
a resumed after c2
a done
b done
done)");
}

// const src = Readable.from(['a', 'b', 'c', 'd']);
// const gen = async function* (s) { for await (const c of s) { log(`yield ${c}`); yield c; }
// log('gen done'); }; const sink = new Writable({ objectMode: true, highWaterMark: 2,
//   write(c, e, cb) { log(`write ${c}`); setImmediate(() => { log(`write cb ${c}`); cb(); }); } });
// sink.on('drain' / 'finish' / 'close', log); pipeline(src, gen, sink, (err) => log(`callback ${err
// ? err.message : 'ok'}`)); log('pipeline returned');
TEST_CASE("a function stage before a stream is pumped into it: write() until it says false, then "
          "'drain'") {
    costream::loop l;
    word_trace t;
    std::vector<S> items{"a", "b", "c", "d"};
    auto src = cs::from(items);
    auto sink = cs::make<logging_sink>(t, true, 2);
    sink->on("drain", [&] { t.log("drain"); });
    sink->on("finish", [&] { t.log("finish"); });
    sink->on("close", [&] { t.log("sink close"); });
    auto gen = [&t](reader in, writer out) -> costream::promise<void> {
        while (auto c = co_await in.next()) {
            t.log("yield", *c);
            co_await out.write(*c);
        }
        t.log("gen done");
    };
    cs::pipeline(src, gen, sink,
                 [&](const error_code& ec) { t.log("callback", ec ? message(ec) : "ok"); });
    t.log("pipeline returned");
    l.run();
    check_trace(t, R"(pipeline returned
yield a
write a
yield b
write cb a
write b
write cb b
drain
yield c
write c
yield d
write cb c
write d
write cb d
drain
gen done
finish
sink close
callback ok)");
}

// const src = new Readable({ objectMode: true, read() { log(`read ${i}`); this.push(i < 5 ?
// `c${i++}` : null); } }); src.on('close', () => log(`src close destroyed=${src.destroyed}`));
// src.on('error', (e) => log(`src error ${e.message}`)); const gen = async function* (s) { try {
// for await (const c of s) { log(`gen got ${c}`); yield c; log(`gen resumed ${c}`); } } finally {
// log('gen finally'); } }; const v = await pipeline(src, gen, async (s) => { for await (const c of
// s) { log(`sink got ${c}`); if (c === 'c1') break; } log('sink returns'); return 7; });
// log(`resolved ${v}`);
// Adapted: C++ has no for-await, so leaving the loop does not close the reader; the reader
// closes when destroyed, at the end of the function: "sink returns" comes before "gen
// finally" (Node awaits the generator's return() at the break).
TEST_CASE("a sink function that leaves early unwinds the function stage before it, which "
          "destroys the source it iterates (AbortError), and the pipeline still succeeds") {
    costream::loop l;
    word_trace t;
    auto src = cs::make<counting_source>(t, 5);
    src->on("close", [&] {
        t.log("src close destroyed=" + std::string(src->destroyed() ? "true" : "false"));
    });
    src->on("error", [&](const error_code& ec) { t.log("src error", message(ec)); });
    auto gen = [&t](reader in, writer out) -> costream::promise<void> {
        log_on_exit f{t, "gen finally"};
        while (auto c = co_await in.next()) {
            t.log("gen got", *c);
            co_await out.write(*c);
            t.log("gen resumed", *c);
        }
    };
    auto sink = [&t](reader in) -> costream::promise<int> {
        while (auto c = co_await in.next()) {
            t.log("sink got", *c);
            if (*c == "c1") break;
        }
        t.log("sink returns");
        co_return 7;
    };
    cs::pipeline(src, gen, sink, [&](const error_code& ec, int v) {
        CHECK_FALSE(ec);
        t.log("resolved", v);
    });
    l.run();
    check_trace(t, R"(read 0
read 1
read 2
read 3
read 4
read 5
gen got c0
sink got c0
gen resumed c0
gen got c1
sink got c1
sink returns
gen finally
src error The operation was aborted
src close destroyed=true
resolved 7)");
}

// const a = async function* (s) { try { for await (const c of s) { log(`a got ${c}`); yield c; } }
// finally { log('a finally'); } }; const b = async function* (s) { for await (const c of s) {
// log(`b got ${c}`); if (c === 'c1') throw new Error('b failed'); yield c; } }; const sink = new
// Writable({ objectMode: true, write(c, e, cb) { log(`write ${c}`); cb(); } }); sink.on('error',
// ...); sink.on('close', ...); src.on('close' / 'error', ...) try { await pipeline(src, a, b,
// sink); } catch (e) { log(`rejected ${e.message}`); }
TEST_CASE("a function stage that throws fails the pipeline with its error: the stage before it "
          "unwinds, every stream is destroyed") {
    costream::loop l;
    word_trace t;
    auto src = cs::make<counting_source>(t, 5);
    src->on("close", [&] { t.log("src close"); });
    src->on("error", [&](const error_code& ec) { t.log("src error", message(ec)); });
    auto sink = cs::make<logging_sink>(t, false);
    sink->on("error", [&](const error_code& ec) { t.log("sink error", message(ec)); });
    sink->on("close", [&] { t.log("sink close"); });
    auto a = [&t](reader in, writer out) -> costream::promise<void> {
        log_on_exit f{t, "a finally"};
        while (auto c = co_await in.next()) {
            t.log("a got", *c);
            co_await out.write(*c);
        }
    };
    auto b = [&t](reader in, writer out) -> costream::promise<void> {
        while (auto c = co_await in.next()) {
            t.log("b got", *c);
            if (*c == "c1") throw boost::system::system_error(user_error("b failed"));
            co_await out.write(*c);
        }
    };
    auto body = [&]() -> costream::promise<void> {
        try {
            co_await cs::pipeline(src, a, b, sink);
        } catch (const boost::system::system_error& e) {
            t.log("rejected", message(e.code()));
        }
    };
    body();
    l.run();
    check_trace(t, R"(read 0
read 1
read 2
read 3
read 4
read 5
a got c0
b got c0
write c0
a got c1
b got c1
a finally
src error The operation was aborted
src close
sink error b failed
sink close
rejected b failed)");
}

// const ret = pipeline(Readable.from(['x', 'y']), async function* (s) { for await (const c of s)
// yield c + c; },
//                      (err) => log(`callback ${err ? err.message : 'ok'}`));
// log(`returned objectMode=${ret.readableObjectMode}`);
// ret.on('data', (c) => log(`data ${c}`)); ret.on('end', ...); ret.on('close', ...);
TEST_CASE("a function stage last is pumped into an object-mode PassThrough whose output can be "
          "read") {
    costream::loop l;
    word_trace t;
    std::vector<S> items{"x", "y"};
    auto src = cs::from(items);
    auto twice = [](reader in, writer out) -> costream::promise<void> {
        while (auto c = co_await in.next())
            co_await out.write(*c + *c);
    };
    auto ret = cs::pipeline(
        src, twice, [&](const error_code& ec) { t.log("callback", ec ? message(ec) : "ok"); });
    t.log("returned objectMode=" + std::string(ret->readable_object_mode() ? "true" : "false"));
    ret->on("data", [&](const S& c) { t.log("data", c); });
    ret->on("end", [&] { t.log("end"); });
    ret->on("close", [&] { t.log("close"); });
    l.run();
    check_trace(t, R"(returned objectMode=true
data xx
data yy
end
close
callback ok)");
}

// src.on('close', () => log(`src close`)); src.on('error', (e) => log(`src error ${e.code}`));
// pipeline(src, async function* (s) { started = true; for await (const c of s) yield c; }, async
// (s) => 1,
//          (err, v) => log(`callback ${err ? err.code : 'ok'} ${v} started=${started}`));
TEST_CASE("a sink function that returns without reading never starts the function stage before "
          "it, and the pipeline destroys the source and still reports success") {
    costream::loop l;
    word_trace t;
    auto src = cs::make<counting_source>(t, 5);
    src->on("close", [&] { t.log("src close"); });
    src->on("error", [&](const error_code& ec) { t.log("src error", costream::node_code(ec)); });
    bool started = false;
    auto gen = [&started](reader in, writer out) -> costream::promise<void> {
        started = true;
        while (auto c = co_await in.next())
            co_await out.write(*c);
    };
    auto sink = [](reader) -> costream::promise<int> { co_return 1; };
    cs::pipeline(src, gen, sink, [&](const error_code& ec, int v) {
        t.log("callback", ec ? costream::node_code(ec) : "ok", v,
              std::string("started=") + (started ? "true" : "false"));
    });
    l.run();
    check_trace(t, R"(src error ERR_STREAM_DESTROYED
src close
callback ok 1 started=false)");
}
