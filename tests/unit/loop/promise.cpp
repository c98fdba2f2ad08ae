#include <costream/promise.hpp>

#include <costream/loop.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using strings = std::vector<std::string>;

namespace {

costream::promise<int> async_value(strings& log, int v) {
    log.push_back("start " + std::to_string(v));
    co_return v;
}

costream::promise<> await_null(strings& log) {
    log.push_back("1");
    co_await costream::promise<>::resolve(); // node: await null
    log.push_back("3");
}

} // namespace

TEST_CASE("a promise coroutine starts synchronously, like calling an async function") {
    costream::loop l;
    strings log;
    auto p = async_value(log, 1);
    CHECK(log == strings{"start 1"});
    CHECK(p.is_fulfilled());
    CHECK(p.get() == 1);
}

TEST_CASE("co_await of a settled promise resumes as a microtask, after ticks, never inline") {
    // node: async function f(){ log(1); await null; log(3) } f(); log(2); nextTick(() =>
    // log('tick'))
    costream::loop l;
    strings log;
    auto p = await_null(log);
    log.push_back("2");
    costream::next_tick([&] { log.push_back("tick"); });
    CHECK(p.is_pending());
    l.run();
    CHECK(log == strings{"1", "2", "tick", "3"});
    CHECK(p.is_fulfilled());
}

TEST_CASE("continuations run as microtasks in registration order") {
    costream::loop l;
    strings log;
    auto r = costream::with_resolvers<int>();
    r.promise.then([&](int v) { log.push_back("then a " + std::to_string(v)); });
    [](costream::promise<int> p, strings& log) -> costream::promise<> {
        int v = co_await p;
        log.push_back("await " + std::to_string(v));
    }(r.promise, log);
    r.promise.then([&](int v) { log.push_back("then b " + std::to_string(v)); });
    r.resolve(5);
    r.resolve(6); // ignored: settled once
    CHECK(log.empty());
    l.run();
    CHECK(log == strings{"then a 5", "await 5", "then b 5"});
}

TEST_CASE("a rejection is rethrown at co_await and rejects the awaiting coroutine in turn") {
    costream::loop l;
    auto failing = []() -> costream::promise<int> {
        throw std::runtime_error("bad");
        co_return 0;
    };
    auto outer = [&]() -> costream::promise<std::string> {
        try {
            co_await failing();
        } catch (const std::runtime_error& e) {
            co_return std::string("caught ") + e.what();
        }
        co_return "not reached";
    };
    auto p = outer();
    l.run();
    CHECK(p.get() == "caught bad");
    auto rethrowing = [&]() -> costream::promise<> { co_await failing(); };
    auto q = rethrowing();
    q.catch_error([](std::exception_ptr) {});
    l.run();
    CHECK(q.is_rejected());
    CHECK_THROWS_WITH(q.get(), "bad");
}

TEST_CASE("then chains values, a throwing callback rejects the derived promise, catch recovers") {
    costream::loop l;
    auto p = costream::promise<int>::resolve(2)
                 .then([](int v) { return v * 10; })
                 .then([](int v) -> int { throw std::runtime_error("at " + std::to_string(v)); })
                 .then([](int) { return -1; })
                 .catch_error([](std::exception_ptr e) {
                     try {
                         std::rethrow_exception(e);
                     } catch (const std::runtime_error& ex) {
                         return std::string(ex.what()) == "at 20" ? 99 : 0;
                     }
                 });
    l.run();
    CHECK(p.get() == 99);
}

TEST_CASE("an unhandled rejection is reported once the microtask queue is drained") {
    costream::loop l;
    strings log;
    l.on_unhandled_rejection([&](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log.push_back(std::string("unhandled ") + ex.what());
        }
    });
    auto p = costream::promise<int>::reject(std::make_exception_ptr(std::runtime_error("x")));
    costream::queue_microtask([&] {
        p.catch_error([&](std::exception_ptr) {
            log.push_back("caught x late");
            return 0;
        });
    });
    auto p2 = costream::promise<int>::reject(std::make_exception_ptr(std::runtime_error("y")));
    l.run();
    CHECK(log == strings{"caught x late", "unhandled y"});
}

TEST_CASE("by default an unhandled rejection is thrown out of run") {
    costream::loop l;
    auto p = []() -> costream::promise<> {
        throw std::runtime_error("nobody listens");
        co_return;
    }();
    CHECK_THROWS_WITH(l.run(), "nobody listens");
}

TEST_CASE("use_promise turns an Asio operation into a promise and an error_code rejects it") {
    costream::loop l;
    asio::steady_timer ok(l.get_executor(), std::chrono::steady_clock::now());
    asio::steady_timer cancelled(l.get_executor(), std::chrono::hours(1));
    strings log;
    auto coro = [&]() -> costream::promise<> {
        co_await ok.async_wait(costream::use_promise);
        log.push_back("timer done");
        cancelled.cancel();
    };
    auto waiter = [&]() -> costream::promise<> {
        try {
            co_await cancelled.async_wait(costream::use_promise);
        } catch (const boost::system::system_error& e) {
            log.push_back(e.code() == asio::error::operation_aborted ? "aborted" : "other");
        }
    };
    auto a = waiter();
    auto b = coro();
    l.run();
    CHECK(log == strings{"timer done", "aborted"});
}

TEST_CASE("an asio::awaitable coroutine can wait for a promise through async_wait") {
    costream::loop l;
    auto r = costream::with_resolvers<std::string>();
    std::string got;
    asio::co_spawn(
        l.get_executor(),
        [&]() -> asio::awaitable<void> {
            got = co_await r.promise.async_wait(asio::use_awaitable);
        },
        asio::detached);
    costream::set_immediate([&] { r.resolve(std::string("from immediate")); });
    l.run();
    CHECK(got == "from immediate");
}

TEST_CASE("a million co_awaits of ready promises in one coroutine do not grow the stack") {
    costream::loop l;
    auto ready = costream::promise<int>::resolve(1);
    auto body = [&]() -> costream::promise<long> { // named: the frame refers to the closure
        long sum = 0;
        for (int i = 0; i < 1000000; ++i)
            sum += co_await ready;
        co_return sum;
    };
    auto p = body();
    l.run();
    CHECK(p.get() == 1000000);
}

TEST_CASE("a chain of a million coroutines each awaiting the previous settles without recursion") {
    costream::loop l;
    auto r = costream::with_resolvers<int>();
    auto step = [](costream::promise<int> prev) -> costream::promise<int> {
        int v = co_await prev;
        co_return v + 1;
    };
    costream::promise<int> p = r.promise;
    for (int i = 0; i < 1000000; ++i)
        p = step(p);
    r.resolve(0);
    l.run();
    CHECK(p.get() == 1000000);
}

TEST_CASE("a million synchronously completing async functions awaited in turn") {
    costream::loop l;
    auto inner = [](int v) -> costream::promise<int> { co_return v; };
    auto body = [&]() -> costream::promise<long> {
        long sum = 0;
        for (int i = 0; i < 1000000; ++i)
            sum += co_await inner(1);
        co_return sum;
    };
    auto p = body();
    l.run();
    CHECK(p.get() == 1000000);
}

TEST_CASE("a coroutine waiting on a promise that can never settle is destroyed, not leaked") {
    costream::loop l;
    auto alive = std::make_shared<int>(0);
    std::weak_ptr<int> w = alive;
    {
        auto r = costream::with_resolvers<int>();
        [](costream::promise<int> p, std::shared_ptr<int> keep) -> costream::promise<> {
            co_await p;
            (void)keep;
        }(r.promise, std::move(alive));
        CHECK_FALSE(w.expired());
    } // the resolvers go away: nothing can settle the promise any more
    CHECK(w.expired());
    l.run();
}
