// Port of shared/node-oracle/scenarios/17_buf_tostring_ranges.js: toString(enc, start, end) clamps
// and truncates its range; a range cutting a character gives U+FFFD.
//
// Adapted: JavaScript coerces the non-integer arguments before clamping them; C++ takes
// integers (index_arg rejects floating point at compile time), so those cases pass what the
// coercion yields: 1.9, 4.2 -> 1, 4 (Math.trunc); "1", "4" -> 1, 4 (ToNumber); NaN -> 0
// (Math.trunc(NaN) || 0). `undefined` is an omitted index_arg ({}). The label printed is
// still the JavaScript call. Decoded text is read as UTF-16 (to_u16string) to list code
// points as the scenario does.
#include <costream/buffer.hpp>

#include "js_format.hpp"
#include <oracle.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using costream::buffer;
using costream::index_arg;
namespace js = costream_test::js;

TEST_CASE("node oracle 17_buf_tostring_ranges: toString clamps start and end as Node does") {
    costream_test::trace t;
    const auto b = buffer::from("a€b"); // 61 e282ac 62
    t.log("buf=", b.to_string("hex"), " len=", b.length());
    struct range_case {
        const char* label;
        index_arg start, end;
    };
    const std::vector<range_case> cases = {
        {"0, 5", 0, 5},         {"0, 1", 0, 1},     {"1, 4", 1, 4},          {"1, 3", 1, 3},
        {"2, 5", 2, 5},         {"0, 100", 0, 100}, {"-3, 2", -3, 2},        {"3, 1", 3, 1},
        {"4", 4, {}},           {"5", 5, {}},       {"100", 100, {}},        {"1.9, 4.2", 1, 4},
        {"\"1\", \"4\"", 1, 4}, {"NaN, 2", 0, 2},   {"undefined, 2", {}, 2},
    };
    for (const auto& c : cases) {
        const std::u16string s = b.to_u16string("utf8", c.start, c.end);
        t.log("toString('utf8', ", c.label, ") -> [", js::code_points(s), "]");
    }
    t.log("hex 1..3 -> ", b.to_string("hex", 1, 3));
    t.log("latin1 1..4 -> ", js::code_points(b.to_u16string("latin1", 1, 4)));
    t.log("base64 0..2 -> ", b.to_string("base64", 0, 2));
    t.log("toString() no args -> ", js::code_points(b.to_u16string()));
    t.log("toString(undefined) -> ", js::code_points(b.to_u16string({})));
    costream_test::check_node_trace(t, "17_buf_tostring_ranges");
}

TEST_CASE("node oracle 17_buf_tostring_ranges: to_string gives the UTF-8 form of the same text") {
    const auto b = buffer::from("a€b");
    CHECK(b.to_string("utf8", 1, 4) == "€");
    CHECK(b.to_string("utf8", 1, 3) == "\xEF\xBF\xBD");
    CHECK(b.to_string("utf8", -3, 2) == "a\xEF\xBF\xBD");
    CHECK(b.to_string("utf8", 3, 1).empty());
    CHECK(b.to_string("utf8", 100).empty());
}
