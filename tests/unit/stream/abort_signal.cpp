#include <costream/abort_signal.hpp>

#include <costream/loop.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/system/system_error.hpp>
#include <doctest/doctest.h>

#include <exception>
#include <stdexcept>
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

// node v20 (EventTarget):
//   process.on('uncaughtException', e => log('uncaught', e.message));
//   const ac = new AbortController();
//   ac.signal.addEventListener('abort', () => { log('listener 1'); throw new Error('x'); });
//   ac.signal.addEventListener('abort', () => log('listener 2'));
//   try { ac.abort(); log('abort() returned'); } catch (e) { log('abort() threw'); }
//   process.nextTick(() => log('tick'));
// -> listener 1 / listener 2 / abort() returned / uncaught x / tick
TEST_CASE("a throwing 'abort' listener does not stop abort(): the other listeners and the Asio "
          "slot still run and the exception is uncaught from the next tick, as in Node") {
    costream::loop l;
    std::vector<std::string> log;
    int uncaught = 0;
    l.on_uncaught_exception([&](std::exception_ptr e) {
        ++uncaught;
        try {
            std::rethrow_exception(e);
        } catch (const std::runtime_error& x) {
            log.push_back(std::string("uncaught ") + x.what());
        }
    });
    costream::abort_controller ac;
    auto sig = ac.signal();
    sig.on_abort([&] {
        log.push_back("listener 1");
        throw std::runtime_error("x");
    });
    sig.on_abort([&] { log.push_back("listener 2"); });
    bool cancelled = false;
    sig.cancellation_slot().assign([&](boost::asio::cancellation_type) { cancelled = true; });
    try {
        ac.abort();
        log.push_back("abort() returned");
    } catch (...) {
        log.push_back("abort() threw");
    }
    l.next_tick([&] { log.push_back("tick"); });
    l.run();
    CHECK(log == std::vector<std::string>{"listener 1", "listener 2", "abort() returned",
                                          "uncaught x", "tick"});
    CHECK(uncaught == 1);
    CHECK(cancelled);
}

TEST_CASE("without an uncaught-exception handler, a throwing 'abort' listener's exception "
          "leaves loop::run()") {
    costream::loop l;
    costream::abort_controller ac;
    ac.signal().on_abort([] { throw std::runtime_error("boom"); });
    CHECK_NOTHROW(ac.abort());
    CHECK_THROWS_WITH_AS(l.run(), "boom", std::runtime_error);
}
