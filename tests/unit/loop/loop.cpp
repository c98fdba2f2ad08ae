#include <costream/loop.hpp>

#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace asio = boost::asio;
using strings = std::vector<std::string>;

static_assert(asio::execution::executor<costream::loop::executor_type>);
static_assert(std::is_constructible_v<asio::any_io_executor, costream::loop::executor_type>);

TEST_CASE("ticks drain fully before microtasks, repeatedly until both are empty") {
    costream::loop l;
    strings log;
    l.queue_microtask([&] {
        log.push_back("micro 1");
        l.next_tick([&] { log.push_back("tick from micro"); });
        l.queue_microtask([&] { log.push_back("micro 2 (queued by micro 1)"); });
    });
    l.next_tick([&] {
        log.push_back("tick 1");
        l.next_tick([&] { log.push_back("tick 2 (queued by tick 1)"); });
        l.queue_microtask([&] { log.push_back("micro 3 (queued by tick 1)"); });
    });
    l.run();
    CHECK(log == strings{"tick 1", "tick 2 (queued by tick 1)", "micro 1",
                         "micro 3 (queued by tick 1)", "micro 2 (queued by micro 1)",
                         "tick from micro"});
}

TEST_CASE("the tick and microtask queues drain after every single callback") {
    costream::loop l({.manual_clock = true});
    strings log;
    for (int i = 0; i < 2; ++i) {
        costream::set_immediate([&, i] {
            log.push_back("immediate " + std::to_string(i));
            costream::queue_microtask([&, i] { log.push_back("micro " + std::to_string(i)); });
            costream::next_tick([&, i] { log.push_back("tick " + std::to_string(i)); });
        });
        costream::set_timeout(
            [&, i] {
                log.push_back("timeout " + std::to_string(i));
                costream::next_tick([&, i] { log.push_back("timeout tick " + std::to_string(i)); });
            },
            1);
    }
    l.run();
    CHECK(log == strings{"immediate 0", "tick 0", "micro 0", "immediate 1", "tick 1", "micro 1",
                         "timeout 0", "timeout tick 0", "timeout 1", "timeout tick 1"});
}

TEST_CASE("phases run in Node's order: timers, pending, poll, check, close") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::set_timeout(
        [&] {
            log.push_back("timer");
            costream::set_timeout([&] { log.push_back("timer created in the timers phase"); }, 0);
            l.add_close_callback([&] { log.push_back("close"); });
            costream::set_immediate([&] { log.push_back("check"); });
            asio::post(l.get_executor(), [&] { log.push_back("poll"); });
            l.queue_pending([&] { log.push_back("pending"); });
        },
        1);
    l.run();
    CHECK(log == strings{"timer", "pending", "poll", "check", "close",
                         "timer created in the timers phase"});
}

TEST_CASE("close callbacks added during the close phase run in the next iteration") {
    costream::loop l;
    strings log;
    l.add_close_callback([&] {
        log.push_back("close 1");
        l.add_close_callback([&] { log.push_back("close 2"); });
        costream::set_immediate([&] { log.push_back("immediate"); });
    });
    l.run();
    CHECK(log == strings{"close 1", "immediate", "close 2"});
}

TEST_CASE("run returns at once when nothing is queued and can be called again") {
    costream::loop l;
    l.run();
    int n = 0;
    costream::set_immediate([&] { ++n; });
    l.run();
    CHECK(n == 1);
    CHECK(!l.alive());
}

TEST_CASE("an unref'd immediate does not keep the loop alive but runs if the loop goes on") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::set_immediate([&] { log.push_back("unref'd"); }).unref();
    l.run();
    CHECK(log.empty());
    costream::set_timeout([&] { log.push_back("timeout"); }, 5);
    l.run();
    CHECK(log == strings{"unref'd", "timeout"});
}

TEST_CASE("an exception escaping a callback leaves run and the loop goes on at the next run") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::set_timeout(
        [&] {
            log.push_back("a");
            costream::next_tick([&] { log.push_back("tick after a"); });
            throw std::runtime_error("boom");
        },
        1);
    costream::set_timeout([&] { log.push_back("b"); }, 1);
    costream::set_immediate([&] { log.push_back("immediate"); });
    CHECK_THROWS_WITH_AS(l.run(), "boom", std::runtime_error);
    CHECK(log == strings{"immediate", "a"});
    l.run();
    CHECK(log == strings{"immediate", "a", "tick after a", "b"});
}

TEST_CASE("an exception in a tick keeps the rest of the tick queue for the next run") {
    costream::loop l;
    strings log;
    l.next_tick([&] { throw std::logic_error("tick failed"); });
    l.next_tick([&] { log.push_back("second tick"); });
    CHECK_THROWS_AS(l.run(), std::logic_error);
    CHECK(log.empty());
    l.run();
    CHECK(log == strings{"second tick"});
}

TEST_CASE("an exception in an immediate keeps the remaining immediates first in line") {
    costream::loop l;
    strings log;
    costream::set_immediate([&] {
        costream::set_immediate([&] { log.push_back("queued during check"); });
        throw std::runtime_error("x");
    });
    costream::set_immediate([&] { log.push_back("second"); });
    CHECK_THROWS(l.run());
    l.run();
    CHECK(log == strings{"second", "queued during check"});
}

TEST_CASE("an uncaught-exception handler gets the exception and the loop continues") {
    costream::loop l;
    strings log;
    l.on_uncaught_exception([&](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log.push_back(std::string("uncaught ") + ex.what());
        }
    });
    costream::set_immediate([&] { throw std::runtime_error("first"); });
    costream::set_immediate([&] { log.push_back("second"); });
    l.run();
    CHECK(log == strings{"uncaught first", "second"});
}

TEST_CASE("stop makes run return after the current callback, keeping queued work") {
    costream::loop l;
    strings log;
    costream::set_immediate([&] {
        log.push_back("1");
        l.stop();
    });
    costream::set_immediate([&] { log.push_back("2"); });
    l.run();
    CHECK(log == strings{"1"});
    l.run();
    CHECK(log == strings{"1", "2"});
}

TEST_CASE("loop::current is the most recent live loop of the thread") {
    costream::loop a;
    CHECK(&costream::loop::current() == &a);
    {
        costream::loop b;
        CHECK(&costream::loop::current() == &b);
    }
    CHECK(&costream::loop::current() == &a);
}

TEST_CASE("a steady_timer on the loop executor completes in the poll phase, then ticks drain") {
    costream::loop l;
    strings log;
    asio::steady_timer timer(l.get_executor(), std::chrono::steady_clock::now());
    timer.async_wait([&](boost::system::error_code ec) {
        CHECK(!ec);
        log.push_back("asio timer");
        costream::next_tick([&] { log.push_back("tick"); });
        costream::set_immediate([&] { log.push_back("immediate"); });
        l.add_close_callback([&] { log.push_back("close"); });
    });
    l.run(); // pending I/O keeps the loop alive
    CHECK(log == strings{"asio timer", "tick", "immediate", "close"});
}

TEST_CASE(
    "post to the executor is a poll-phase callback and dispatch inside a callback runs inline") {
    costream::loop l;
    strings log;
    costream::set_immediate([&] {
        asio::post(l.get_executor(), [&] { log.push_back("posted"); });
        asio::dispatch(l.get_executor(), [&] { log.push_back("dispatched"); });
        costream::set_immediate([&] { log.push_back("next immediate"); });
        log.push_back("immediate end");
    });
    l.run();
    CHECK(log == strings{"dispatched", "immediate end", "posted", "next immediate"});
}

TEST_CASE("a socket pair exchanges data through coroutines co_spawned on the loop") {
    costream::loop l;
    using proto = asio::local::stream_protocol;
    proto::socket a(l.get_executor()), b(l.get_executor());
    asio::local::connect_pair(a, b);
    strings log;
    asio::co_spawn(
        l.get_executor(),
        [&]() -> asio::awaitable<void> {
            std::string msg = "hello";
            std::size_t n = co_await asio::async_write(a, asio::buffer(msg), asio::use_awaitable);
            log.push_back("wrote " + std::to_string(n));
            a.close();
        },
        asio::detached);
    asio::co_spawn(
        l.get_executor(),
        [&]() -> asio::awaitable<void> {
            char buf[16];
            std::string got;
            for (;;) {
                auto [ec, n] = co_await b.async_read_some(asio::buffer(buf),
                                                          asio::as_tuple(asio::use_awaitable));
                got.append(buf, n);
                if (ec) break;
                costream::next_tick([&] { log.push_back("tick after read"); });
            }
            log.push_back("read " + got);
        },
        asio::detached);
    log.push_back("sync");
    l.run();
    REQUIRE(log.size() >= 4);
    CHECK(log.front() == "sync");
    CHECK(log.back() == "read hello");
    CHECK(std::count(log.begin(), log.end(), "wrote 5") == 1);
}

TEST_CASE("post from another thread runs on the loop and a remote handle keeps it alive") {
    costream::loop l;
    auto remote = l.make_remote();
    std::atomic<std::thread::id> ran_on{};
    std::thread th([r = remote, &ran_on]() mutable {
        r.post([&] { ran_on = std::this_thread::get_id(); });
        r.unref();
    });
    remote.unref(); // only the thread's copy keeps the loop alive now
    l.run();
    th.join();
    CHECK(ran_on.load() == std::this_thread::get_id());
}

TEST_CASE("post to a destroyed loop returns false and drops the function") {
    costream::loop::remote_handle r;
    {
        costream::loop l;
        r = l.make_remote();
        r.unref();
    }
    auto token = std::make_shared<int>(1);
    std::weak_ptr<int> w = token;
    CHECK_FALSE(r.post([t = std::move(token)] {}));
    CHECK(w.expired());
}

TEST_CASE("the executor posts from a foreign thread through the thread-safe path") {
    costream::loop l;
    auto ex = asio::prefer(l.get_executor(), asio::execution::outstanding_work.tracked);
    std::atomic<bool> ran{false};
    std::thread th([ex = std::move(ex), &ran]() mutable {
        asio::execution::execute(asio::require(ex, asio::execution::blocking.never),
                                 [&] { ran = true; });
        ex = asio::prefer(ex, asio::execution::outstanding_work.untracked); // release the work
    });
    l.run();
    th.join();
    CHECK(ran);
}

TEST_CASE("with no I/O outstanding the poll phase does not enter the io_context") {
    costream::loop l;
    int n = 0;
    std::function<void()> chain = [&] {
        if (++n < 1000) costream::set_immediate(chain);
    };
    costream::set_immediate(chain);
    l.run();
    CHECK(n == 1000);
    CHECK(l.io_poll_count() == 0);
}

TEST_CASE("with a live idle socket the poll phase polls without blocking while immediates wait") {
    costream::loop l;
    using proto = asio::local::stream_protocol;
    proto::socket a(l.get_executor()), b(l.get_executor());
    asio::local::connect_pair(a, b);
    char byte;
    bool read_done = false;
    a.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code ec, std::size_t) {
        CHECK(ec == asio::error::operation_aborted);
        read_done = true;
    });
    int n = 0;
    std::function<void()> chain = [&] {
        if (++n < 1000)
            costream::set_immediate(chain);
        else
            a.close(); // lets run() return
    };
    costream::set_immediate(chain);
    l.run(); // would hang if a poll phase blocked while immediates were queued
    CHECK(n == 1000);
    CHECK(read_done);
    CHECK(l.io_poll_count() >= 1000);
}

TEST_CASE("loops destroyed out of order leave a valid current loop") {
    auto a = std::make_unique<costream::loop>();
    auto b = std::make_unique<costream::loop>();
    auto c = std::make_unique<costream::loop>();
    b.reset(); // the middle one goes first
    CHECK(&costream::loop::current() == c.get());
    c.reset();
    CHECK(&costream::loop::current() == a.get());
}

// --- the queues' storage: segments of in-place slots ------------------------------------
// A segment holds 63 callables; these tests cross many segment boundaries on purpose.

namespace {

// Counts constructions, moves, runs and destructions, and carries `Pad` bytes so that the
// callable fits in a queue slot or is boxed on the heap.
struct life_counts {
    int made = 0, moved = 0, ran = 0, destroyed = 0;
};
template <std::size_t Pad>
struct counted_task {
    life_counts* c;
    std::vector<int>* log;
    int id;
    unsigned char pad[Pad] = {};
    counted_task(life_counts* c_, std::vector<int>* l, int i) : c(c_), log(l), id(i) { ++c->made; }
    counted_task(const counted_task& o) : c(o.c), log(o.log), id(o.id) { ++c->made; }
    counted_task(counted_task&& o) noexcept : c(o.c), log(o.log), id(o.id) {
        ++c->made;
        ++c->moved;
    }
    ~counted_task() { ++c->destroyed; }
    void operator()() {
        ++c->ran;
        log->push_back(id);
    }
};

std::vector<int> iota_ints(int n) {
    std::vector<int> v(n);
    for (int i = 0; i < n; ++i)
        v[i] = i;
    return v;
}

} // namespace

TEST_CASE("ticks and microtasks queued from ticks keep FIFO order across many queue segments") {
    costream::loop l;
    strings log;
    l.next_tick([&] {
        for (int i = 0; i < 500; ++i) {
            l.next_tick([&, i] { log.push_back("t" + std::to_string(i)); });
            l.queue_microtask([&, i] {
                log.push_back("m" + std::to_string(i));
                if (i % 100 == 0) l.next_tick([&, i] { log.push_back("mt" + std::to_string(i)); });
            });
        }
    });
    l.run();
    strings want;
    for (int i = 0; i < 500; ++i)
        want.push_back("t" + std::to_string(i));
    for (int i = 0; i < 500; ++i)
        want.push_back("m" + std::to_string(i));
    for (int i = 0; i < 500; i += 100)
        want.push_back("mt" + std::to_string(i));
    CHECK(log == want);
}

TEST_CASE("a queued callable is built in place, never moved, run once and destroyed once") {
    auto check_size = [](auto tag) {
        using task = typename decltype(tag)::type;
        life_counts c;
        std::vector<int> ran;
        {
            costream::loop l;
            for (int i = 0; i < 200; ++i) {
                task t(&c, &ran, i);
                if (i % 2)
                    l.next_tick(t); // copied into the slot
                else
                    l.queue_microtask(std::move(t)); // moved into the slot once
            }
            CHECK(c.moved == 100);
            l.run();
            CHECK(c.moved == 100); // none while queued or run
        }
        CHECK(c.ran == 200);
        CHECK(c.made == c.destroyed);
        std::vector<int> want;
        for (int i = 1; i < 200; i += 2)
            want.push_back(i);
        for (int i = 0; i < 200; i += 2)
            want.push_back(i);
        CHECK(ran == want);
    };
    check_size(std::type_identity<counted_task<8>>{});   // inline
    check_size(std::type_identity<counted_task<256>>{}); // boxed
}

TEST_CASE("callables still queued when the loop is destroyed are destroyed without running") {
    life_counts c;
    std::vector<int> ran;
    {
        costream::loop l;
        for (int i = 0; i < 300; ++i) {
            l.next_tick(counted_task<8>(&c, &ran, i));
            l.queue_microtask(counted_task<256>(&c, &ran, i));
            l.add_close_callback(counted_task<8>(&c, &ran, i));
            l.queue_pending(counted_task<8>(&c, &ran, i));
        }
    }
    CHECK(ran.empty());
    CHECK(c.made == c.destroyed);
}

TEST_CASE("an exception from a tick deep in a segment consumes only that tick") {
    costream::loop l;
    life_counts c;
    std::vector<int> ran;
    for (int i = 0; i < 150; ++i) {
        if (i == 70) {
            l.next_tick([t = counted_task<8>(&c, &ran, -1)] { throw std::runtime_error("70"); });
        } else {
            l.next_tick(counted_task<8>(&c, &ran, i));
        }
    }
    CHECK_THROWS_WITH_AS(l.run(), "70", std::runtime_error);
    CHECK(ran == std::vector<int>(iota_ints(70)));
    CHECK(c.destroyed == c.made - 79); // the 70 that ran and the thrower are gone
    l.run();
    std::vector<int> want = iota_ints(150);
    want.erase(want.begin() + 70);
    CHECK(ran == want);
    CHECK(c.destroyed == c.made);
}

TEST_CASE(
    "a tick that runs the loop again keeps its own state while the nested run reuses storage") {
    struct context {
        costream::loop l;
        std::string seen;
        int inner = 0;
    } ctx;
    std::array<char, 40> mark{};
    mark.fill('x');
    // Captures 48 bytes: stored in place in a queue slot, not boxed.
    ctx.l.next_tick([c = &ctx, mark] {
        // The nested run leaves segments and queues more ticks, which need new segments:
        // the one this callable sits in must not be among them.
        std::array<char, 40> other{};
        other.fill('y');
        for (int i = 0; i < 1000; ++i)
            c->l.next_tick([c, other] {
                ++c->inner;
                c->l.next_tick([c, other] { c->inner += other[0] == 'y'; });
                c->l.queue_microtask([c] { ++c->inner; });
            });
        c->l.run();
        c->seen.assign(mark.begin(), mark.end());
    });
    ctx.l.run();
    CHECK(ctx.inner == 3000);
    CHECK(ctx.seen == std::string(40, 'x'));
}

TEST_CASE("close callbacks beyond one segment: those added during the phase wait an iteration") {
    costream::loop l;
    strings log;
    for (int i = 0; i < 100; ++i) {
        l.add_close_callback([&, i] {
            log.push_back("c" + std::to_string(i));
            if (i == 0) costream::set_immediate([&] { log.push_back("immediate"); });
            l.add_close_callback([&, i] { log.push_back("d" + std::to_string(i)); });
        });
    }
    l.run();
    strings want;
    for (int i = 0; i < 100; ++i)
        want.push_back("c" + std::to_string(i));
    want.push_back("immediate");
    for (int i = 0; i < 100; ++i)
        want.push_back("d" + std::to_string(i));
    CHECK(log == want);
}
