// Port of shared/node-oracle/scenarios/13_buf_utf8.js: UTF-8 encoding of multi-byte chars and lone
// surrogates, WHATWG decoding of invalid sequences.
//
// Adapted: the JS strings are std::u16string (UTF-16 units, as a JS string), so `strlen` and
// the lone surrogates '\ud800' and 'a\udc00b' mean what they mean in JavaScript. Decoded text
// is read back with to_u16string, whose size() is the JS string's length ("units").
#include <costream/buffer.hpp>

#include "js_format.hpp"
#include <oracle.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using costream::buffer;
namespace js = costream_test::js;

TEST_CASE("node oracle 13_buf_utf8: encode and decode utf8 as Node does") {
    costream_test::trace t;
    const std::vector<std::u16string> strings = {u"A",
                                                 u"é",
                                                 u"€",
                                                 u"𝄞",
                                                 u"héllo €𝄞",
                                                 std::u16string(1, char16_t(0xD800)),
                                                 std::u16string{u'a', char16_t(0xDC00), u'b'},
                                                 u"\U0001F600"};
    for (const auto& s : strings) {
        const auto b = buffer::from(s, "utf8");
        t.log("encode ", js::code_points(s), " -> ", js::hex(b), " len=", b.length(),
              " strlen=", s.size());
    }
    const std::vector<std::string> bad = {
        "ff",       "c3",   "c328",   "e282",   "e28228", "e282ac",   "f09d84",
        "f09d849e", "c080", "e08080", "eda080", "edbfbf", "f4908080", "f8888080",
        "80",       "bf80", "fe",     "e2ff",   "61ff62", "f0",       "c3a9c3"};
    for (const auto& h : bad) {
        const std::u16string s = buffer::from(h, "hex").to_u16string("utf8");
        t.log("decode ", h, " -> ", js::code_points(s), " (", s.size(), " units)");
    }
    t.log("utf-8 alias: ", buffer::from("é", "utf-8").to_string("hex"),
          " default: ", buffer::from("é").to_string("hex"));
    t.log("roundtrip ok: ", buffer::from("héllo €𝄞").to_string() == "héllo €𝄞" ? "true" : "false");
    costream_test::check_node_trace(t, "13_buf_utf8");
}

TEST_CASE("node oracle 13_buf_utf8: the std::string API gives the same bytes for valid text") {
    // The UTF-8 (std::string) form of each valid scenario string encodes identically.
    for (const char* s : {"A", "é", "€", "𝄞", "héllo €𝄞", "😀"}) {
        CHECK(buffer::from(s).equals(buffer::from(costream::to_u16string(s))));
        CHECK(buffer::from(s).to_string() == s);
    }
}
