// Unit tests of stream/operators.hpp: Node's readable operators (map, filter, flat_map, take,
// drop, reduce, to_array, for_each, some, every, find), concurrency, fusion, teardown.
#include <costream/stream/operators.hpp>

#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include <boost/asio/cancellation_signal.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace cs = costream::stream;
using boost::system::error_code;

namespace {

// Readable.from(array) stand-in: object mode, highWaterMark 1; counts do_read calls and
// records how it was destroyed.
template <class T>
struct values_readable : cs::basic_readable<T> {
    std::vector<T> values;
    std::size_t at = 0;
    int reads = 0;
    bool fail_at_end = false;
    error_code destroyed_with;
    bool destroy_called = false;
    explicit values_readable(std::vector<T> v, std::size_t hwm = 1)
        : cs::basic_readable<T>(cs::readable_options{.high_water_mark = static_cast<double>(hwm),
                                                     .object_mode = true}),
          values(std::move(v)) {}
    void do_read(std::size_t) override {
        ++reads;
        if (at < values.size())
            this->push(values[at++]);
        else if (fail_at_end)
            this->destroy(costream::make_error_code(costream::errc::stream_premature_close));
        else
            this->push(nullptr);
    }
    void do_destroy(const error_code& ec, cs::stream_base::destroy_callback cb) override {
        destroy_called = true;
        destroyed_with = ec;
        cb(ec);
    }
};
cs::ptr<values_readable<int>> range(int from, int to, std::size_t hwm = 1) {
    std::vector<int> v;
    for (int i = from; i <= to; ++i)
        v.push_back(i);
    return cs::make<values_readable<int>>(std::move(v), hwm);
}

// The tests inspect rejected promises themselves (is_rejected/get); a rejection nobody
// awaited must not abort run() (Node's unhandledRejection).
void quiet(costream::loop& l) {
    l.on_unhandled_rejection([](std::exception_ptr) {});
}

template <class P>
auto run_get(costream::loop& l, P p) {
    l.run();
    REQUIRE(!p.is_pending());
    return p.get();
}

} // namespace

TEST_CASE("map applies a synchronous function to each chunk in order") {
    costream::loop l;
    quiet(l);
    auto v = run_get(l, cs::to_array(cs::map(range(1, 5), [](int x) { return x * 10; })));
    CHECK(v == std::vector<int>{10, 20, 30, 40, 50});
}

TEST_CASE("map changes the chunk type") {
    costream::loop l;
    quiet(l);
    auto v = run_get(
        l, cs::to_array(cs::map(range(1, 3), [](int x) { return std::to_string(x) + "!"; })));
    CHECK(v == std::vector<std::string>{"1!", "2!", "3!"});
}

TEST_CASE("filter keeps the chunks for which the predicate is true") {
    costream::loop l;
    quiet(l);
    auto v = run_get(l, cs::to_array(cs::filter(range(1, 10), [](int x) { return x % 2 == 0; })));
    CHECK(v == std::vector<int>{2, 4, 6, 8, 10});
}

TEST_CASE("synchronous map and filter stages are fused into one stage") {
    costream::loop l;
    quiet(l);
    auto src = range(1, 6);
    cs::ptr<values_readable<int>> raw = src; // the source itself may be shared
    auto m = cs::map(std::move(src), [](int x) { return x + 1; });
    CHECK(m->fused_steps() == 1);
    auto f = cs::filter(std::move(m), [](int x) { return x % 2 == 0; });
    // the map stage was absorbed: one stage runs both steps over the source
    CHECK(f->fused_steps() == 2);
    auto t = cs::take(cs::map(std::move(f), [](int x) { return x; }), 10);
    CHECK(t->fused_steps() == 4);
    f = std::move(t);
    auto v = run_get(l, cs::to_array(std::move(f)));
    CHECK(v == std::vector<int>{2, 4, 6});
    CHECK(raw->at == 6);
}

TEST_CASE("a stage someone else still holds is not fused and both readables work") {
    costream::loop l;
    quiet(l);
    auto m = cs::map(range(1, 3), [](int x) { return x * 2; });
    auto keep = m; // a second reference: fusion would steal its input
    auto f = cs::filter(std::move(m), [](int x) { return x > 2; });
    CHECK(f->fused_steps() == 1);
    auto v = run_get(l, cs::to_array(std::move(f)));
    CHECK(v == std::vector<int>{4, 6});
    CHECK(keep->readable_ended());
}

TEST_CASE("take ends after n chunks and destroys the unfinished source") {
    costream::loop l;
    quiet(l);
    auto src = range(1, 100);
    auto* raw = src.get();
    cs::ptr<values_readable<int>> hold = src;
    auto v = run_get(l, cs::to_array(cs::take(std::move(src), 3)));
    CHECK(v == std::vector<int>{1, 2, 3});
    CHECK(raw->destroyed());
    CHECK(raw->destroyed_with == costream::errc::abort_err);
    CHECK(raw->at < 10);
}

TEST_CASE("take(0) yields nothing, drop(n) skips n and negative counts throw ERR_OUT_OF_RANGE") {
    costream::loop l;
    quiet(l);
    auto none = run_get(l, cs::to_array(cs::take(range(1, 5), 0)));
    CHECK(none.empty());
    auto rest = run_get(l, cs::to_array(cs::drop(range(1, 5), 3)));
    CHECK(rest == std::vector<int>{4, 5});
    auto all = run_get(l, cs::to_array(cs::drop(range(1, 2), 5)));
    CHECK(all.empty());
    CHECK_THROWS_AS(cs::take(range(1, 2), -1), costream::range_error);
    CHECK_THROWS_AS(cs::drop(range(1, 2), -3), costream::range_error);
    l.run();
}

TEST_CASE("flat_map pushes every element of the returned range") {
    costream::loop l;
    quiet(l);
    auto v = run_get(l, cs::to_array(cs::flat_map(range(1, 3), [](int x) {
                         return std::vector<int>(static_cast<std::size_t>(x), x);
                     })));
    CHECK(v == std::vector<int>{1, 2, 2, 3, 3, 3});
}

TEST_CASE("an asynchronous map with concurrency keeps the input order") {
    costream::loop l(costream::loop_options{.manual_clock = true});
    quiet(l);
    int in_flight = 0, max_in_flight = 0;
    static const int delays[] = {40, 5, 20, 1, 30, 2};
    auto p = cs::to_array(cs::map(
        range(0, 5),
        [&](int i) -> costream::promise<int> {
            ++in_flight;
            max_in_flight = std::max(max_in_flight, in_flight);
            auto r = costream::with_resolvers<void>();
            costream::set_timeout([res = r.resolve] { res(); }, delays[i]);
            co_await r.promise;
            --in_flight;
            co_return i * 100;
        },
        cs::operator_options{.concurrency = 3}));
    auto v = run_get(l, p);
    CHECK(v == std::vector<int>{0, 100, 200, 300, 400, 500});
    CHECK(max_in_flight == 3);
}

TEST_CASE("an asynchronous map with concurrency 1 runs one call at a time") {
    costream::loop l(costream::loop_options{.manual_clock = true});
    quiet(l);
    int in_flight = 0, max_in_flight = 0;
    auto p = cs::to_array(cs::map(range(1, 4), [&](int i) -> costream::promise<int> {
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
        auto r = costream::with_resolvers<void>();
        costream::set_timeout([res = r.resolve] { res(); }, 5 - i);
        co_await r.promise;
        --in_flight;
        co_return -i;
    }));
    auto v = run_get(l, p);
    CHECK(v == std::vector<int>{-1, -2, -3, -4});
    CHECK(max_in_flight == 1);
}

TEST_CASE("an asynchronous filter keeps order and drops rejected chunks") {
    costream::loop l(costream::loop_options{.manual_clock = true});
    quiet(l);
    auto p = cs::to_array(cs::filter(
        range(1, 8),
        [](const int& x) -> costream::promise<bool> {
            auto r = costream::with_resolvers<void>();
            costream::set_timeout([res = r.resolve] { res(); }, 10 - x);
            co_await r.promise;
            co_return x % 3 == 0;
        },
        cs::operator_options{.concurrency = 4}));
    CHECK(run_get(l, p) == std::vector<int>{3, 6});
}

TEST_CASE("a rejected asynchronous callback fails the operation with its exception after earlier "
          "results") {
    costream::loop l;
    quiet(l);
    std::vector<int> seen;
    auto src = range(1, 10);
    auto* raw = src.get();
    cs::ptr<values_readable<int>> hold = src;
    auto p = cs::for_each(cs::map(std::move(src),
                                  [](int x) -> costream::promise<int> {
                                      if (x == 3) throw std::logic_error("three");
                                      co_return x;
                                  }),
                          [&](int x) { seen.push_back(x); });
    l.run();
    REQUIRE(p.is_rejected());
    CHECK_THROWS_WITH_AS(p.get(), "three", std::logic_error);
    CHECK(seen == std::vector<int>{1, 2});
    CHECK(raw->destroyed());
}

TEST_CASE("a throwing synchronous callback destroys the operator stream and reaches to_array") {
    costream::loop l;
    quiet(l);
    auto src = range(1, 5);
    cs::ptr<values_readable<int>> hold = src;
    auto m = cs::map(std::move(src), [](int x) {
        if (x == 4) throw std::runtime_error("boom");
        return x;
    });
    auto mh = m;
    std::vector<std::string> events;
    mh->on("error", [&](const error_code& ec) {
        events.push_back(std::string("error ") + (ec ? "set" : "none"));
    });
    mh->on("close", [&] { events.push_back("close"); });
    auto p = cs::to_array(std::move(m));
    l.run();
    REQUIRE(p.is_rejected());
    CHECK_THROWS_WITH_AS(p.get(), "boom", std::runtime_error);
    CHECK(events == std::vector<std::string>{"error set", "close"});
    CHECK(hold->destroyed());
}

TEST_CASE("a source error fails to_array with a system_error carrying the code") {
    costream::loop l;
    quiet(l);
    auto src = range(1, 3);
    src->fail_at_end = true;
    auto p = cs::to_array(cs::map(std::move(src), [](int x) { return x; }));
    l.run();
    REQUIRE(p.is_rejected());
    try {
        p.get();
        FAIL("no error");
    } catch (const boost::system::system_error& e) {
        CHECK(e.code() == costream::errc::stream_premature_close);
    }
}

TEST_CASE(
    "reduce folds with and without an initial value and rejects an empty stream without one") {
    costream::loop l;
    quiet(l);
    CHECK(run_get(l, cs::reduce(
                         range(1, 4), [](int a, int x) { return a + x; }, 100)) == 110);
    CHECK(run_get(l, cs::reduce(range(1, 5), [](int a, int x) { return a * x; })) == 120);
    auto empty = cs::reduce(range(1, 0), [](int a, int x) { return a + x; });
    l.run();
    REQUIRE(empty.is_rejected());
    try {
        empty.get();
    } catch (const costream::type_error& e) {
        CHECK(e.node_code() == "ERR_MISSING_ARGS");
    }
    CHECK(run_get(l, cs::reduce(
                         range(1, 0), [](int a, int x) { return a + x; }, 7)) == 7);
}

TEST_CASE("reduce awaits an asynchronous reducer before taking the next chunk") {
    costream::loop l(costream::loop_options{.manual_clock = true});
    quiet(l);
    std::vector<int> order;
    auto p = cs::reduce(
        range(1, 4),
        [&](std::string acc, int x) -> costream::promise<std::string> {
            order.push_back(x);
            auto r = costream::with_resolvers<void>();
            costream::set_timeout([res = r.resolve] { res(); }, 10 - x);
            co_await r.promise;
            co_return acc + std::to_string(x);
        },
        std::string(">"));
    CHECK(run_get(l, p) == ">1234");
    CHECK(order == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("some, every and find stop at the first answer and destroy the source") {
    costream::loop l;
    quiet(l);
    auto src = range(1, 1000);
    auto* raw = src.get();
    cs::ptr<values_readable<int>> hold = src;
    CHECK(run_get(l, cs::some(std::move(src), [](int x) { return x == 3; })));
    CHECK(raw->destroyed());
    // read-ahead after the answer is bounded by one synchronous batch (pump_budget)
    CHECK(raw->at < 3 + 2 * cs::detail::pump_budget);
    CHECK_FALSE(run_get(l, cs::some(range(1, 5), [](int x) { return x > 5; })));
    CHECK(run_get(l, cs::every(range(1, 5), [](int x) { return x > 0; })));
    CHECK_FALSE(run_get(l, cs::every(range(1, 5), [](int x) { return x < 3; })));
    CHECK(run_get(l, cs::find(range(1, 5), [](int x) { return x * x > 5; })) ==
          std::optional<int>(3));
    CHECK(run_get(l, cs::find(range(1, 5), [](int x) { return x > 9; })) == std::nullopt);
}

TEST_CASE("every and some accept asynchronous predicates") {
    costream::loop l;
    quiet(l);
    auto pred = [](const int& x) -> costream::promise<bool> { co_return x < 4; };
    CHECK_FALSE(run_get(l, cs::every(range(1, 5), pred, cs::operator_options{.concurrency = 2})));
    CHECK(run_get(l, cs::some(range(1, 5), pred)));
}

TEST_CASE("for_each with a synchronous callback sees every chunk in order") {
    costream::loop l;
    quiet(l);
    std::vector<int> seen;
    auto p = cs::for_each(range(1, 4), [&](int x) { seen.push_back(x); });
    l.run();
    CHECK(p.is_fulfilled());
    CHECK(seen == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("concurrency 0 throws ERR_OUT_OF_RANGE at once") {
    costream::loop l;
    quiet(l);
    try {
        cs::map(
            range(1, 2), [](int x) { return x; }, cs::operator_options{.concurrency = 0});
        FAIL("no throw");
    } catch (const costream::range_error& e) {
        CHECK(e.node_code() == "ERR_OUT_OF_RANGE");
    }
    l.run();
}

TEST_CASE("emitting the signal aborts the operator stream with ABORT_ERR") {
    costream::loop l(costream::loop_options{.manual_clock = true});
    quiet(l);
    boost::asio::cancellation_signal sig;
    auto src = range(1, 1000000);
    cs::ptr<values_readable<int>> hold = src;
    auto m = cs::map(
        std::move(src),
        [](int x) -> costream::promise<int> {
            auto r = costream::with_resolvers<void>();
            costream::set_timeout([res = r.resolve] { res(); }, 1);
            co_await r.promise;
            co_return x;
        },
        cs::operator_options{.signal = sig.slot()});
    std::vector<int> seen;
    auto p = cs::for_each(std::move(m), [&](int x) {
        seen.push_back(x);
        if (x == 3) sig.emit(boost::asio::cancellation_type::all);
    });
    l.run();
    REQUIRE(p.is_rejected());
    try {
        p.get();
    } catch (const boost::system::system_error& e) {
        CHECK(e.code() == costream::errc::abort_err);
    }
    CHECK(seen == std::vector<int>{1, 2, 3});
    CHECK(hold->destroyed());
}

TEST_CASE(
    "operators respect backpressure: a slow consumer keeps the source within its high water mark") {
    costream::loop l;
    quiet(l);
    auto src = range(1, 1000, 4);
    auto* raw = src.get();
    cs::ptr<values_readable<int>> hold = src;
    auto m = cs::map(std::move(src), [](int x) { return x; });
    auto it = m->iterate();
    auto first = it.next();
    l.run();
    REQUIRE(first.is_fulfilled());
    // one chunk consumed; the source read only about its high water mark ahead
    CHECK(raw->at <= 8);
}
