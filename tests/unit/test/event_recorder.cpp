#include <costream/test/event_recorder.hpp>

#include <costream/buffer.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>

#include <boost/system/error_code.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ct = costream::test;
using strings = std::vector<std::string>;

TEST_CASE("event_recorder records events of several emitters in order with labels") {
    costream::event_emitter a, b;
    ct::event_recorder rec;
    rec.watch_all(a, {"end", "close"}, "a");
    rec.watch(b, "finish", "b");
    a.emit("end");
    b.emit("finish");
    rec.note("between");
    a.emit("close");
    a.emit("unwatched");
    CHECK(rec == strings{"a: end", "b: finish", "between", "a: close"});
    CHECK(rec.str(" | ") == "a: end | b: finish | between | a: close");
    CHECK(rec.count("a: end") == 1);
}

TEST_CASE("event_recorder renders arguments: error codes as Node codes, buffers as text") {
    costream::event_emitter e;
    ct::event_recorder rec;
    rec.watch<boost::system::error_code>(e, "error");
    rec.watch<costream::buffer, int, bool>(e, "data", "s");
    e.emit("error", boost::system::error_code(costream::errc::stream_premature_close));
    e.emit("error", boost::system::error_code());
    e.emit("data", costream::buffer::from("abc"), 3, true);
    CHECK(rec == strings{"error ERR_STREAM_PREMATURE_CLOSE", "error null", "s: data abc 3 true"});
}

TEST_CASE("event_recorder watch_stream records lifecycle events and errors with their code") {
    costream::event_emitter e;
    ct::event_recorder rec;
    rec.watch_stream(e, "w");
    e.emit("drain");
    e.emit("error", boost::system::error_code(costream::errc::abort_err));
    e.emit("close");
    CHECK(rec == strings{"w: drain", "w: error ABORT_ERR", "w: close"});
}

TEST_CASE("event_recorder may be destroyed before the emitter it watches") {
    costream::event_emitter e;
    {
        ct::event_recorder rec;
        rec.watch(e, "x");
        e.emit("x");
        CHECK(rec.size() == 1);
        rec.clear();
        CHECK(rec.size() == 0);
    }
    CHECK(e.emit("x"));
}
