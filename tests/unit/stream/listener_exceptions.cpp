// DESIGN.md, "Errors": no exception escapes into the loop; a throwing listener or hook
// destroys its stream with that error. Node has no counterpart (a throwing listener is an
// uncaught exception there), so these cases check costream's rule: the stream is destroyed
// as if the listener had called destroy(err) and returned, 'error' (with
// error_code_of(exception)) and 'close' are emitted once each, errored_exception() gives the
// thrown exception back, and run() returns normally. An 'error' nobody listens to still
// leaves run() (Node's uncaught error), as the thrown exception itself.
#include <costream/stream.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <boost/system/system_error.hpp>

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

using namespace stream_test;
using strings = std::vector<std::string>;

namespace {

struct boom : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// "boom <what>" for the exception behind `s`'s error, "none" without one.
std::string exception_text(const cs::stream_base& s) {
    auto e = s.errored_exception();
    if (!e) return "none";
    try {
        std::rethrow_exception(e);
    } catch (const boom& b) {
        return std::string("boom ") + b.what();
    } catch (const std::exception& x) {
        return std::string("other ") + x.what();
    }
}

std::string code_text(const error_code& ec) {
    if (!ec) return "null";
    if (ec == cs::error_code_of(std::make_exception_ptr(boom("x")))) return "exception";
    return std::string(costream::node_code(ec));
}

/// Logs 'error' (as code_text) and 'close' of `s` into `log`, prefixed with `name`.
template <class S>
void watch(S& s, strings& log, const std::string& name) {
    s.on("error",
         [&log, name](const error_code& ec) { log.push_back(name + " error " + code_text(ec)); });
    s.on("close", [&log, name] { log.push_back(name + " close"); });
}

/// A readable pushing "a", "b", "c" then the end, one chunk per do_read.
auto abc_readable() {
    return cs::make<fn_readable<>>(cs::readable_options{},
                                   [i = 0](fn_readable<>& r, std::size_t) mutable {
                                       static const char* chunks[] = {"a", "b", "c"};
                                       if (i < 3)
                                           r.push(std::string(chunks[i++]));
                                       else
                                           r.push(nullptr);
                                   });
}

/// A transform whose do_transform / do_flush may throw.
struct throwing_transform : cs::transform {
    bool throw_in_transform = false;
    bool throw_in_flush = false;
    int seen = 0;

protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        if (throw_in_transform && ++seen == 2) throw boom("transform");
        cb({}, std::move(c));
    }
    void do_flush(flush_callback cb) override {
        if (throw_in_flush) throw boom("flush");
        cb();
    }
};

/// A writable with do_writev that throws in it.
struct throwing_writev : cs::writable {
    strings* log;
    explicit throwing_writev(strings* l) : log(l) {}

protected:
    void do_write(costream::buffer&& c, write_callback cb) override {
        log->push_back("_write " + c.to_string());
        cb();
    }
    void do_writev(std::span<costream::buffer> chunks, write_callback) override {
        log->push_back("_writev " + std::to_string(chunks.size()));
        throw boom("writev");
    }
    bool has_writev() const noexcept override { return true; }
};

} // namespace

TEST_CASE("a throwing 'data' listener destroys the readable with its exception, once") {
    costream::loop l;
    strings log;
    auto r = abc_readable();
    watch(*r, log, "r");
    r->on("data", [&](const costream::buffer& c) {
        log.push_back("data " + c.to_string());
        if (c.to_string() == "a") throw boom("data");
    });
    r->on("end", [&] { log.push_back("end"); });
    l.run();
    // As a listener calling destroy(err) in Node: the chunk already read ("b") is still
    // emitted before 'error'. Node v20 prints data a / data b / error boom / close for
    //   const r = new Readable({ read() { if (i < 3) this.push(chunks[i++]); else this.push(null);
    //   } }); r.on('data', c => { log(c); if (String(c) === 'a') r.destroy(new Error('boom')); });
    CHECK(joined(log) == joined(strings{"data a", "data b", "r error exception", "r close"}));
    CHECK(r->destroyed());
    CHECK(r->errored() == cs::error_code_of(std::make_exception_ptr(boom("x"))));
    CHECK(r->errored().category() == cs::exception_category());
    CHECK(exception_text(*r) == "boom data");
}

TEST_CASE("a listener throwing boost::system::system_error reports the error code it carries") {
    costream::loop l;
    strings log;
    auto r = abc_readable();
    watch(*r, log, "r");
    r->on("data", [&](const costream::buffer&) {
        throw boost::system::system_error(make_error_code(costream::errc::stream_premature_close));
    });
    l.run();
    CHECK(joined(log) == joined(strings{"r error ERR_STREAM_PREMATURE_CLOSE", "r close"}));
    CHECK(r->errored() == costream::errc::stream_premature_close);
    CHECK(exception_text(*r) ==
          std::string("other ") +
              boost::system::system_error(make_error_code(costream::errc::stream_premature_close))
                  .what());
}

TEST_CASE("a throwing 'end' listener destroys the readable: 'end', 'error', 'close'") {
    costream::loop l;
    strings log;
    auto r = abc_readable();
    watch(*r, log, "r");
    r->on("data", [&](const costream::buffer& c) { log.push_back("data " + c.to_string()); });
    r->on("end", [&] {
        log.push_back("end");
        throw boom("end");
    });
    l.run();
    CHECK(joined(log) ==
          joined(strings{"data a", "data b", "data c", "end", "r error exception", "r close"}));
    CHECK(exception_text(*r) == "boom end");
}

TEST_CASE("a throwing 'readable' listener destroys the readable") {
    costream::loop l;
    strings log;
    auto r = abc_readable();
    watch(*r, log, "r");
    r->on("readable", [&] {
        log.push_back("readable");
        throw boom("readable");
    });
    l.run();
    CHECK(joined(log) == joined(strings{"readable", "r error exception", "r close"}));
    CHECK(exception_text(*r) == "boom readable");
}

TEST_CASE("a throwing 'finish' listener destroys the writable: 'finish', 'error', 'close'") {
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>();
    watch(*w, log, "w");
    w->on("finish", [&] {
        log.push_back("finish");
        throw boom("finish");
    });
    w->end("x");
    l.run();
    CHECK(joined(log) == joined(strings{"finish", "w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom finish");
}

TEST_CASE("a throwing 'drain' listener destroys the writable") {
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>(cs::writable_options{.high_water_mark = 1});
    watch(*w, log, "w");
    w->on("drain", [&] {
        log.push_back("drain");
        throw boom("drain");
    });
    CHECK_FALSE(w->write("abc"));
    l.run();
    CHECK(joined(log) == joined(strings{"drain", "w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom drain");
}

TEST_CASE("a throwing write callback and a throwing end callback destroy the writable") {
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>();
    watch(*w, log, "w");
    w->write("a", [&](const error_code& ec) {
        log.push_back("write cb " + code_text(ec));
        throw boom("write cb");
    });
    w->end([&](const error_code& ec) {
        // the stream is destroyed before it finishes: end's callback gets the error
        log.push_back("end cb " + code_text(ec));
        throw boom("end cb"); // dropped: the first error stays
    });
    l.run();
    CHECK(joined(log) ==
          joined(strings{"write cb null", "end cb exception", "w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom write cb");
}

TEST_CASE("a throwing do_read destroys the readable, and read() returns nothing") {
    costream::loop l;
    strings log;
    auto r = cs::make<fn_readable<>>(cs::readable_options{},
                                     [](fn_readable<>&, std::size_t) { throw boom("read"); });
    watch(*r, log, "r");
    CHECK_FALSE(r->read().has_value());
    CHECK(r->destroyed());
    l.run();
    CHECK(joined(log) == joined(strings{"r error exception", "r close"}));
    CHECK(exception_text(*r) == "boom read");
}

TEST_CASE("a throwing do_write destroys the writable, and write() returns false") {
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>(cs::writable_options{},
                                     [](fn_writable<>&, costream::buffer&,
                                        std::optional<costream::encoding>,
                                        fn_writable<>::write_callback) { throw boom("write"); });
    watch(*w, log, "w");
    CHECK_FALSE(w->write("a"));
    CHECK(w->destroyed());
    l.run();
    CHECK(joined(log) == joined(strings{"w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom write");
}

TEST_CASE("a throwing do_writev destroys the writable") {
    costream::loop l;
    strings log;
    auto w = cs::make<throwing_writev>(&log);
    watch(*w, log, "w");
    w->cork();
    w->write("a");
    w->write("b");
    w->uncork();
    CHECK(w->destroyed());
    l.run();
    CHECK(joined(log) == joined(strings{"_writev 2", "w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom writev");
}

TEST_CASE("a throwing do_final destroys the writable, and 'finish' is not emitted") {
    costream::loop l;
    strings log;
    auto w = cs::make<fn_writable<>>(
        cs::writable_options{}, nullptr,
        [](fn_writable<>&, fn_writable<>::final_callback) { throw boom("final"); });
    watch(*w, log, "w");
    w->on("finish", [&] { log.push_back("finish"); });
    w->end();
    l.run();
    CHECK(joined(log) == joined(strings{"w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom final");
}

TEST_CASE("a throwing do_transform and a throwing do_flush destroy the transform") {
    for (bool in_flush : {false, true}) {
        CAPTURE(in_flush);
        costream::loop l;
        strings log;
        auto t = cs::make<throwing_transform>();
        t->throw_in_transform = !in_flush;
        t->throw_in_flush = in_flush;
        watch(*t, log, "t");
        t->on("data", [&](const costream::buffer& c) { log.push_back("data " + c.to_string()); });
        t->write("a");
        t->write("b");
        t->end("c");
        l.run();
        if (in_flush)
            CHECK(joined(log) ==
                  joined(strings{"data a", "data b", "data c", "t error exception", "t close"}));
        else
            CHECK(joined(log) == joined(strings{"data a", "t error exception", "t close"}));
        CHECK(exception_text(*t) == (in_flush ? "boom flush" : "boom transform"));
    }
}

TEST_CASE("a throwing do_destroy is the destroy's error (Node's _destroy try/catch)") {
    costream::loop l;
    strings log;
    auto r =
        cs::make<fn_readable<>>(cs::readable_options{}, nullptr,
                                [](fn_readable<>&, const error_code&,
                                   cs::stream_base::destroy_callback) { throw boom("destroy"); });
    watch(*r, log, "r");
    r->destroy();
    CHECK(r->closed());
    l.run();
    CHECK(joined(log) == joined(strings{"r error exception", "r close"}));
    CHECK(exception_text(*r) == "boom destroy");
}

TEST_CASE("do_destroy throwing after calling its callback is ignored, as Node ignores it") {
    costream::loop l;
    strings log;
    auto r = cs::make<fn_readable<>>(
        cs::readable_options{}, nullptr,
        [](fn_readable<>&, const error_code& ec, cs::stream_base::destroy_callback cb) {
            cb(ec);
            throw boom("destroy");
        });
    watch(*r, log, "r");
    r->destroy();
    l.run();
    CHECK(joined(log) == joined(strings{"r close"}));
    CHECK(!r->errored());
    CHECK(exception_text(*r) == "none");
}

TEST_CASE("a callback throwing while the stream is destroyed without error becomes its error") {
    // destroy() fails the buffered writes with ERR_STREAM_DESTROYED; the write callback
    // throws: 'error' (that exception) is emitted before 'close'.
    costream::loop l;
    strings log;
    std::vector<fn_writable<>::write_callback> held;
    auto w = cs::make<fn_writable<>>(
        cs::writable_options{},
        [&](fn_writable<>&, costream::buffer&, std::optional<costream::encoding>,
            fn_writable<>::write_callback cb) { held.push_back(std::move(cb)); });
    watch(*w, log, "w");
    w->write("a");
    w->write("b", [&](const error_code& ec) {
        log.push_back("write b cb " + code_text(ec));
        throw boom("late");
    });
    w->destroy();
    held.front()(); // the in-flight write completes: the buffer is failed
    l.run();
    CHECK(joined(log) ==
          joined(strings{"write b cb ERR_STREAM_DESTROYED", "w error exception", "w close"}));
    CHECK(exception_text(*w) == "boom late");
}

TEST_CASE("a throwing 'error' listener and a throwing 'close' listener do not recurse") {
    costream::loop l;
    strings log;
    auto r = abc_readable();
    r->on("error", [&](const error_code& ec) {
        log.push_back("error 1 " + code_text(ec));
        throw boom("error listener");
    });
    r->on("error", [&](const error_code&) { log.push_back("error 2"); }); // skipped
    r->on("close", [&] {
        log.push_back("close");
        throw boom("close listener");
    });
    r->on("data", [&](const costream::buffer&) { throw boom("data"); });
    l.run();
    CHECK(joined(log) == joined(strings{"error 1 exception", "close"}));
    CHECK(exception_text(*r) == "boom data"); // the first error is kept
}

TEST_CASE("an 'error' nobody listens to leaves run() as the listener's own exception") {
    costream::loop l;
    auto r = abc_readable();
    r->on("data", [&](const costream::buffer&) { throw boom("unheard"); });
    std::string what;
    try {
        l.run();
    } catch (const boom& b) {
        what = b.what();
    }
    CHECK(what == "unheard");
    CHECK(r->destroyed());
}

TEST_CASE("pipeline reports a throwing stage's error once and destroys every stage") {
    costream::loop l;
    strings log;
    auto src = abc_readable();
    auto t = cs::make<throwing_transform>();
    t->throw_in_transform = true;
    auto sink = cs::make<fn_writable<>>();
    watch(*src, log, "src");
    watch(*t, log, "t");
    watch(*sink, log, "sink");
    int calls = 0;
    error_code got;
    cs::pipeline(src, t, sink, [&](const error_code& ec) {
        ++calls;
        got = ec;
    });
    l.run();
    CHECK(calls == 1);
    CHECK(code_text(got) == "exception");
    CHECK(src->destroyed());
    CHECK(t->destroyed());
    CHECK(sink->destroyed());
    for (std::string name : {"src", "t", "sink"}) {
        CAPTURE(name);
        CHECK(std::count(log.begin(), log.end(), name + " close") == 1);
        CHECK(std::count_if(log.begin(), log.end(), [&](const std::string& s) {
                  return s.starts_with(name + " error");
              }) == 1);
    }
    CHECK(exception_text(*t) == "boom transform");
}

TEST_CASE("a plain event_emitter still lets a listener's exception leave emit()") {
    costream::event_emitter e;
    e.on("x", [] { throw boom("plain"); });
    CHECK_THROWS_AS(e.emit("x"), boom);
}
