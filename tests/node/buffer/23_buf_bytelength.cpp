// Port of shared/node-oracle/scenarios/23_buf_bytelength.js: Buffer.byteLength for every encoding;
// base64 is computed from length and padding, not by decoding.
//
// Adapted: the JS strings are std::u16string (so '\ud800' is a lone surrogate and lengths
// count UTF-16 units). A Uint8Array(7) is a std::vector<std::uint8_t>(7); an ArrayBuffer(9)
// is a std::array<std::byte, 9> seen as bytes.
#include <costream/buffer.hpp>

#include <oracle.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

using costream::buffer;

namespace {
// JSON.stringify(s) with every non-printable-ASCII unit as \uXXXX, as the scenario prints it.
std::string escaped_json(std::u16string_view s) {
    static constexpr char hexd[] = "0123456789abcdef";
    std::string out = "\"";
    for (char16_t c : s) {
        if (c >= 0x20 && c <= 0x7e) {
            if (c == u'"' || c == u'\\') out += '\\';
            out += static_cast<char>(c);
        } else {
            out += "\\u";
            for (int shift = 12; shift >= 0; shift -= 4)
                out += hexd[(c >> shift) & 15];
        }
    }
    return out + "\"";
}
} // namespace

TEST_CASE("node oracle 23_buf_bytelength: byteLength for every encoding") {
    costream_test::trace t;
    const std::vector<std::u16string> strs = {u"",
                                              u"abc",
                                              u"é",
                                              u"€",
                                              u"𝄞",
                                              u"a€𝄞",
                                              std::u16string(1, char16_t(0xD800)),
                                              u"aGk=",
                                              u"aGVsbA==",
                                              u"aGVsbA",
                                              u"a b=",
                                              u"abc1"};
    const char* encs[] = {"utf8",  "utf16le", "ucs2",   "latin1",   "binary",
                          "ascii", "hex",     "base64", "base64url"};
    for (const auto& s : strs) {
        std::string parts;
        for (const char* e : encs) {
            if (!parts.empty()) parts.push_back(' ');
            parts.append(e).append("=").append(std::to_string(buffer::byte_length(s, e)));
        }
        t.log(escaped_json(s), ": ", parts);
    }
    t.log("check base64 'a b=': byteLength=", buffer::byte_length("a b=", "base64"),
          " decoded=", buffer::from("a b=", "base64").length());
    const std::vector<std::uint8_t> u8(7);
    const std::array<std::byte, 9> ab{};
    t.log("Buffer arg: ", buffer::byte_length(buffer::from("hello")),
          " Uint8Array(7): ", buffer::byte_length(u8),
          " ArrayBuffer(9): ", buffer::byte_length(std::span<const std::byte>(ab)));
    t.log("default encoding utf8: ", buffer::byte_length("€"));
    costream_test::check_node_trace(t, "23_buf_bytelength");
}
