#include <costream/stream/add_abort_signal.hpp>

#include <costream/abort_signal.hpp>
#include <costream/test/event_recorder.hpp>
#include <costream/test/memory_duplex.hpp>

#include <doctest/doctest.h>

namespace cs = costream::stream;
namespace ct = costream::test;

TEST_CASE("add_abort_signal destroys the stream with ABORT_ERR when the signal aborts") {
    costream::loop l;
    costream::abort_controller ac;
    auto s = ct::memory_duplex::make();
    ct::event_recorder rec;
    rec.watch_stream(*s, "s");
    cs::add_abort_signal(ac.signal(), s);
    CHECK(ac.signal().abort_listener_count() == 1);
    ac.abort();
    CHECK(s->destroyed());
    l.run();
    CHECK(rec.str(", ") == "s: error ABORT_ERR, s: close");
    CHECK(s->errored() == costream::errc::abort_err);
}

TEST_CASE("add_abort_signal with an aborted signal destroys the stream at once") {
    costream::loop l;
    auto s = ct::memory_duplex::make();
    s->on("error", [](const boost::system::error_code&) {});
    cs::add_abort_signal(costream::abort_signal::abort(), *s);
    CHECK(s->destroyed());
    l.run();
    CHECK(s->close_events() == 1);
}

TEST_CASE("add_abort_signal forgets the signal once the stream is finished") {
    costream::loop l;
    costream::abort_controller ac;
    auto s = ct::memory_duplex::make({.loopback = true});
    cs::add_abort_signal(ac.signal(), *s);
    s->resume();
    s->end();
    l.run();
    CHECK(s->close_events() == 1);
    CHECK(ac.signal().abort_listener_count() == 0);
    ac.abort();
    CHECK(!s->errored());
}
