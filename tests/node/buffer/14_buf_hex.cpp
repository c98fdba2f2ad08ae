// Port of shared/node-oracle/scenarios/14_buf_hex.js: hex decoding stops at the first invalid pair,
// odd length drops the last nibble, encoding is lowercase.
#include <costream/buffer.hpp>

#include "js_format.hpp"
#include <oracle.hpp>

#include <doctest/doctest.h>

#include <string>

using costream::buffer;

namespace {
std::string bytes_list(const buffer& b) {
    std::string out;
    for (auto byte : b) {
        if (!out.empty()) out += ',';
        out += std::to_string(byte);
    }
    return out;
}
} // namespace

TEST_CASE("node oracle 14_buf_hex: hex decoding and encoding as Node does") {
    costream_test::trace t;
    auto show = [&](const char* label, const buffer& b) {
        t.log(label, " -> [", bytes_list(b), "] len=", b.length());
    };
    show("'0aFf'", buffer::from("0aFf", "hex"));
    show("'abc' (odd)", buffer::from("abc", "hex"));
    show("'a' (single nibble)", buffer::from("a", "hex"));
    show("'abzz12' (invalid pair)", buffer::from("abzz12", "hex"));
    show("'zz12'", buffer::from("zz12", "hex"));
    show("'a b1' (space)", buffer::from("a b1", "hex"));
    show("'0g'", buffer::from("0g", "hex"));
    show("'' (empty)", buffer::from("", "hex"));
    show("'12 34'", buffer::from("12 34", "hex"));
    t.log("encode [0,15,16,171,255] -> ", buffer::from({0, 15, 16, 171, 255}).to_string("hex"));
    t.log("byteLength('abc','hex') = ", buffer::byte_length("abc", "hex"));
    t.log("byteLength('abzz','hex') = ", buffer::byte_length("abzz", "hex"));
    auto b = buffer::alloc(4);
    const auto n1 = b.write("aabbzz", "hex");
    t.log("write('aabbzz','hex') returned ", n1, " -> ", b.to_string("hex"));
    const auto n2 = b.write("112233445566", "hex");
    t.log("write('112233445566','hex') into 4 returned ", n2, " -> ", b.to_string("hex"));
    costream_test::check_node_trace(t, "14_buf_hex");
}
