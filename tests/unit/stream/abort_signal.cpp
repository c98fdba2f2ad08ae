#include <costream/abort_signal.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/system/system_error.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

TEST_CASE("abort() sets aborted and reason and emits 'abort' exactly once") {
    costream::abort_controller ac;
    auto sig = ac.signal();
    CHECK(!sig.aborted());
    CHECK(!sig.reason());
    int n = 0;
    sig.on_abort([&] {
        ++n;
        CHECK(sig.aborted()); // node: the flag is set before the event is dispatched
    });
    ac.abort();
    ac.abort(boost::system::error_code(costream::errc::stream_destroyed));
    CHECK(n == 1);
    CHECK(sig.aborted());
    CHECK(sig.reason() == costream::errc::abort_err);
    CHECK_THROWS_AS(sig.throw_if_aborted(), boost::system::system_error);
}

TEST_CASE("abort(reason) keeps the reason and copies of a signal are the same signal") {
    costream::abort_controller ac;
    auto a = ac.signal(), b = ac.signal();
    CHECK(a == b);
    ac.abort(boost::system::error_code(costream::errc::stream_destroyed));
    CHECK(b.reason() == costream::errc::stream_destroyed);
    CHECK_NOTHROW(costream::abort_controller().signal().throw_if_aborted());
}

TEST_CASE("abort_signal::abort() is already aborted and a removed listener is not called") {
    auto s = costream::abort_signal::abort();
    CHECK(s.aborted());
    CHECK(s.reason() == costream::errc::abort_err);
    costream::abort_controller ac;
    auto sig = ac.signal();
    bool called = false;
    auto id = sig.on_abort([&] { called = true; });
    CHECK(sig.off_abort(id));
    ac.abort();
    CHECK(!called);
}

TEST_CASE("the signal's Asio cancellation slot receives a terminal cancellation at abort") {
    costream::abort_controller ac;
    auto slot = ac.signal().cancellation_slot();
    boost::asio::cancellation_type got = boost::asio::cancellation_type::none;
    slot.assign([&](boost::asio::cancellation_type t) { got = t; });
    ac.abort();
    CHECK(got == boost::asio::cancellation_type::terminal);
}
