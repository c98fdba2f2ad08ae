// Port of shared/node-oracle/scenarios/43_writable_objectmode.js: in object mode the
// high_water_mark counts objects including the one in flight; any non-null value is accepted; null
// throws ERR_STREAM_NULL_VALUES. JS values are modelled by a small struct with a null state
// (chunk_traits specialisation); objects or null into a byte stream do not compile (static_assert),
// so those lines are logged after the checks.
#include <costream/stream/writable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
struct jsval {
    std::string type; // typeof; "null" for null
    std::string json; // JSON.stringify
};
} // namespace

template <>
struct costream::stream::chunk_traits<jsval> {
    static constexpr bool bytes = false;
    static bool is_null(const jsval& v) noexcept { return v.type == "null"; }
};

TEST_CASE("node oracle 43: object mode counts objects and rejects null") {
    costream::loop l;
    costream_test::trace t;
    using W = fn_writable<jsval>;
    std::vector<std::string> seen;
    auto w =
        cs::make<W>(cs::writable_options{.object_mode = true},
                    [&](W&, jsval&, std::optional<costream::encoding>, W::write_callback cb) {
                        costream::set_immediate(
                            [cb = std::make_shared<W::write_callback>(std::move(cb))] { (*cb)(); });
                    });
    std::vector<bool> results;
    for (int i = 0; i < 17; ++i)
        results.push_back(w->write(jsval{"object", "{\"i\":" + std::to_string(i) + "}"}));
    auto first_false = std::find(results.begin(), results.end(), false) - results.begin();
    t.log("17 writes: first false at index ", first_false,
          " writableLength=", w->writable_length());
    auto w2 =
        cs::make<W>(cs::writable_options{.high_water_mark = 2, .object_mode = true},
                    [&](W&, jsval& v, std::optional<costream::encoding> enc, W::write_callback cb) {
                        seen.push_back(v.type + ":" + v.json + " enc=" + (enc ? "?" : "undefined"));
                        cb();
                    });
    for (jsval v : std::vector<jsval>{{"string", "\"str\""},
                                      {"number", "0"},
                                      {"boolean", "false"},
                                      {"string", "\"\""},
                                      {"object", "[1,2]"},
                                      {"number", "3.5"}})
        t.log("write(", v.json, ") -> ", b(w2->write(v)));
    for (jsval v : std::vector<jsval>{{"null", "null"}, {"undefined", "undefined"}}) {
        try {
            t.log("write(", v.json, ") -> ", b(w2->write(v)));
        } catch (const costream::type_error& e) {
            t.log("write(", v.json, ") threw ", e.node_code());
        }
    }
    w2->end([&](const error_code&) {
        for (auto& s : seen)
            t.log("  _write got ", s);
        auto bs = cs::make<fn_writable<>>();
        static_assert(!can_write<fn_writable<>, jsval>,
                      "an object is not a chunk of a byte stream");
        t.log("object into byte stream: ERR_INVALID_ARG_TYPE");
        static_assert(!can_write<fn_writable<>, std::nullptr_t>, "a byte stream has no null chunk");
        t.log("null into byte stream: ERR_STREAM_NULL_VALUES");
    });
    w->on("drain", [&] { t.log("w drain"); });
    l.run();
    costream_test::check_node_trace(t, "43_writable_objectmode");
}
