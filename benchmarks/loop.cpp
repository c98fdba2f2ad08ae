// Event-loop workloads: chained set_immediate (without and with a live idle socket),
// chained next_tick, chained queue_microtask, chained co_await of a ready promise,
// a set_timeout(0) chain, a million timers created and cleared, and a thread-pool round
// trip. Each is measured for costream, for hand-written Asio doing the nearest thing
// (asio::post chain, steady_timer chain, asio::thread_pool post + post back), and for Node
// (benchmarks/node/loop.js; the pool round trip there is crypto.pbkdf2 with 1 iteration,
// Node's cheapest thread-pool job).
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>

#include "bench.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace costream_bench;

namespace {

constexpr long n_immediate = 1000000, n_tick = 20000000, n_await = 10000000, n_timeout = 200,
               n_timers = 1000000, n_pool = 20000;

// --- costream ---------------------------------------------------------------------------

struct immediate_chain {
    long* n;
    long total;
    asio::local::stream_protocol::socket* idle; // closed at the end so that run() returns
    void operator()() const {
        if (++*n < total)
            costream::set_immediate(*this);
        else if (idle)
            idle->close();
    }
};

double cs_immediates(bool idle_socket) {
    return best_seconds(3, [&] {
        costream::loop l;
        asio::local::stream_protocol::socket a(l.get_executor()), b(l.get_executor());
        char byte;
        long n = 0;
        if (idle_socket) {
            asio::local::connect_pair(a, b);
            // A pending read: I/O is outstanding, so every poll phase asks the kernel.
            a.async_read_some(asio::buffer(&byte, 1),
                              [](boost::system::error_code, std::size_t) {});
        }
        costream::set_immediate(immediate_chain{&n, n_immediate, idle_socket ? &a : nullptr});
        l.run();
        keep(n);
    });
}

struct tick_chain {
    long* n;
    void operator()() const {
        if (++*n < n_tick) costream::next_tick(*this);
    }
};
struct micro_chain {
    long* n;
    void operator()() const {
        if (++*n < n_tick) costream::queue_microtask(*this);
    }
};

// Best of 5 for the two shortest runs (as in benchmarks/node/loop.js): on a shared machine
// a run of a fraction of a second is easily descheduled.
double cs_ticks() {
    return best_seconds(5, [] {
        costream::loop l;
        long n = 0;
        costream::next_tick(tick_chain{&n});
        l.run();
        keep(n);
    });
}
double cs_microtasks() {
    return best_seconds(5, [] {
        costream::loop l;
        long n = 0;
        costream::queue_microtask(micro_chain{&n});
        l.run();
        keep(n);
    });
}

costream::promise<long> await_chain(costream::promise<int> ready) {
    long s = 0;
    for (long i = 0; i < n_await; ++i)
        s += co_await ready;
    co_return s;
}
double cs_awaits() {
    return best_seconds(3, [] {
        costream::loop l;
        auto p = await_chain(costream::promise<int>::resolve(1));
        l.run();
        keep(p.get());
    });
}

struct timeout_chain {
    long* n;
    void operator()() const {
        if (++*n < n_timeout) costream::set_timeout(*this, 0);
    }
};
double cs_timeouts() {
    return best_seconds(2, [] {
        costream::loop l;
        long n = 0;
        costream::set_timeout(timeout_chain{&n}, 0);
        l.run();
        keep(n);
    });
}

double cs_timers_create_clear() {
    return best_seconds(3, [] {
        costream::loop l;
        std::vector<costream::timeout> ts;
        ts.reserve(n_timers);
        for (long i = 0; i < n_timers; ++i)
            ts.push_back(costream::set_timeout([] {}, 1 + i % 7));
        for (auto& t : ts)
            costream::clear_timeout(t);
        l.run();
    });
}

struct pool_chain {
    long* n;
    void operator()(std::exception_ptr, int) const {
        if (++*n < n_pool) costream::offload([] { return 1; }, *this);
    }
};
double cs_pool() {
    return best_seconds(3, [] {
        costream::loop l;
        long n = 0;
        costream::offload([] { return 1; }, pool_chain{&n});
        l.run();
        keep(n);
    });
}

// --- hand-written Asio ------------------------------------------------------------------

struct post_chain {
    asio::io_context* io;
    long* n;
    long total;
    void operator()() const {
        if (++*n < total) asio::post(*io, *this);
    }
};
double asio_posts(long total, bool idle_socket) {
    return best_seconds(3, [&] {
        asio::io_context io(1);
        asio::local::stream_protocol::socket a(io), b(io);
        char byte;
        if (idle_socket) {
            asio::local::connect_pair(a, b);
            a.async_read_some(asio::buffer(&byte, 1),
                              [](boost::system::error_code, std::size_t) {});
        }
        long n = 0;
        asio::post(io, [&] {
            post_chain{&io, &n, total}();
            if (idle_socket) asio::post(io, [&] {}); // keep order simple
        });
        if (idle_socket) {
            while (n < total)
                io.run_one();
            a.close();
            io.run();
        } else {
            io.run();
        }
        keep(n);
    });
}

asio::awaitable<long> asio_await_chain() {
    long s = 0;
    auto ex = co_await asio::this_coro::executor;
    for (long i = 0; i < n_await; ++i) {
        co_await asio::post(ex, asio::use_awaitable);
        s += 1;
    }
    co_return s;
}
double asio_awaits() {
    return best_seconds(3, [] {
        asio::io_context io(1);
        asio::co_spawn(io, asio_await_chain(), asio::detached);
        io.run();
    });
}

double asio_timer_chain() {
    return best_seconds(2, [] {
        asio::io_context io(1);
        asio::steady_timer t(io);
        long n = 0;
        std::function<void(boost::system::error_code)> f = [&](boost::system::error_code) {
            if (++n < n_timeout) {
                t.expires_after(std::chrono::milliseconds(1)); // Node's setTimeout(0) is 1 ms
                t.async_wait(f);
            }
        };
        t.expires_after(std::chrono::milliseconds(1));
        t.async_wait(f);
        io.run();
    });
}

double asio_timers_create_cancel() {
    return best_seconds(3, [] {
        asio::io_context io(1);
        std::vector<asio::steady_timer> ts;
        ts.reserve(n_timers);
        for (long i = 0; i < n_timers; ++i) {
            ts.emplace_back(io, std::chrono::milliseconds(1 + i % 7));
            ts.back().async_wait([](boost::system::error_code) {});
        }
        for (auto& t : ts)
            t.cancel();
        io.run();
    });
}

double asio_pool() {
    return best_seconds(3, [] {
        asio::io_context io(1);
        asio::thread_pool pool(4);
        auto work = asio::make_work_guard(io);
        long n = 0;
        std::function<void()> submit = [&] {
            asio::post(pool, [&] {
                int r = 1;
                asio::post(io, [&, r] {
                    keep(r);
                    if (++n < n_pool)
                        submit();
                    else
                        work.reset();
                });
            });
        };
        submit();
        io.run();
        pool.join();
    });
}

} // namespace

int main() {
    auto node = run_node("loop.js");
    auto nd = [&](const std::string& k) -> std::optional<double> {
        auto it = node.find(k);
        if (it == node.end()) return std::nullopt;
        return it->second;
    };
    auto rate = [](long n, double s) { return n / s / 1e6; };
    auto krate = [](long n, double s) { return n / s / 1e3; };

    report({"loop", "set_immediate chain", "M/s", true, rate(n_immediate, cs_immediates(false)),
            rate(n_immediate, asio_posts(n_immediate, false)), nd("set_immediate chain"),
            "asio post"});
    report({"loop", "set_immediate chain, idle socket open", "M/s", true,
            rate(n_immediate, cs_immediates(true)),
            rate(n_immediate, asio_posts(n_immediate, true)),
            nd("set_immediate chain, idle socket open"), "asio post"});
    report({"loop", "next_tick chain", "M/s", true, rate(n_tick, cs_ticks()),
            rate(n_tick, asio_posts(n_tick, false)), nd("next_tick chain"), "asio post"});
    report({"loop", "queue_microtask chain", "M/s", true, rate(n_tick, cs_microtasks()),
            rate(n_tick, asio_posts(n_tick, false)), nd("queue_microtask chain"), "asio post"});
    report({"loop", "co_await ready promise chain", "M/s", true, rate(n_await, cs_awaits()),
            rate(n_await, asio_awaits()), nd("co_await ready promise chain"),
            "co_await asio::post"});
    report({"loop", "set_timeout(0) chain", "k/s", true, krate(n_timeout, cs_timeouts()),
            krate(n_timeout, asio_timer_chain()), nd("set_timeout(0) chain (k/s)"),
            "steady_timer 1ms"});
    report({"loop", "1M timers created and cleared", "M/s", true,
            rate(n_timers, cs_timers_create_clear()), rate(n_timers, asio_timers_create_cancel()),
            nd("1M timers created and cleared"), "steady_timer"});
    report({"loop", "thread pool round trip", "k/s", true, krate(n_pool, cs_pool()),
            krate(n_pool, asio_pool()), nd("thread pool round trip (k/s)"), "asio::thread_pool"});
}
