// basic_writable cases the oracle ports (tests/node/stream/37-43) do not cover: cork/uncork
// and writes buffered during a write batched into do_writev, ERR_MULTIPLE_CALLBACK,
// ERR_STREAM_DESTROYED, auto_destroy / emit_close, destroy with writes pending or during
// do_final, end(chunk) with do_final. Each case was run in node v20; the JS is in its comment
// and the expected lines are Node's output.
#include <costream/stream/writable.hpp>

#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <span>
#include <string>
#include <vector>

using namespace stream_test;
using strings = std::vector<std::string>;

namespace {

/// A writable with both _write and _writev (Node: `new Writable({ write, writev })`).
struct vec_writable : cs::writable {
    strings* log;
    bool has_write = true;
    std::vector<write_callback> pending; // write callbacks held back when hold is set
    bool hold = false;
    explicit vec_writable(strings* l, cs::writable_options o = {}) : cs::writable(o), log(l) {}

protected:
    void do_write(costream::buffer&& c, write_callback cb) override {
        if (!has_write) return cs::writable::do_write(std::move(c), std::move(cb));
        log->push_back("_write " + c.to_string());
        if (hold)
            pending.push_back(std::move(cb));
        else
            cb();
    }
    void do_writev(std::span<costream::buffer> chunks, write_callback cb) override {
        std::string s;
        for (auto& c : chunks)
            s += (s.empty() ? "" : ",") + c.to_string();
        log->push_back("_writev [" + s + "]");
        cb();
    }
    bool has_writev() const noexcept override { return true; }
};

} // namespace

TEST_CASE("cork buffers writes until the last uncork, then one do_writev") {
    // const w = new Writable({ write(c, e, cb) { log(`_write ${c}`); cb(); },
    //   writev(chunks, cb) { log(`_writev [${chunks.map(x => x.chunk).join(',')}]`); cb(); } });
    // w.cork(); w.write('a'); w.write('b'); w.cork(); w.write('c');
    // log(`corked=${w.writableCorked} len=${w.writableLength}`); w.uncork();
    // log(`after 1 uncork corked=${w.writableCorked}`); w.uncork();
    // log(`after 2 uncork len=${w.writableLength}`); w.write('d');
    costream::loop l;
    strings log;
    auto w = cs::make<vec_writable>(&log);
    w->cork();
    w->write("a");
    w->write("b");
    w->cork();
    w->write("c");
    log.push_back("corked=" + std::to_string(w->writable_corked()) +
                  " len=" + std::to_string(w->writable_length()));
    w->uncork();
    log.push_back("after 1 uncork corked=" + std::to_string(w->writable_corked()));
    w->uncork();
    log.push_back("after 2 uncork len=" + std::to_string(w->writable_length()));
    w->write("d");
    l.run();
    CHECK(joined(log) == joined(strings{"corked=2 len=3", "after 1 uncork corked=1",
                                        "_writev [a,b,c]", "after 2 uncork len=0", "_write d"}));
}

TEST_CASE("writes buffered while a write is in progress go out in one do_writev") {
    // const w = new Writable({ write(c, e, cb) { log(`_write ${c}`); pend = cb; }, writev });
    // w.write('1'); w.write('2'); w.write('3'); log(`buffered=${w.writableBuffer.length}`);
    // pend();   -> _write 1 / buffered=2 / _writev [2,3]
    costream::loop l;
    strings log;
    auto w = cs::make<vec_writable>(&log);
    w->hold = true;
    w->write("1");
    w->write("2");
    w->write("3");
    log.push_back("buffered=" + std::to_string(w->writable_buffered_count()));
    auto cb = std::move(w->pending.front());
    w->pending.clear();
    cb();
    l.run();
    CHECK(joined(log) == joined(strings{"_write 1", "buffered=2", "_writev [2,3]"}));
}

TEST_CASE("end(chunk) on a corked stream uncorks: one do_writev then 'finish'") {
    // const w = new Writable({ writev(chunks, cb) {...} }); w.cork(); w.write('x'); w.end('y');
    // -> end-cork _writev [x,y] / end-cork finish
    costream::loop l;
    strings log;
    auto w = cs::make<vec_writable>(&log);
    w->has_write = false;
    w->on("finish", [&] { log.push_back("finish"); });
    w->cork();
    w->write("x");
    w->end("y");
    l.run();
    CHECK(joined(log) == joined(strings{"_writev [x,y]", "finish"}));
}

TEST_CASE("end(chunk) writes, runs do_final, then 'prefinish', the end callback, 'finish'") {
    // const w = new Writable({ write(c, e, cb) { log(`ef: _write ${c}`); cb(); },
    //   final(cb) { log('ef: _final'); cb(); } }); ['prefinish','finish','close'] logged;
    // w.end('last', () => log('ef: end cb')); log('ef: sync');
    // -> _write last / _final / prefinish / sync / end cb / finish / close
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>(
        cs::writable_options{},
        [&](fn_writable<>&, costream::buffer& c, std::optional<costream::encoding>,
            fn_writable<>::write_callback cb) {
            log.push_back("_write " + c.to_string());
            cb();
        },
        [&](fn_writable<>&, fn_writable<>::final_callback cb) {
            log.push_back("_final");
            cb();
        });
    for (const char* ev : {"prefinish", "finish", "close"})
        w->on(ev, [&log, ev] { log.push_back(ev); });
    w->end("last", [&](const error_code& ec) { log.push_back("end cb " + err_or_null(ec)); });
    log.push_back("sync");
    l.run();
    CHECK(joined(log) == joined(strings{"_write last", "_final", "prefinish", "sync", "end cb null",
                                        "finish", "close"}));
}

TEST_CASE("calling a write callback twice fails the stream with ERR_MULTIPLE_CALLBACK") {
    // const w = new Writable({ write(c, e, cb) { cb(); cb(); } }); w.on('error', ...);
    // w.write('a', (err) => log(`write cb ${err && err.code}`));
    // -> multi: write cb null / multi: error ERR_MULTIPLE_CALLBACK / multi: close
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>(cs::writable_options{}, [](fn_writable<>&, costream::buffer&,
                                                                std::optional<costream::encoding>,
                                                                fn_writable<>::write_callback cb) {
        cb();
        cb();
    });
    w->on("error", [&](const error_code& e) { log.push_back("error " + err_or_null(e)); });
    w->on("close", [&] { log.push_back("close"); });
    w->write("a", [&](const error_code& e) { log.push_back("write cb " + err_or_null(e)); });
    l.run();
    CHECK(joined(log) == joined(strings{"write cb null", "error ERR_MULTIPLE_CALLBACK", "close"}));
}

TEST_CASE("write after destroy fails with ERR_STREAM_DESTROYED and no 'error'") {
    // const w = new Writable({ write(c, e, cb) { cb(); } }); w.destroy();
    // w.write('a', err => log(`write cb ${err.code}`)) -> false; no 'error' event
    // -> wad: write -> false / wad: close / wad: write cb ERR_STREAM_DESTROYED
    // w2.destroy(); w2.end(err => log(`end cb ${err}`)) -> the callback is never called
    // (Node v20.20: not errored, so end() takes the ending path and the callback waits for a
    // 'finish' that never comes)
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>();
    w->on("error", [&](const error_code& e) { log.push_back("error " + err_or_null(e)); });
    w->on("close", [&] { log.push_back("close"); });
    w->destroy();
    bool ret =
        w->write("a", [&](const error_code& e) { log.push_back("write cb " + err_or_null(e)); });
    log.push_back(std::string("write -> ") + b(ret));
    auto w2 = cs::make<fn_writable<>>();
    w2->destroy();
    w2->end([&](const error_code& e) { log.push_back("end cb " + err_or_null(e)); });
    l.run();
    CHECK(joined(log) ==
          joined(strings{"write -> false", "close", "write cb ERR_STREAM_DESTROYED"}));
}

TEST_CASE("write(null) in object mode throws ERR_STREAM_NULL_VALUES at once") {
    // new Writable({ objectMode: true, write(c, e, cb) { cb(); } }).write(null)
    // -> throws ERR_STREAM_NULL_VALUES
    costream::loop l;
    auto w = cs::make<fn_writable<std::optional<int>>>();
    try {
        w->write(std::nullopt);
        FAIL("write(null) did not throw");
    } catch (const costream::type_error& e) {
        CHECK(e.node_code() == "ERR_STREAM_NULL_VALUES");
    }
    l.run();
}

TEST_CASE("auto_destroy false: 'finish' without destroy, emit_close false: no 'close' event") {
    // new Writable({ autoDestroy: false, write }) end('x') -> adf: finish, destroyed=false
    // new Writable({ emitClose: false, write }) end('x') -> ecf: finish, destroyed=true
    costream::loop l;
    strings log;
    auto a = cs::make<fn_writable<>>(cs::writable_options{.auto_destroy = false});
    a->on("finish", [&] { log.push_back("adf: finish"); });
    a->on("close", [&] { log.push_back("adf: close"); });
    a->end("x");
    auto e = cs::make<fn_writable<>>(cs::writable_options{.emit_close = false});
    e->on("finish", [&] { log.push_back("ecf: finish"); });
    e->on("close", [&] { log.push_back("ecf: close"); });
    e->end("x");
    l.run();
    CHECK(joined(log) == joined(strings{"adf: finish", "ecf: finish"}));
    CHECK(!a->destroyed());
    CHECK(e->destroyed());
}

TEST_CASE("destroy(err) with a write in flight and one buffered: 'error' once, then callbacks") {
    // let pend; const w = new Writable({ write(c, e, cb) { pend = cb; } });
    // w.write('a', cb a); w.write('b', cb b); w.destroy(new Error('E')); log('dpw: destroyed');
    // await immediate; pend(); await immediate
    // -> destroyed / error E / close / cb a null / cb b E
    costream::loop l;
    strings log;
    std::optional<fn_writable<>::write_callback> pend;
    auto w = cs::make<fn_writable<>>(
        cs::writable_options{},
        [&](fn_writable<>&, costream::buffer&, std::optional<costream::encoding>,
            fn_writable<>::write_callback cb) { pend.emplace(std::move(cb)); });
    w->on("error", [&](const error_code& e) { log.push_back("error " + message(e)); });
    w->on("close", [&] { log.push_back("close"); });
    w->write("a", [&](const error_code& e) { log.push_back("cb a " + (e ? message(e) : "null")); });
    w->write("b", [&](const error_code& e) { log.push_back("cb b " + (e ? message(e) : "null")); });
    w->destroy(user_error("E"));
    log.push_back("destroyed");
    l.run();
    REQUIRE(pend);
    (*pend)();
    l.run();
    CHECK(joined(log) == joined(strings{"destroyed", "error E", "close", "cb a null", "cb b E"}));
}

TEST_CASE("destroy(err) during an asynchronous do_final: end callback, 'error', 'close'") {
    // const w = new Writable({ write(c, e, cb) { cb(); }, final(cb) { log('_final');
    //   setImmediate(() => cb()); } }); w.end(err => log(`end cb ${err.message}`));
    // await null; await null; w.destroy(new Error('E'));
    // -> _final / end cb E / error E / close   (no 'finish')
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>(
        cs::writable_options{}, nullptr, [&](fn_writable<>&, fn_writable<>::final_callback cb) {
            log.push_back("_final");
            costream::set_immediate(
                [cb = std::make_shared<fn_writable<>::final_callback>(std::move(cb))] { (*cb)(); });
        });
    w->on("error", [&](const error_code& e) { log.push_back("error " + message(e)); });
    w->on("close", [&] { log.push_back("close"); });
    w->on("finish", [&] { log.push_back("finish"); });
    w->end([&](const error_code& e) { log.push_back("end cb " + (e ? message(e) : "null")); });
    costream::next_tick(
        [&] { costream::loop::current().queue_microtask([&] { w->destroy(user_error("E")); }); });
    l.run();
    CHECK(joined(log) == joined(strings{"_final", "end cb E", "error E", "close"}));
}
