#include <costream/stream/finished.hpp>

#include <costream/abort_signal.hpp>
#include <costream/promise.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/test/must_call.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/system/system_error.hpp>
#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

using namespace stream_test;
namespace ct = costream::test;

TEST_CASE("co_await finished(writable) resumes after 'finish' with no error") {
    costream::loop l;
    auto w = cs::make<fn_writable<>>();
    std::vector<std::string> order;
    w->on("finish", [&] { order.push_back("finish"); });
    // A named lambda: the coroutine refers to its captures after this statement.
    auto body = [&]() -> costream::promise<void> {
        co_await cs::finished(*w);
        order.push_back("finished");
    };
    auto p = body();
    w->write("a");
    w->end();
    l.run();
    p.get();
    CHECK(order == std::vector<std::string>{"finish", "finished"});
}

TEST_CASE("finished fails with the stream's error and the awaiting coroutine sees system_error") {
    costream::loop l;
    auto r = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    r->on("error", [](const error_code&) {});
    error_code got;
    auto body = [&]() -> costream::promise<void> {
        try {
            co_await cs::finished(*r);
        } catch (const boost::system::system_error& e) {
            got = e.code();
        }
    };
    auto p = body();
    r->destroy(user_error("boom"));
    l.run();
    p.get();
    CHECK(got == user_error("boom"));
}

TEST_CASE("finished of a duplex-like view: readable:false waits only for the writable side") {
    costream::loop l;
    auto w = cs::make<fn_writable<>>();
    error_code got = costream::errc::abort_err;
    cs::finished(*w, cs::finished_options{.readable = false},
                 ct::must_call([&](const error_code& ec) { got = ec; }));
    w->end();
    l.run();
    CHECK(!got);
}

TEST_CASE("finished with error:false ignores 'error' and reports the error at 'close'") {
    costream::loop l;
    auto r = cs::make<fn_readable<>>(cs::readable_options{.auto_destroy = false},
                                     [](fn_readable<>&, std::size_t) {});
    r->on("error", [](const error_code&) {});
    std::vector<std::string> seen;
    r->on("error", [&](const error_code&) { seen.push_back("error event"); });
    cs::finished(*r, cs::finished_options{.error = false},
                 ct::must_call([&](const error_code& ec) { seen.push_back(message(ec)); }));
    r->destroy(user_error("late"));
    l.run();
    CHECK(seen == std::vector<std::string>{"error event", "late"});
}

TEST_CASE("cleanup removes every listener finished added") {
    costream::loop l;
    auto r = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    auto before = r->listener_count("close") + r->listener_count("end") +
                  r->listener_count("error") + r->listener_count("finish");
    auto cleanup = cs::finished(*r, ct::must_not_call<void(const error_code&)>());
    CHECK(r->listener_count("close") == 1);
    CHECK(r->listener_count("end") == 1);
    cleanup();
    cleanup();
    CHECK(r->listener_count("close") + r->listener_count("end") + r->listener_count("error") +
              r->listener_count("finish") ==
          before);
    r->destroy();
    l.run();
}

TEST_CASE("an Asio cancellation slot aborts the wait with ABORT_ERR and removes the listeners") {
    costream::loop l;
    auto r = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    boost::asio::cancellation_signal cancel;
    error_code got;
    cs::finished(*r, boost::asio::bind_cancellation_slot(
                         cancel.slot(), ct::must_call([&](const error_code& ec) { got = ec; })));
    cancel.emit(boost::asio::cancellation_type::terminal);
    CHECK(got == costream::errc::abort_err);
    CHECK(r->listener_count("close") == 0);
    r->destroy();
    l.run();
    CHECK(got == costream::errc::abort_err);
}

TEST_CASE("options.signal aborts the wait with ABORT_ERR, also when aborted beforehand") {
    costream::loop l;
    auto r = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    costream::abort_controller ac;
    std::vector<std::string> seen;
    cs::finished(*r, cs::finished_options{.signal = ac.signal()},
                 ct::must_call([&](const error_code& ec) { seen.push_back(message(ec)); }));
    cs::finished(
        *r, cs::finished_options{.signal = costream::abort_signal::abort()},
        ct::must_call([&](const error_code& ec) { seen.push_back("pre " + message(ec)); }));
    CHECK(ac.signal().abort_listener_count() == 1);
    ac.abort();
    CHECK(seen == std::vector<std::string>{"The operation was aborted"});
    CHECK(ac.signal().abort_listener_count() == 0);
    l.run();
    CHECK(seen ==
          std::vector<std::string>{"The operation was aborted", "pre The operation was aborted"});
}

TEST_CASE("finished completes on the next tick for a stream that already closed") {
    costream::loop l;
    auto w = cs::make<fn_writable<>>();
    w->end();
    l.run();
    REQUIRE(w->closed());
    bool called = false;
    cs::finished(*w, ct::must_call([&](const error_code& ec) {
        CHECK(!ec);
        called = true;
    }));
    CHECK(!called); // never inside the initiating call
    l.run();
    CHECK(called);
}

TEST_CASE("a readable destroyed before 'end' gives ERR_STREAM_PREMATURE_CLOSE") {
    costream::loop l;
    auto r = cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
    error_code got;
    cs::finished(r, ct::must_call([&](const error_code& ec) { got = ec; }));
    r->destroy();
    l.run();
    CHECK(got == costream::errc::stream_premature_close);
}
