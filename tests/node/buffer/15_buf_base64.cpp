// Port of shared/node-oracle/scenarios/15_buf_base64.js: base64/base64url decoding leniency
// (padding, whitespace, either alphabet, invalid chars) and encoding.
#include <costream/buffer.hpp>

#include "js_format.hpp"
#include <oracle.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using costream::buffer;
namespace js = costream_test::js;

TEST_CASE("node oracle 15_buf_base64: base64 and base64url as Node decodes and encodes them") {
    costream_test::trace t;
    for (const char* enc : {"base64", "base64url"}) {
        auto show = [&](std::string_view label, std::string_view s) {
            const auto b = buffer::from(s, enc);
            t.log(enc, " ", label, " -> hex=", b.to_string("hex"), " len=", b.length(),
                  " byteLength=", buffer::byte_length(s, enc));
        };
        show("'aGVsbG8='", "aGVsbG8=");
        show("'aGVsbG8' (no pad)", "aGVsbG8");
        show("'aGVsbA=='", "aGVsbA==");
        show("'aGVsbA' (no pad)", "aGVsbA");
        show("'aGVsbA='", "aGVsbA=");
        show("'aGV sbG8=' (space)", "aGV sbG8=");
        show("'aGVs\\nbG8=' (newline)", "aGVs\nbG8=");
        show("'+/8=' (std alphabet)", "+/8=");
        show("'-_8' (url alphabet)", "-_8");
        show("'aGk=aGk=' (data after pad)", "aGk=aGk=");
        show("'aG!k' (invalid char)", "aG!k");
        show("'a' (1 char)", "a");
        show("'aG' (2 chars)", "aG");
        show("'' (empty)", "");
    }
    const auto data = buffer::from({0xfb, 0xff, 0xbf, 0x68, 0x69});
    t.log("encode base64    -> ", data.to_string("base64"));
    t.log("encode base64url -> ", data.to_string("base64url"));
    for (const char* s : {"h", "hi", "hi!", "hi!?"}) {
        t.log("encode ", js::json_string(std::string_view(s)),
              " base64=", buffer::from(s).to_string("base64"),
              " base64url=", buffer::from(s).to_string("base64url"));
    }
    costream_test::check_node_trace(t, "15_buf_base64");
}
