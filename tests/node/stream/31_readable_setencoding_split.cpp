// Port of shared/node-oracle/scenarios/31_readable_setencoding_split.js: set_encoding reassembles
// characters split across chunks; 'data' then delivers std::string (UTF-8), buffers otherwise.
// Node's `typeof` is printed from the listener's parameter type.
#include <costream/stream/readable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

#include <cstdio>

using namespace stream_test;

namespace {
std::string cps(const std::string& utf8) {
    std::u16string u = costream::to_u16string(utf8);
    std::string out;
    for (std::size_t i = 0; i < u.size(); ++i) {
        std::uint32_t c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < u.size())
            c = 0x10000 + ((c - 0xD800) << 10) + (u[++i] - 0xDC00);
        char buf[16];
        std::snprintf(buf, sizeof buf, "U+%04X", c);
        if (!out.empty()) out += ' ';
        out += buf;
    }
    return out;
}
const char* parts[] = {"61e2", "82", "ac62f09d", "849e", "c3"};

void run(costream_test::trace& t, const std::string& tag, std::optional<costream::encoding> enc,
         std::function<void()> then) {
    auto r = cs::make<fn_readable<>>();
    if (enc) r->set_encoding(*enc);
    t.log(tag, ": readableEncoding=",
          r->readable_encoding() ? std::string(costream::encoding_name(*r->readable_encoding()))
                                 : "null");
    if (enc)
        r->on("data", [&t, tag, enc](const std::string& c) {
            t.log(tag, ": data string ",
                  *enc == costream::encoding::utf8 ? "[" + cps(c) + "]" : "\"" + c + "\"");
        });
    else
        r->on("data", [&t, tag](const costream::buffer& c) {
            t.log(tag, ": data object <Buffer ", c.to_string("hex"), ">");
        });
    r->on("end", [&t, tag, then] {
        t.log(tag, ": end");
        costream::queue_microtask(then);
    });
    for (const char* p : parts)
        r->push(costream::buffer::from(p, "hex"));
    r->push(nullptr);
}
} // namespace

TEST_CASE("node oracle 31: set_encoding reassembles split characters") {
    costream::loop l;
    costream_test::trace t;
    run(t, "utf8", costream::encoding::utf8, [&] {
        run(t, "none", std::nullopt, [&] {
            std::string line = "none per-chunk toString:";
            for (const char* p : parts)
                line += " [" + cps(costream::buffer::from(p, "hex").to_string()) + "]";
            t.log(line);
            run(t, "hex", costream::encoding::hex, [&] {
                run(t, "base64", costream::encoding::base64, [&] {
                    auto r = cs::make<fn_readable<>>();
                    r->push(costream::buffer::from("61e282", "hex"));
                    r->set_encoding("utf8");
                    r->push(costream::buffer::from("ac", "hex"));
                    auto got = r->read();
                    t.log("setEncoding after push: read() -> [", cps(got->to_string()), "]");
                });
            });
        });
    });
    l.run();
    costream_test::check_node_trace(t, "31_readable_setencoding_split");
}
