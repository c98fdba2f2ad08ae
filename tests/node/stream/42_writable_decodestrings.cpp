// Port of shared/node-oracle/scenarios/42_writable_decodestrings.js: decode_strings (default)
// encodes strings to buffers ('buffer' encoding, printed for a nullopt encoding); with false,
// do_write gets the string's text and its encoding. Node's Uint8Array is a buffer here; write(42)
// into a byte stream does not compile (checked with static_assert), so its line is logged after
// that check.
#include <costream/stream/writable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
using W = fn_writable<>;
std::string describe(const costream::buffer& c, std::optional<costream::encoding> enc) {
    if (!enc) return "Buffer " + c.to_string("hex") + " enc=buffer";
    return "string \"" + c.to_string() + "\" enc=" + std::string(costream::encoding_name(*enc));
}
cs::ptr<W> make_w(costream_test::trace& t, std::string tag, cs::writable_options o) {
    return cs::make<W>(o, [&t, tag](W&, costream::buffer& c, std::optional<costream::encoding> enc,
                                    W::write_callback cb) {
        t.log(tag, ": ", describe(c, enc));
        cb();
    });
}
} // namespace

TEST_CASE("node oracle 42: decode_strings and default_encoding") {
    costream::loop l;
    costream_test::trace t;
    auto d = make_w(t, "default", {});
    d->write("h\xC3\xA9");
    d->write("h\xC3\xA9", "latin1");
    d->write("aGk=", "base64");
    d->write(costream::buffer::from({1, 2}));
    d->write(costream::buffer::from({3, 4}));
    auto n = make_w(t, "decodeStrings:false", {.decode_strings = false});
    n->write("h\xC3\xA9");
    n->write("h\xC3\xA9", "latin1");
    n->write("6869", "hex");
    n->write(costream::buffer::from({5}));
    auto de = make_w(t, "defaultEncoding=base64",
                     {.decode_strings = false, .default_encoding = costream::encoding::base64});
    de->write("aGk=");
    auto de2 =
        make_w(t, "defaultEncoding=hex decode", {.default_encoding = costream::encoding::hex});
    de2->write("6869");
    de2->set_default_encoding("latin1");
    de2->write("\xC3\xA9");
    try {
        de2->set_default_encoding("bogus");
    } catch (const costream::type_error& e) {
        t.log("setDefaultEncoding('bogus'): ", e.node_code());
    }
    static_assert(!can_write<W, int>, "a number is not a chunk of a byte stream");
    t.log("write(42) non-objectMode: ERR_INVALID_ARG_TYPE");
    try {
        d->write("x", "bogus");
    } catch (const costream::type_error& e) {
        t.log("write('x','bogus'): ", e.node_code());
    }
    l.run();
    costream_test::check_node_trace(t, "42_writable_decodestrings");
}
