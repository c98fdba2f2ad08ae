#include <costream/stream/compose.hpp>

#include <costream/stream/pass_through.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/transform.hpp>
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

TEST_CASE("compose of real pass_through streams is a duplex of Node's Duplex state machine") {
    costream::loop l;
    auto a = cs::make<cs::pass_through>();
    auto b = cs::make<cs::pass_through>();
    auto d = cs::compose(a, b);
    static_assert(std::is_base_of_v<cs::duplex, std::decay_t<decltype(*d)>>);
    CHECK(d->allow_half_open());
    std::string out;
    d->on("data", [&](const costream::buffer& c) { out += c.to_string(); });
    ct::event_recorder rec;
    rec.watch_all(*d, {"end", "finish", "close"}, "d");
    d->write("abc");
    d->end("def");
    l.run();
    CHECK(out == "abcdef");
    CHECK(rec.str(", ") == "d: end, d: finish, d: close"); // Node v20
    CHECK(a->destroyed());
    CHECK(b->destroyed());
    CHECK(d->use_count() == 1);
}

TEST_CASE("compose of a transform with different chunk types reads its tail's chunks") {
    costream::loop l;
    // bytes in, lengths out (Node: new Transform({ readableObjectMode: true, ... }))
    struct lengths : cs::basic_transform<costream::buffer, std::size_t> {
        lengths() : basic_transform(cs::duplex_options{.readable_object_mode = true}) {}

    protected:
        void do_transform(costream::buffer&& c, transform_callback cb) override {
            cb({}, c.size());
        }
    };
    auto head = cs::make<cs::pass_through>();
    auto tail = cs::make<lengths>();
    auto d = cs::compose(head, tail);
    static_assert(std::is_same_v<std::decay_t<decltype(*d)>::chunk_type, std::size_t>);
    CHECK(d->readable_object_mode());
    CHECK_FALSE(d->writable_object_mode());
    std::vector<std::size_t> got;
    d->on("data", [&](const std::size_t& n) { got.push_back(n); });
    d->write("abc");
    d->end("de");
    l.run();
    CHECK(got == std::vector<std::size_t>{3, 2});
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
        auto pt = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 8});
        auto b = ct::memory_duplex::make(opts(true, false));
        auto dst = ct::memory_duplex::make(opts(false, true));
        src->remote_write(payload);
        src->remote_end();
        src->end();
        dst->remote_end();
        dst->resume();
        auto d = cs::compose(a, pt, b);
        int d_closes = 0, pt_closes = 0, d_errors = 0;
        d->on("close", [&] { ++d_closes; });
        d->on("error", [&](const error_code&) { ++d_errors; });
        pt->on("close", [&] { ++pt_closes; });
        int calls = 0;
        error_code err;
        cs::pipeline(src, d, dst, [&](const error_code& ec) {
            ++calls;
            err = ec;
        });
        l.run(); // returned: no handler pending
        CHECK(calls == 1);
        for (ct::memory_duplex* s : {src.get(), a.get(), b.get(), dst.get()}) {
            CHECK(s->destroyed());
            CHECK(s->close_events() == 1);
            CHECK(s->destroy_calls() == 1);
        }
        // only the test's ptrs hold the streams (and the composed duplex its head and tail)
        CHECK(src->use_count() == 1);
        CHECK(dst->use_count() == 1);
        CHECK(a->use_count() == 2);
        CHECK(b->use_count() == 2);
        CHECK(d->destroyed());
        CHECK(pt->destroyed());
        CHECK(d_closes == 1);
        CHECK(pt_closes == 1);
        CHECK(d_errors <= 1);
        CHECK(d->use_count() == 1);
        CHECK(pt->use_count() == 1);
        if (!err) {
            CHECK(dst->written() == payload);
            succeeded = true;
        } else {
            CHECK(err == boost::asio::error::connection_reset);
        }
    }
    CHECK(succeeded);
}

namespace {
// Node's Readable.from(['q', 'r']) for this file: one string per _read, then the end.
struct two_strings : cs::basic_readable<std::string> {
    int i = 0;

protected:
    void do_read(std::size_t) override {
        if (i == 0) push(std::string("q"));
        if (i == 1) push(std::string("r"));
        if (i == 2) push(nullptr);
        ++i;
    }
};
// new Transform({ objectMode: true, transform(c, e, cb) { cb(null, c + '!'); } })
struct bang : cs::basic_transform<std::string> {
protected:
    void do_transform(std::string&& c, transform_callback cb) override { cb({}, c + "!"); }
};
} // namespace

TEST_CASE("compose with a readable first stream is readable only, as Node's writable: false") {
    costream::loop l;
    auto d = cs::compose(cs::make<two_strings>(), cs::make<bang>());
    // Node v20: readable=true writable=false writableFinished=true
    CHECK(d->is_readable());
    CHECK_FALSE(d->is_writable());
    CHECK(d->writable_finished());
    std::vector<std::string> got;
    d->on("data", [&](const std::string& c) { got.push_back(c); });
    ct::event_recorder rec;
    rec.watch_all(*d, {"end", "finish", "close"}, "d");
    l.run();
    CHECK(got == std::vector<std::string>{"q!", "r!"});
    CHECK(rec.str(", ") == "d: end, d: close"); // Node v20
}

TEST_CASE("compose with a writable last stream is writable only") {
    costream::loop l;
    // new Writable({ write(c, e, cb) { out += c; cb(); } })
    struct collect : cs::writable {
        std::string out;

    protected:
        void do_write(costream::buffer&& c, write_callback cb) override {
            out += c.to_string();
            cb();
        }
    };
    auto w = cs::make<collect>();
    auto d = cs::compose(cs::make<cs::pass_through>(), w);
    // Node v20: readable=false writable=true
    CHECK_FALSE(d->is_readable());
    CHECK(d->is_writable());
    ct::event_recorder rec;
    rec.watch_all(*d, {"end", "finish", "close"}, "d");
    d->write("x");
    d->end("y");
    l.run();
    CHECK(w->out == "xy");
    CHECK(rec.str(", ") == "d: finish, d: close"); // Node v20
    CHECK(w->destroyed());
}
