#include <costream/detail/loop_completion.hpp>

#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <doctest/doctest.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <string>
#include <vector>

namespace asio = boost::asio;
using strings = std::vector<std::string>;

namespace {
// A costream-style operation whose result is always ready at once.
template <class Token>
auto async_ready_value(int v, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, int)>(
        [](auto handler, int v) {
            costream::detail::complete_as_microtask(std::move(handler), boost::system::error_code(),
                                                    v);
        },
        token, v);
}
} // namespace

TEST_CASE("a ready result completes as a microtask, never inside the initiating call") {
    costream::loop l;
    strings log;
    async_ready_value(1, [&](boost::system::error_code, int v) {
        log.push_back("callback " + std::to_string(v));
    });
    log.push_back("after initiation");
    costream::next_tick([&] { log.push_back("tick"); });
    l.run();
    CHECK(log == strings{"after initiation", "tick", "callback 1"});
}

TEST_CASE("a ready result resumes an asio::awaitable and a promise coroutine as microtasks") {
    costream::loop l;
    strings log;
    auto coro = [&]() -> costream::promise<> {
        int v = co_await async_ready_value(2, costream::use_promise);
        log.push_back("promise coroutine " + std::to_string(v));
    };
    auto p = coro();
    asio::co_spawn(
        l.get_executor(),
        [&]() -> asio::awaitable<void> {
            int v = co_await async_ready_value(3, asio::use_awaitable);
            log.push_back("awaitable " + std::to_string(v));
        },
        asio::detached);
    log.push_back("sync");
    l.run();
    // Both resume from the microtask queue. co_spawn dispatches its start, so the awaitable
    // began at once too; its handler resumes it directly, while use_promise first settles
    // the promise and the awaiting coroutine resumes one microtask later, as in Node when
    // awaiting a promise-returning API instead of passing a callback.
    CHECK(log == strings{"sync", "awaitable 3", "promise coroutine 2"});
}
