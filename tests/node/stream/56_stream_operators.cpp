// Port of shared/node-oracle/scenarios/56_stream_operators.js: Node's readable operators
// map/filter/take/drop/flatMap/toArray/reduce/some/every/find/forEach and map's concurrency keeping
// input order. Adapted: Readable.from(array) is stream::from; JS values are ints/strings, Buffers
// are costream::buffer; the thrown Error('map threw') is a std::runtime_error rethrown by to_array.
// compose() with a Transform is stream::compose over a real basic_transform; compose() with an
// async generator as its last stage has no costream form (compose's stages are streams, function
// stages only in the middle): that line is the equivalent flat_map, so the trace stays line for
// line Node's.
#include <costream/stream/operators.hpp>

#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/compose.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/transform.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cs = costream::stream;

namespace {

// Node's Readable.from(array)
template <class T>
cs::ptr<cs::basic_readable<T>> from(std::vector<T> v) {
    return cs::from(std::move(v));
}
// new Transform({ objectMode: true, transform(c, e, cb) { cb(null, c + '!'); } })
struct bang : cs::basic_transform<std::string> {
protected:
    void do_transform(std::string&& c, transform_callback cb) override { cb({}, c + "!"); }
};
cs::ptr<cs::basic_readable<int>> nums() {
    return from(std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

template <class T>
std::string join(const std::vector<T>& v, const char* sep = ",") {
    std::ostringstream os;
    for (std::size_t i = 0; i < v.size(); ++i)
        os << (i ? sep : "") << v[i];
    return os.str();
}

costream::promise<> scenario(costream_test::trace& t) {
    {
        auto v =
            co_await cs::to_array(cs::take(cs::filter(cs::map(nums(), [](int x) { return x * 2; }),
                                                      [](int x) { return x % 3 != 0; }),
                                           3));
        t.log("map+filter+take: ", join(v));
    }
    {
        auto v = co_await cs::to_array(cs::drop(nums(), 7));
        t.log("drop(7): ", join(v));
    }
    {
        std::vector<std::string> ab{"a", "b"};
        auto v = co_await cs::to_array(cs::flat_map(from(std::move(ab)), [](std::string x) {
            std::string up = x;
            for (auto& c : up)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            std::vector<std::string> both;
            both.push_back(x);
            both.push_back(up);
            return both;
        }));
        std::vector<std::string> quoted;
        for (auto& s : v)
            quoted.push_back("\"" + s + "\"");
        t.log("flatMap: [", join(quoted), "]");
    }
    {
        int sum = co_await cs::reduce(
            nums(), [](int acc, int x) { return acc + x; }, 0);
        t.log("reduce sum: ", sum);
        int prod = co_await cs::reduce(nums(), [](int acc, int x) { return acc * x; });
        t.log("reduce without initial: ", prod);
    }
    {
        bool some = co_await cs::some(nums(), [](int x) { return x > 9; });
        bool every = co_await cs::every(nums(), [](int x) { return x < 11; });
        std::optional<int> found = co_await cs::find(nums(), [](int x) { return x > 4; });
        t.log("some(>9): ", some ? "true" : "false", " every(<11): ", every ? "true" : "false",
              " find(>4): ", found ? std::to_string(*found) : "undefined");
    }
    {
        std::vector<int> order;
        co_await cs::for_each(cs::take(nums(), 4), [&order](int x) -> costream::promise<> {
            order.push_back(x);
            co_return;
        });
        t.log("forEach order: ", join(order));
    }
    {
        static const int delays[] = {30, 1, 10, 1};
        // g++ 12: no braced lists inside a co_await expression (TOOLCHAIN.md)
        std::vector<int> idx{0, 1, 2, 3};
        cs::operator_options four{.concurrency = 4};
        auto mapped_p = cs::to_array(cs::map(
            from(std::move(idx)),
            [](int i) -> costream::promise<std::string> {
                auto r = costream::with_resolvers<void>();
                costream::set_timeout([res = r.resolve] { res(); }, delays[i]);
                co_await r.promise;
                co_return "v" + std::to_string(i);
            },
            four));
        auto mapped = co_await mapped_p;
        t.log("map concurrency=4 keeps input order: ", join(mapped));
    }
    {
        std::vector<costream::buffer> bufs{costream::buffer::from("ab"),
                                           costream::buffer::from("c")};
        auto lens = co_await cs::to_array(
            cs::map(from(std::move(bufs)), [](const costream::buffer& b) { return b.size(); }));
        t.log("map over Buffers (objectMode result): ", join(lens));
    }
    {
        // compose(async function* (src) { for await (const x of src) yield `<${x}>`; })
        std::vector<std::string> ab{"a", "b"};
        auto composed = co_await cs::to_array(cs::flat_map(
            from(std::move(ab)), [](std::string x) -> costream::promise<std::vector<std::string>> {
                std::vector<std::string> one;
                one.push_back("<" + x + ">");
                co_return one;
            }));
        t.log("compose with async generator: ", join(composed, ""));
        // Readable.from(['q']).compose(new Transform({ objectMode: true,
        //     transform(c, e, cb) { cb(null, c + '!'); } }))
        std::vector<std::string> q{"q"};
        auto via = co_await cs::to_array(cs::compose(from(std::move(q)), cs::make<bang>()));
        t.log("compose with Transform: ", join(via));
    }
    try {
        co_await cs::to_array(cs::map(nums(), [](int x) {
            if (x == 2) throw std::runtime_error("map threw");
            return x;
        }));
    } catch (const std::exception& e) {
        t.log("error in map: ", e.what());
    }
    try {
        cs::take(nums(), -1);
    } catch (const costream::range_error& e) {
        t.log("take(-1): ", e.node_code());
    }
}

} // namespace

TEST_CASE("node oracle 56: stream operators give Node's values, order and errors") {
    costream::loop l(costream::loop_options{.manual_clock = true});
    costream_test::trace t;
    auto p = scenario(t);
    l.run();
    REQUIRE(p.is_fulfilled());
    costream_test::check_node_trace(t, "56_stream_operators");
}
