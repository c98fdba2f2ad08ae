// basic_readable cases the oracle ports (tests/node/stream/2x-35) do not cover: unshift,
// read(n) raising high_water_mark, push/unshift after the end, auto_destroy / emit_close,
// destroy(err) in each phase. Each case was run in node v20; the JS is in its comment and
// the expected lines are Node's output.
#include <costream/stream/readable.hpp>

#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <string>
#include <vector>

using namespace stream_test;
using strings = std::vector<std::string>;

namespace {
// const mk = (o = {}) => new Readable({ read() {}, ...o });
template <class Chunk = costream::buffer>
cs::ptr<fn_readable<Chunk>> mk(cs::readable_options o = {}) {
    return cs::make<fn_readable<Chunk>>(o);
}
std::string str(const std::optional<costream::buffer>& b) {
    return b ? b->to_string() : "null";
}
} // namespace

TEST_CASE("unshift puts a chunk back in front of the buffer, bytes and objects") {
    // { const r = mk(); r.push('cd'); r.unshift('ab'); log(`unshift: len=${r.readableLength}
    //   read=${r.read()}`); }  -> unshift: len=4 read=abcd
    // { const r = mk({objectMode:true}); r.push(2); r.unshift(1); log(`${r.read()},${r.read()}`) }
    //   -> 1,2
    costream::loop l;
    auto r = mk();
    r->push("cd");
    r->unshift("ab");
    CHECK(r->readable_length() == 4);
    CHECK(str(r->read()) == "abcd");
    auto o = mk<int>();
    o->push(2);
    o->unshift(1);
    CHECK(o->read() == 1);
    CHECK(o->read() == 2);
    l.run();
}

TEST_CASE("read(n) above high_water_mark raises it to the next power of two") {
    // const r = mk({highWaterMark: 4}); r.push('abcdefghij'); const x = r.read(9);
    // -> read(9)=abcdefghi hwm after=16 len=1
    // r.read(2 ** 30 + 1) -> throws ERR_OUT_OF_RANGE
    // r.read(3) with 1 buffered -> null; r.push(null); r.read(3) -> j
    costream::loop l;
    auto r = mk(cs::readable_options{.high_water_mark = 4});
    r->push("abcdefghij");
    CHECK(r->readable_high_water_mark() == 4);
    CHECK(str(r->read(9)) == "abcdefghi");
    CHECK(r->readable_high_water_mark() == 16);
    CHECK(r->readable_length() == 1);
    try {
        r->read((std::size_t(1) << 30) + 1);
        FAIL("read(1 GiB + 1) did not throw");
    } catch (const costream::range_error& e) {
        CHECK(e.node_code() == "ERR_OUT_OF_RANGE");
    }
    CHECK(str(r->read(3)) == "null");
    r->push(nullptr);
    CHECK(str(r->read(3)) == "j"); // at the end: what is left
    l.run();
}

TEST_CASE("read(n) inside one buffered chunk is a view of it, not a copy") {
    costream::loop l;
    auto r = mk();
    auto chunk = costream::buffer::from("abcdef");
    r->push(chunk);
    auto first = r->read(2);
    auto rest = r->read(4);
    REQUIRE(first);
    REQUIRE(rest);
    CHECK(first->data() == chunk.data());
    CHECK(rest->data() == chunk.data() + 2);
    CHECK(rest->to_string() == "cdef");
    l.run();
}

TEST_CASE("push after push(null) fails the stream with ERR_STREAM_PUSH_AFTER_EOF") {
    // const r = mk(); r.on('error', ...); r.on('close', ...); r.push(null);
    // log(`push after null -> ${r.push('x')}`)
    // -> push after null -> false / error ERR_STREAM_PUSH_AFTER_EOF / close
    costream::loop l;
    strings log;
    auto r = mk();
    r->on("error", [&](const error_code& e) { log.push_back("error " + err_or_null(e)); });
    r->on("close", [&] { log.push_back("close"); });
    r->push(nullptr);
    log.push_back(std::string("push after null -> ") + b(r->push("x")));
    l.run();
    CHECK(joined(log) ==
          joined(strings{"push after null -> false", "error ERR_STREAM_PUSH_AFTER_EOF", "close"}));
}

TEST_CASE("unshift after 'end' fails the stream with ERR_STREAM_UNSHIFT_AFTER_END_EVENT") {
    // const r = mk(); r.on('data', () => {}); r.on('end', () => { log('end'); r.unshift('x');
    // }); r.on('error', ...); r.on('close', ...); r.push(null);
    // -> end / error ERR_STREAM_UNSHIFT_AFTER_END_EVENT / close
    costream::loop l;
    strings log;
    auto r = mk();
    r->on("data", [](const costream::buffer&) {});
    r->on("end", [&] {
        log.push_back("end");
        r->unshift("x");
    });
    r->on("error", [&](const error_code& e) { log.push_back("error " + err_or_null(e)); });
    r->on("close", [&] { log.push_back("close"); });
    r->push(nullptr);
    l.run();
    CHECK(joined(log) ==
          joined(strings{"end", "error ERR_STREAM_UNSHIFT_AFTER_END_EVENT", "close"}));
}

TEST_CASE("push after destroy returns false and buffers nothing") {
    // const r = mk(); r.destroy(); r.push('x') -> false, readableLength 0
    costream::loop l;
    auto r = mk();
    r->destroy();
    CHECK(!r->push("x"));
    CHECK(r->readable_length() == 0);
    l.run();
}

TEST_CASE("auto_destroy false keeps the stream alive after 'end', emit_close false hides 'close'") {
    // mk({autoDestroy: false}): resume(), push(null) -> 'end', no 'close', destroyed=false
    // mk({emitClose: false}): -> 'end', no 'close', destroyed=true closed=true
    costream::loop l;
    strings log;
    auto a = mk(cs::readable_options{.auto_destroy = false});
    a->on("end", [&] { log.push_back("ad false: end"); });
    a->on("close", [&] { log.push_back("ad false: close"); });
    a->resume();
    a->push(nullptr);
    auto e = mk(cs::readable_options{.emit_close = false});
    e->on("end", [&] { log.push_back("ec false: end"); });
    e->on("close", [&] { log.push_back("ec false: close"); });
    e->resume();
    e->push(nullptr);
    l.run();
    CHECK(joined(log) == joined(strings{"ad false: end", "ec false: end"}));
    CHECK(!a->destroyed());
    CHECK(e->destroyed());
    CHECK(e->closed());
}

TEST_CASE("destroy(err) in each phase emits 'error' once and then 'close'") {
    // for (const phase of ['before-read', 'flowing', 'after-end-pushed', 'after-end']) {
    //   const r = mk(); ... listeners for error/close/end ...
    //   if (phase === 'flowing') { r.on('data', d => log(`data ${d}`)); r.push('a'); await
    //     immediate }
    //   if (phase === 'after-end-pushed') { r.push('a'); r.push(null); }
    //   if (phase === 'after-end') { r.on('data', () => {}); r.push(null); await immediate }
    //   r.destroy(new Error('E')); r.destroy(new Error('E2'));
    //   log(`${tag}: destroyed=${r.destroyed} errored=${r.errored && r.errored.message}`);
    //   await immediate }
    costream::loop l;
    strings log;
    std::vector<cs::ptr<fn_readable<>>> keep;
    auto run_phase = [&](const std::string& phase) {
        auto r = mk();
        keep.push_back(r);
        const std::string tag = "destroy " + phase;
        r->on("error",
              [&log, tag](const error_code& e) { log.push_back(tag + ": error " + message(e)); });
        r->on("close", [&log, tag] { log.push_back(tag + ": close"); });
        r->on("end", [&log, tag] { log.push_back(tag + ": end"); });
        if (phase == "flowing") {
            r->on("data", [&log, tag](const costream::buffer& d) {
                log.push_back(tag + ": data " + d.to_string());
            });
            r->push("a");
            l.run();
        }
        if (phase == "after-end-pushed") {
            r->push("a");
            r->push(nullptr);
        }
        if (phase == "after-end") {
            r->on("data", [](const costream::buffer&) {});
            r->push(nullptr);
            l.run();
        }
        r->destroy(user_error("E"));
        r->destroy(user_error("E2"));
        log.push_back(tag + ": destroyed=" + b(r->destroyed()) +
                      " errored=" + (r->errored() ? message(r->errored()) : "null"));
        l.run();
    };
    for (const char* phase : {"before-read", "flowing", "after-end-pushed", "after-end"})
        run_phase(phase);
    CHECK(joined(log) ==
          joined(strings{"destroy before-read: destroyed=true errored=E",
                         "destroy before-read: error E", "destroy before-read: close",
                         "destroy flowing: data a", "destroy flowing: destroyed=true errored=E",
                         "destroy flowing: error E", "destroy flowing: close",
                         "destroy after-end-pushed: destroyed=true errored=E",
                         "destroy after-end-pushed: error E", "destroy after-end-pushed: close",
                         "destroy after-end: end", "destroy after-end: close",
                         "destroy after-end: destroyed=true errored=null"}));
}
