// Port of shared/node-oracle/scenarios/19_buf_concat_compare.js: concat with totalLength truncation
// and zero-padding; compare, equals, ranges and sorting.
//
// Adapted: a Uint8Array list element is a std::vector<std::uint8_t> (concat takes any
// contiguous byte range); list.sort(Buffer.compare) is std::sort with buffer::compare.
#include <costream/buffer.hpp>

#include "js_format.hpp"
#include <oracle.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

using costream::buffer;
namespace js = costream_test::js;

TEST_CASE("node oracle 19_buf_concat_compare: concat, compare and equals as Node does") {
    costream_test::trace t;
    const auto a = buffer::from("abc");
    const auto b = buffer::from("de");
    t.log("concat=", buffer::concat({a, b}).to_string(), " len=", buffer::concat({a, b}).length());
    t.log("concat total=4 -> ", buffer::concat({a, b}, 4).to_string("hex"));
    t.log("concat total=8 -> ", buffer::concat({a, b}, 8).to_string("hex"));
    t.log("concat [] -> len=", buffer::concat(std::vector<buffer>{}).length());
    const std::vector<std::uint8_t> u8{104, 105};
    t.log("concat Uint8Array ok -> ", buffer::concat({u8, a}).to_string());
    auto c = buffer::concat({a});
    c[0] = 0x7a;
    t.log("concat copies: a=", a.to_string(), " c=", c.to_string());
    const std::vector<std::pair<std::string, std::string>> pairs = {
        {"abc", "abc"}, {"abc", "abd"}, {"abd", "abc"}, {"ab", "abc"},
        {"abc", "ab"},  {"", ""},       {"", "a"},      {"ÿ", "a"}};
    for (const auto& [x, y] : pairs) {
        const auto bx = buffer::from(x, "latin1");
        const auto by = buffer::from(y, "latin1");
        t.log("compare(", js::json_string(std::string_view(x)), ",",
              js::json_string(std::string_view(y)), ")=", bx.compare(by),
              " equals=", bx.equals(by) ? "true" : "false",
              " Buffer.compare=", buffer::compare(bx, by));
    }
    const auto tt = buffer::from("xxabcxx");
    t.log("compare with ranges: ", a.compare(tt, 2, 5), " ", a.compare(tt, 2, 4), " ",
          a.compare(tt, 0, 3, 0, 3), " ", buffer::from("bc").compare(a, 1));
    std::vector<buffer> list;
    for (const char* s : {"b", "aa", "a", "ab", "", "ba"})
        list.push_back(buffer::from(s));
    std::sort(list.begin(), list.end(),
              [](const buffer& x, const buffer& y) { return buffer::compare(x, y) < 0; });
    std::string sorted;
    for (const auto& x : list) {
        if (!sorted.empty()) sorted.push_back(' ');
        sorted.append(js::json_string(std::string_view(x.to_string())));
    }
    t.log("sorted: ", sorted);
    costream_test::check_node_trace(t, "19_buf_concat_compare");
}
