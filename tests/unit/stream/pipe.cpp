#include <costream/stream/pipe.hpp>

#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/test/event_recorder.hpp>
#include <costream/test/must_call.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

using namespace stream_test;
namespace ct = costream::test;
using strings = std::vector<std::string>;

namespace {
// A readable that pushes the given chunks then null, one per _read.
cs::ptr<fn_readable<>> source(std::vector<std::string> items, cs::readable_options o = {}) {
    auto i = std::make_shared<std::size_t>(0);
    return cs::make<fn_readable<>>(o, [items, i](fn_readable<>& r, std::size_t) {
        if (*i < items.size())
            r.push(items[(*i)++]);
        else
            r.push(nullptr);
    });
}
// A writable that records what it gets; completes each write on an immediate when `slow`.
cs::ptr<fn_writable<>> sink(std::string& out, bool slow = false, cs::writable_options o = {}) {
    return cs::make<fn_writable<>>(o, [&out, slow](fn_writable<>&, costream::buffer& c,
                                                   std::optional<costream::encoding>,
                                                   fn_writable<>::write_callback cb) {
        out += c.to_string();
        if (!slow) return cb();
        costream::set_immediate(
            [cb = std::make_shared<fn_writable<>::write_callback>(std::move(cb))] { (*cb)(); });
    });
}
} // namespace

TEST_CASE("pipe copies every chunk, ends the destination and emits pipe then unpipe") {
    costream::loop l;
    std::string out;
    auto src = source({"a", "b", "c"});
    auto dst = sink(out);
    ct::event_recorder rec;
    rec.watch_stream(*src, "src");
    rec.watch_stream(*dst, "dst");
    cs::pipe(src, dst);
    l.run();
    CHECK(out == "abc");
    // Node v20 prints this order for the same JS.
    CHECK(rec.str(", ") == "dst: pipe, src: resume, src: end, dst: prefinish, dst: finish, "
                           "src: pause, dst: unpipe, src: close, dst: close");
}

TEST_CASE("pipe with end:false leaves the destination open and unpipes at the source's end") {
    costream::loop l;
    std::string out;
    auto src = source({"x"});
    auto dst = sink(out);
    dst->on("unpipe", ct::must_call());
    bool finished = false;
    dst->on("finish", [&] { finished = true; });
    cs::pipe(*src, *dst, cs::pipe_options{.end = false});
    l.run();
    CHECK(!finished);
    CHECK(out == "x");
    CHECK(dst->is_writable());
    CHECK(dst->listener_count("unpipe") == 1); // the pipe's own listener is gone
    dst->end();
    l.run();
}

TEST_CASE("with two destinations the source resumes only after both drained") {
    costream::loop l;
    std::string fast_out, slow_out;
    std::vector<std::string> chunks;
    for (int i = 0; i < 20; ++i)
        chunks.push_back("0123456789");
    auto src = source(chunks, cs::readable_options{.high_water_mark = 16});
    auto fast = sink(fast_out, false, cs::writable_options{.high_water_mark = 16});
    auto slow = sink(slow_out, true, cs::writable_options{.high_water_mark = 16});
    int pauses = 0, drains = 0;
    src->on("pause", [&] { ++pauses; });
    slow->on("drain", [&] { ++drains; });
    // Every time the source flows again, the slow sink must have drained.
    src->on("data", [&](const costream::buffer&) { CHECK(!slow->writable_need_drain()); });
    cs::pipe(*src, *fast);
    cs::pipe(*src, *slow);
    l.run();
    CHECK(fast_out.size() == 200);
    CHECK(slow_out.size() == 200);
    CHECK(pauses > 0);
    CHECK(drains > 0);
}

TEST_CASE("an error on the destination unpipes it and is still emitted to its listeners") {
    costream::loop l;
    auto src = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    auto dst = cs::make<fn_writable<>>();
    ct::event_recorder rec;
    rec.watch_stream(*dst, "dst");
    rec.watch_stream(*src, "src");
    cs::pipe(*src, *dst);
    dst->destroy(user_error("dst failed"));
    l.run();
    // Node: the pipe's error listener runs first (prepended) and unpipes.
    CHECK(rec.str(", ") ==
          "dst: pipe, src: resume, src: pause, dst: unpipe, dst: error dst failed, "
          "dst: close");
    CHECK(!src->destroyed()); // pipe() does not forward errors (use pipeline for that)
    CHECK(src->is_paused());
    src->destroy();
    l.run();
}

TEST_CASE("unpipe() undoes every pipe and pauses the source, unpipe(dest) only one of them") {
    costream::loop l;
    auto src = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    std::string a_out, b_out;
    auto a = sink(a_out), b2 = sink(b_out);
    cs::pipe(*src, *a);
    cs::pipe(*src, *b2);
    CHECK(src->listener_count("data") == 2);
    cs::unpipe(*src, *a);
    CHECK(src->listener_count("data") == 1);
    CHECK(a->listener_count("unpipe") == 0);
    src->push("z");
    l.run();
    CHECK(a_out.empty());
    CHECK(b_out == "z");
    cs::unpipe(*src);
    CHECK(src->listener_count("data") == 0);
    CHECK(src->is_paused());
    CHECK(b2->listener_count("close") == 0);
    src->destroy();
    a->destroy();
    b2->destroy();
    l.run();
}

TEST_CASE("pipe passes the same buffer on: the destination sees the source's bytes") {
    costream::loop l;
    auto chunk = costream::buffer::from("zero copy");
    const std::uint8_t* seen = nullptr;
    auto src = cs::make<fn_readable<>>(cs::readable_options{},
                                       [chunk, n = 0](fn_readable<>& r, std::size_t) mutable {
                                           if (n++ == 0)
                                               r.push(chunk);
                                           else
                                               r.push(nullptr);
                                       });
    auto dst =
        cs::make<fn_writable<>>(cs::writable_options{}, [&](fn_writable<>&, costream::buffer& c,
                                                            std::optional<costream::encoding>,
                                                            fn_writable<>::write_callback cb) {
            seen = c.data();
            cb();
        });
    cs::pipe(*src, *dst);
    l.run();
    CHECK(seen == chunk.data());
}

TEST_CASE("a source freed while piping leaves no listener behind on the destination") {
    costream::loop l;
    std::string out;
    auto dst = sink(out);
    {
        auto src =
            cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
        cs::pipe(*src, *dst);
        l.run(); // resume ticks done; nothing keeps the source alive afterwards
    }
    CHECK(dst->listener_count("unpipe") == 0);
    CHECK(dst->listener_count("close") == 0);
    dst->end();
    l.run();
    CHECK(dst->writable_finished());
}
