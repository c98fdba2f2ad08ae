#include <costream/thread_pool.hpp>

#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using strings = std::vector<std::string>;

TEST_CASE("the process-wide pool has COSTREAM_THREADPOOL_SIZE threads, 4 by default") {
    if (std::getenv("COSTREAM_THREADPOOL_SIZE") == nullptr)
        CHECK(costream::thread_pool::default_size() == 4);
    CHECK(costream::thread_pool::instance().size() == costream::thread_pool::default_size());
}

TEST_CASE("offload runs on a pool thread and completes on the loop in the poll phase") {
    costream::loop l;
    strings log;
    std::thread::id worker;
    costream::offload(
        [&] {
            worker = std::this_thread::get_id();
            return 42;
        },
        [&](std::exception_ptr e, int v) {
            CHECK(!e);
            CHECK(std::this_thread::get_id() != worker);
            log.push_back("completed " + std::to_string(v));
            costream::set_immediate([&] { log.push_back("immediate"); });
            costream::next_tick([&] { log.push_back("tick"); });
        });
    costream::next_tick([&] { log.push_back("sync tick"); });
    log.push_back("sync");
    l.run(); // outstanding pool work keeps the loop alive
    CHECK(log == strings{"sync", "sync tick", "completed 42", "tick", "immediate"});
}

TEST_CASE("an exception thrown on the pool travels back to the completion") {
    costream::loop l;
    std::string what;
    costream::offload([]() -> int { throw std::runtime_error("pool failure"); },
                      [&](std::exception_ptr e, int) {
                          REQUIRE(e);
                          try {
                              std::rethrow_exception(e);
                          } catch (const std::runtime_error& ex) {
                              what = ex.what();
                          }
                      });
    l.run();
    CHECK(what == "pool failure");
}

TEST_CASE("offload works with use_promise (the default), use_awaitable, as_tuple and deferred") {
    costream::loop l;
    strings log;
    auto p = costream::offload([] { return std::string("promise"); });
    p.then([&](const std::string& s) { log.push_back(s); });
    auto rejected = costream::offload([] { throw std::logic_error("rejected"); });
    rejected.catch_error([&](std::exception_ptr) { log.push_back("caught"); });
    asio::co_spawn(
        l.get_executor(),
        [&]() -> asio::awaitable<void> {
            int v = co_await costream::offload([] { return 7; }, asio::use_awaitable);
            log.push_back("awaitable " + std::to_string(v));
            auto [e, w] = co_await costream::offload([]() -> int { throw 1; },
                                                     asio::as_tuple(asio::use_awaitable));
            log.push_back(e ? "tuple error" : "tuple ok");
            (void)w;
            try {
                co_await costream::offload([] { throw std::runtime_error("x"); },
                                           asio::use_awaitable);
            } catch (const std::runtime_error&) {
                log.push_back("awaitable threw");
            }
        },
        asio::detached);
    auto op = costream::offload([] { return 3; }, asio::deferred);
    std::move(op)(
        [&](std::exception_ptr, int v) { log.push_back("deferred " + std::to_string(v)); });
    l.run();
    std::sort(log.begin(), log.end());
    CHECK(log == strings{"awaitable 7", "awaitable threw", "caught", "deferred 3", "promise",
                         "tuple error"});
}

TEST_CASE("offload with use_future completes on the loop thread") {
    costream::loop l;
    std::future<int> f = costream::offload([] { return 5; }, asio::use_future);
    l.run();
    CHECK(f.get() == 5);
}

TEST_CASE("many concurrent offloads from one loop all complete exactly once") {
    costream::loop l;
    std::atomic<int> ran{0};
    int completed = 0;
    long sum = 0;
    for (int i = 0; i < 2000; ++i)
        costream::offload(
            [&ran, i] {
                ran.fetch_add(1, std::memory_order_relaxed);
                return i;
            },
            [&](std::exception_ptr, int v) {
                ++completed;
                sum += v;
            });
    l.run();
    CHECK(ran.load() == 2000);
    CHECK(completed == 2000);
    CHECK(sum == 2000L * 1999 / 2);
}

TEST_CASE("loops on several threads share the pool safely") {
    std::vector<std::thread> threads;
    std::atomic<int> total{0};
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&] {
            costream::loop l;
            int n = 0;
            for (int i = 0; i < 200; ++i)
                costream::offload([] { return 1; }, [&](std::exception_ptr, int v) { n += v; });
            l.run();
            total += n;
        });
    for (auto& th : threads)
        th.join();
    CHECK(total == 600);
}

namespace {
struct on_destroy {
    std::shared_ptr<std::promise<void>> p;
    explicit on_destroy(std::shared_ptr<std::promise<void>> x) : p(std::move(x)) {}
    on_destroy(on_destroy&& o) noexcept : p(std::move(o.p)) {}
    ~on_destroy() {
        if (p) p->set_value();
    }
};
} // namespace

TEST_CASE("work whose loop was destroyed is dropped without running its completion") {
    auto gate = std::make_shared<std::latch>(1);
    auto dropped = std::make_shared<std::promise<void>>();
    auto dropped_f = dropped->get_future();
    std::atomic<bool> completion_ran{false};
    {
        costream::loop l;
        costream::offload(
            [gate] {
                gate->wait();
                return 1;
            },
            [&completion_ran, guard = on_destroy(dropped)](std::exception_ptr, int) {
                completion_ran = true;
            });
        // The loop is destroyed while the work is still running on the pool.
    }
    gate->count_down();
    dropped_f.wait(); // the completion handler is destroyed on the pool thread
    CHECK_FALSE(completion_ran.load());
}
