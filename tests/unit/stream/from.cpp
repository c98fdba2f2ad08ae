// stream::from(): Node's Readable.from over values, ranges, generator functions and async
// generator functions (the trace of Node's own scenario is tests/node/stream/33_*).
#include <costream/stream/from.hpp>

#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <doctest/doctest.h>

#include <boost/system/system_error.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace cs = costream::stream;
using boost::system::error_code;
using strings = std::vector<std::string>;

namespace {
template <class Chunk>
struct collected {
    std::vector<Chunk> chunks;
    error_code error;
    bool ended = false;
};
/// Reads r to its end with 'data'/'end'/'error' listeners.
template <class Chunk>
std::shared_ptr<collected<Chunk>> collect(const cs::ptr<cs::basic_readable<Chunk>>& r) {
    auto c = std::make_shared<collected<Chunk>>();
    r->on("data", [c](const Chunk& x) { c->chunks.push_back(x); });
    r->on("end", [c] { c->ended = true; });
    r->on("error", [c](const error_code& ec) { c->error = ec; });
    return c;
}
} // namespace

TEST_CASE("from has Node's Readable.from defaults: object mode, high_water_mark 1") {
    // Readable.from([1]).readableHighWaterMark === 1, readableObjectMode === true;
    // Readable.from('abc').readableHighWaterMark === 16;
    // Readable.from(['x'], { objectMode: false }): readableObjectMode false, hwm 1
    costream::loop l;
    auto a = cs::from(std::vector<int>{1});
    CHECK(a->readable_object_mode());
    CHECK(a->readable_high_water_mark() == 1);
    auto s = cs::from("abc");
    static_assert(std::is_same_v<decltype(s), cs::ptr<cs::basic_readable<std::string>>>);
    CHECK(s->readable_high_water_mark() == 16);
    auto b = cs::from<costream::buffer>(strings{"x"}, cs::from_options{.object_mode = false});
    CHECK(!b->readable_object_mode());
    CHECK(b->readable_high_water_mark() == 1);
    auto h = cs::from(std::vector<int>{1}, cs::from_options{.high_water_mark = 8});
    CHECK(h->readable_high_water_mark() == 8);
}

TEST_CASE("from pulls nothing before a consumer and one item per do_read after") {
    costream::loop l;
    int calls = 0;
    auto r = cs::from([&calls]() -> std::optional<int> {
        ++calls;
        if (calls <= 3) return calls;
        return std::nullopt;
    });
    l.run();
    CHECK(calls == 0); // Node: lazy, nothing read until a consumer exists
    auto c = collect(r);
    l.run();
    CHECK(c->chunks == std::vector<int>{1, 2, 3});
    CHECK(c->ended);
    CHECK(calls == 4);
    CHECK(r->destroyed()); // auto_destroy after 'end'
}

TEST_CASE("from moves the elements of a container it owns and copies a view's") {
    costream::loop l;
    auto b = costream::buffer::from("zero copy");
    const std::uint8_t* data = b.data();
    std::vector<costream::buffer> owned{b};
    auto r = cs::from(std::move(owned));
    auto c = collect(r);
    l.run();
    REQUIRE(c->chunks.size() == 1);
    CHECK(c->chunks[0].data() == data); // the same bytes, not a copy

    std::vector<std::string> kept{"a", "b"};
    auto v = cs::from(std::span<std::string>(kept)); // iterated in place: kept must outlive it
    auto cv = collect(v);
    l.run();
    CHECK(cv->chunks == strings{"a", "b"});
    CHECK(kept == strings{"a", "b"}); // not moved from
    auto copy = cs::from(kept);       // an lvalue container is copied
    auto cc = collect(copy);
    l.run();
    CHECK(cc->chunks == strings{"a", "b"});
    CHECK(kept == strings{"a", "b"});
}

TEST_CASE("from of a single string or buffer gives one chunk, never split") {
    // Readable.from('abc') -> ['abc']; Readable.from(Buffer.from('hi')) -> [<Buffer 6869>]
    costream::loop l;
    std::string big(100000, 'x');
    auto s = cs::from(big);
    auto cs1 = collect(s);
    auto bytes = cs::from<costream::buffer>(std::string_view("hello"),
                                            cs::from_options{.object_mode = false});
    auto cb = collect(bytes);
    l.run();
    REQUIRE(cs1->chunks.size() == 1);
    CHECK(cs1->chunks[0].size() == 100000);
    REQUIRE(cb->chunks.size() == 1);
    CHECK(cb->chunks[0].to_string() == "hello");
    CHECK(!bytes->readable_object_mode());
}

TEST_CASE("from converts strings to buffers for buffer chunks") {
    costream::loop l;
    const char* items[] = {"ab", "cd"};
    auto r = cs::from<costream::buffer>(std::span<const char* const>(items));
    auto c = collect(r);
    l.run();
    REQUIRE(c->chunks.size() == 2);
    CHECK(c->chunks[0].to_string() == "ab");
    CHECK(c->chunks[1].to_string() == "cd");
    auto sv = cs::from(std::vector<std::string_view>{"x"}); // views become std::string
    static_assert(std::is_same_v<decltype(sv), cs::ptr<cs::basic_readable<std::string>>>);
}

TEST_CASE("a null item fails the stream with ERR_STREAM_NULL_VALUES after the items before") {
    // Readable.from(['a', null, 'b']).on('data', ...).on('error', e => e.code)
    // -> data a, error ERR_STREAM_NULL_VALUES
    costream::loop l;
    std::vector<std::optional<std::string>> items{"a", std::nullopt, "b"};
    auto r = cs::from(std::move(items));
    static_assert(std::is_same_v<decltype(r), cs::ptr<cs::basic_readable<std::string>>>);
    auto c = collect(r);
    l.run();
    CHECK(c->chunks == strings{"a"});
    CHECK(c->error == costream::errc::stream_null_values);
    CHECK(!c->ended);
}

TEST_CASE("an exception from the source destroys the stream with its code and keeps it") {
    costream::loop l;
    int i = 0;
    auto gen = [&i]() -> std::optional<int> {
        if (++i == 3) throw std::runtime_error("generator failed");
        return i;
    };
    auto r = cs::from(gen);
    auto c = collect(r);
    l.run();
    CHECK(c->chunks == std::vector<int>{1, 2});
    // not a system_error: the exception category's code, the exception on the stream
    CHECK(c->error == cs::error_code_of(std::make_exception_ptr(std::runtime_error("x"))));
    CHECK(c->error.category() == cs::exception_category());
    CHECK(r->errored_exception() != nullptr);
    auto* impl = dynamic_cast<cs::from_readable<int, decltype(gen)>*>(r.get());
    REQUIRE(impl);
    REQUIRE(impl->failure());
    CHECK_THROWS_WITH_AS(std::rethrow_exception(impl->failure()), "generator failed",
                         std::runtime_error);

    int j = 0;
    auto r2 = cs::from([&j]() -> std::optional<int> {
        if (++j == 2)
            throw boost::system::system_error(make_error_code(boost::system::errc::timed_out));
        return j;
    });
    auto c2 = collect(r2);
    l.run();
    CHECK(c2->chunks == std::vector<int>{1});
    CHECK(c2->error == boost::system::errc::timed_out);
}

TEST_CASE("from an async generator awaits one item at a time") {
    costream::loop l;
    std::vector<costream::resolvers<std::optional<int>>> pending;
    int started = 0;
    auto r = cs::from([&]() -> costream::promise<std::optional<int>> {
        ++started;
        pending.push_back(costream::with_resolvers<std::optional<int>>());
        return pending.back().promise;
    });
    auto c = collect(r);
    l.run();
    REQUIRE(started == 1); // the first item is awaited, no second pull meanwhile
    pending[0].resolve(std::optional<int>(10));
    l.run();
    REQUIRE(started == 2);
    CHECK(c->chunks == std::vector<int>{10});
    pending[1].resolve(std::optional<int>());
    l.run();
    CHECK(c->ended);
    CHECK(started == 2);
}

TEST_CASE("destroying while an async item is awaited closes once the item settled") {
    costream::loop l;
    struct state {
        std::optional<costream::resolvers<std::optional<int>>> pending;
        bool alive = true;
    };
    auto st = std::make_shared<state>();
    struct guard {
        std::shared_ptr<state> s;
        ~guard() {
            if (s) s->alive = false;
        }
        guard(std::shared_ptr<state> p) : s(std::move(p)) {}
        guard(guard&& o) noexcept : s(std::move(o.s)) {}
    };
    auto r = cs::from([g = guard(st)]() -> costream::promise<std::optional<int>> {
        g.s->pending.emplace(costream::with_resolvers<std::optional<int>>());
        return g.s->pending->promise;
    });
    bool closed = false;
    std::vector<int> got;
    r->on("data", [&](const int& v) { got.push_back(v); });
    r->on("close", [&] { closed = true; });
    l.run();
    REQUIRE(st->pending);
    r->destroy();
    l.run();
    CHECK(!closed);   // waits for the item being awaited (Node queues return() after next())
    CHECK(st->alive); // the generator is not freed under the awaited item
    st->pending->resolve(std::optional<int>(5));
    l.run();
    CHECK(closed);
    CHECK(!st->alive);  // released on destroy (Node's iterator.return())
    CHECK(got.empty()); // an item settled after destroy() is dropped
}

TEST_CASE("from a range of promises awaits each in order") {
    costream::loop l;
    auto first = costream::with_resolvers<std::string>();
    std::vector<costream::promise<std::string>> items{first.promise,
                                                      costream::promise<std::string>::resolve("b")};
    auto r = cs::from(std::move(items));
    auto c = collect(r);
    l.run();
    CHECK(c->chunks.empty());
    first.resolve("a");
    l.run();
    CHECK(c->chunks == strings{"a", "b"});
    CHECK(c->ended);
}

TEST_CASE("a rejected item destroys the stream with its error") {
    costream::loop l;
    std::vector<costream::promise<int>> items;
    items.push_back(costream::promise<int>::resolve(1));
    items.push_back(costream::promise<int>::reject(std::make_exception_ptr(
        boost::system::system_error(make_error_code(boost::system::errc::connection_reset)))));
    auto r = cs::from(std::move(items));
    auto c = collect(r);
    l.run();
    CHECK(c->chunks == std::vector<int>{1});
    CHECK(c->error == boost::system::errc::connection_reset);
}

TEST_CASE("from a generator of 1 M items through 'data' does not grow the stack") {
    costream::loop l;
    constexpr int n = 1'000'000;
    std::uintptr_t lo = UINTPTR_MAX, hi = 0;
    int i = 0;
    auto r = cs::from([&]() -> std::optional<int> {
        auto p = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        lo = std::min(lo, p);
        hi = std::max(hi, p);
        if (i < n) return i++;
        return std::nullopt;
    });
    long long sum = 0;
    bool ended = false;
    r->on("data", [&](const int& v) { sum += v; });
    r->on("end", [&] { ended = true; });
    l.run();
    CHECK(ended);
    CHECK(sum == static_cast<long long>(n) * (n - 1) / 2);
    CHECK(hi - lo < 64 * 1024);
}

static_assert(cs::from_source<std::vector<int>>);
static_assert(cs::from_source<std::string>);
static_assert(cs::from_source<const char (&)[4]>);
static_assert(cs::from_source<costream::buffer>);
static_assert(!cs::from_source<int>);
static_assert(!cs::from_source<double*>);
static_assert(!cs::from_source<int (*)()>); // returns neither optional nor awaitable
static_assert(!cs::from_source<costream::promise<int> (*)()>); // awaitable, but not of optional
static_assert(cs::from_source<std::optional<int> (*)()>);
static_assert(cs::from_source<costream::promise<std::optional<int>> (*)()>);
