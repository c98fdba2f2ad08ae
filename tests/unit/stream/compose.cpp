#include <costream/stream/compose.hpp>

#include <costream/stream/pipeline.hpp>
#include <costream/test/event_recorder.hpp>
#include <costream/test/memory_duplex.hpp>
#include <costream/test/must_call.hpp>

#include <boost/asio/error.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cs = costream::stream;
namespace ct = costream::test;
using boost::system::error_code;

TEST_CASE("compose of two pass-through stages is a duplex: written data comes out, then end") {
    costream::loop l;
    auto a = ct::memory_duplex::make({.loopback = true});
    auto b = ct::memory_duplex::make({.loopback = true});
    auto d = cs::compose(a, b);
    std::string out;
    d->on("data", [&](const costream::buffer& c) { out += c.to_string(); });
    ct::event_recorder rec;
    rec.watch_all(*d, {"end", "finish", "close"}, "d");
    d->write("abc");
    d->write("def");
    d->end();
    l.run();
    CHECK(out == "abcdef");
    CHECK(rec.count("d: end") == 1);
    CHECK(rec.count("d: finish") == 1);
    CHECK(rec.count("d: close") == 1);
    CHECK(a->close_events() == 1);
    CHECK(b->close_events() == 1);
    CHECK(d->destroyed());
}

TEST_CASE("destroying a composed duplex aborts its inner streams, in Node's order") {
    costream::loop l;
    auto a = ct::memory_duplex::make({.loopback = true});
    auto b = ct::memory_duplex::make({.loopback = true});
    auto d = cs::compose(a, b);
    ct::event_recorder rec;
    rec.watch_stream(*a, "a");
    rec.watch_stream(*b, "b");
    rec.watch_stream(*d, "d");
    d->destroy();
    l.run();
    // Node v20, compose(new PassThrough(), new PassThrough()).destroy():
    CHECK(rec.str(", ") == "a: resume, a: pause, b: unpipe, b: error ABORT_ERR, b: close, "
                           "a: error ABORT_ERR, a: close, d: error ABORT_ERR, d: close");
    CHECK(a->close_events() == 1);
    CHECK(b->close_events() == 1);
}

TEST_CASE("an inner failure destroys the composed duplex with that error") {
    costream::loop l;
    auto a = ct::memory_duplex::make({.loopback = true});
    auto b = ct::memory_duplex::make({.loopback = true, .fail_at = 1});
    auto d = cs::compose(a, b);
    error_code got;
    d->on("error", ct::must_call([&](const error_code& e) { got = e; }));
    d->write("x");
    l.run();
    CHECK(got == boost::asio::error::connection_reset);
    CHECK(d->destroyed());
    CHECK(a->close_events() == 1);
}

TEST_CASE("pipeline through a composed duplex: each failing step tears everything down") {
    bool succeeded = false;
    const std::string payload = "composed streams behave as one";
    for (std::size_t n = 1; n < 500 && !succeeded; ++n) {
        CAPTURE(n);
        costream::loop l;
        auto ops = std::make_shared<std::size_t>(0);
        auto opts = [&](bool loopback, bool posted) {
            ct::memory_duplex_options o;
            o.loopback = loopback;
            o.posted = posted;
            o.max_read = 4;
            o.fail_at = n;
            o.shared_operations = ops;
            o.high_water_mark = 8;
            return o;
        };
        auto src = ct::memory_duplex::make(opts(false, false));
        auto a = ct::memory_duplex::make(opts(true, true));
        auto b = ct::memory_duplex::make(opts(true, false));
        auto dst = ct::memory_duplex::make(opts(false, true));
        src->remote_write(payload);
        src->remote_end();
        src->end();
        dst->remote_end();
        dst->resume();
        auto d = cs::compose(a, b);
        int calls = 0;
        error_code err;
        cs::pipeline(src, d, dst, [&](const error_code& ec) {
            ++calls;
            err = ec;
        });
        l.run();
        CHECK(calls == 1);
        for (ct::memory_duplex* s : {src.get(), a.get(), b.get(), dst.get()}) {
            CHECK(s->destroyed());
            CHECK(s->close_events() == 1);
        }
        CHECK(d->destroyed());
        if (!err) {
            CHECK(dst->written() == payload);
            succeeded = true;
        } else {
            CHECK(err == boost::asio::error::connection_reset);
        }
    }
    CHECK(succeeded);
}
