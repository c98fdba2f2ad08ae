// Port of shared/node-oracle/scenarios/33_readable_from.js: from() is object mode with
// high_water_mark 1, strings and buffers are not split, generators are pulled lazily, awaited
// items (promises, async generators) are awaited, a null item fails the stream. JS values of
// mixed types are modelled by std::string chunks holding their JSON text; from(42) does not
// compile (Node: ERR_INVALID_ARG_TYPE at run time).
#include <costream/stream/from.hpp>

#include <costream/promise.hpp>

#include "oracle.hpp"

#include <boost/system/system_error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cs = costream::stream;

namespace {

std::string render(const std::string& s, bool json_text) {
    return json_text ? s : "\"" + s + "\"";
}
std::string render(const costream::buffer& b, bool) {
    return "<Buffer " + b.to_string("hex") + ">";
}

// const collect = async (tag, r) => { const out = []; for await (const x of r) out.push(...);
// log(`${tag}: [${out.join(', ')}]`); };
template <class Chunk>
costream::promise<> collect(costream_test::trace& t, std::string tag,
                            cs::ptr<cs::basic_readable<Chunk>> r, bool json_text = false) {
    std::string out;
    auto it = r->iterate();
    while (true) {
        auto x = co_await it.next();
        if (!x) break;
        out += (out.empty() ? "" : ", ") + render(*x, json_text);
    }
    t.log(tag, ": [", out, "]");
}

costream::promise<> scenario(costream_test::trace& t) {
    // g++ 12: no braced list inside a co_await expression, so every source is a named local.
    std::vector<std::string> mixed{"1", "\"two\"", "{\"three\":3}"};
    auto ra = cs::from(std::move(mixed));
    t.log("from(array): objectMode=", ra->readable_object_mode() ? "true" : "false",
          " hwm=", ra->readable_high_water_mark());
    co_await collect(t, "array", ra, true);
    co_await collect(t, "string", cs::from("abc"));
    co_await collect(t, "buffer", cs::from(costream::buffer::from("hi")));
    std::vector<std::string> strings{"ab", "cd"};
    co_await collect(t, "array of strings", cs::from(std::move(strings)));

    // function* gen() { for (let i = 1; i <= 3; i++) { log(`  gen yields ${i}`); yield i; }
    // log('  gen returns'); }
    auto rg = cs::from([&t, i = 0]() mutable -> std::optional<int> {
        if (++i <= 3) {
            t.log("  gen yields ", i);
            return i;
        }
        t.log("  gen returns");
        return std::nullopt;
    });
    rg->on("data", [&t](const int& x) { t.log("  data ", x); });
    auto ended = costream::with_resolvers<void>();
    rg->on("end", [&] { ended.resolve(); });
    co_await ended.promise;
    t.log("generator: end");

    // async function* agen() { for (let i = 1; i <= 3; i++) { await null; yield `a${i}`; } }
    auto agen = [i = 0]() mutable -> costream::promise<std::optional<std::string>> {
        if (++i > 3) co_return std::nullopt;
        co_await costream::promise<>::resolve();
        co_return "a" + std::to_string(i);
    };
    co_await collect(t, "async generator", cs::from(agen));
    std::vector<std::string> xy{"x", "y"};
    cs::from_options bytes{.object_mode = false};
    co_await collect(t, "objectMode:false", cs::from<costream::buffer>(std::move(xy), bytes));
    std::vector<costream::promise<std::string>> promises;
    promises.push_back(costream::promise<std::string>::resolve("p1"));
    promises.push_back(costream::promise<std::string>::resolve("v2"));
    co_await collect(t, "promises in array", cs::from(std::move(promises)));

    static_assert(!cs::from_source<int>);
    t.log("from(42): ERR_INVALID_ARG_TYPE");

    try {
        std::vector<std::optional<std::string>> with_null{"a", std::nullopt, "b"};
        auto rn = cs::from(std::move(with_null));
        co_await collect(t, "array with null", rn);
    } catch (const boost::system::system_error& e) {
        t.log("array with null: ", costream::node_code(e.code()));
    }
}

} // namespace

TEST_CASE("node oracle 33: from() is lazy object mode and does not split strings or buffers") {
    costream::loop l;
    costream_test::trace t;
    auto p = scenario(t);
    l.run();
    CHECK(p.is_fulfilled());
    costream_test::check_node_trace(t, "33_readable_from");
}
