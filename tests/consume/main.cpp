// A program outside costream that uses it as a consumer would: through costream::costream
// from an install prefix (find_package) or from a source tree (add_subdirectory). It proves
// the target carries the include path, C++20, Boost 1.81+, zlib and OpenSSL, and that the
// installed headers (buffer, events, the umbrella) compile with strict warnings.
#include <costream.hpp>
#include <costream/buffer.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>

#include <boost/system/error_code.hpp>
#include <boost/version.hpp>

#include <openssl/crypto.h>
#include <zlib.h>

#include <cstdio>
#include <string_view>

static_assert(BOOST_VERSION >= 108100, "costream needs Boost 1.81 or newer");

int main() {
    boost::system::error_code ec = costream::errc::stream_premature_close;
    if (costream::node_code(ec) != "ERR_STREAM_PREMATURE_CLOSE") {
        std::printf("wrong node_code: %.*s\n", int(costream::node_code(ec).size()),
                    costream::node_code(ec).data());
        return 1;
    }
    try {
        throw costream::range_error(costream::errc::out_of_range, "consumer check");
    } catch (const costream::range_error& e) {
        if (e.code() != costream::errc::out_of_range) return 1;
    }
    // Buffer and event_emitter, as a consumer uses them.
    auto buf = costream::buffer::from("consumer");
    if (buf.to_string("base64") != "Y29uc3VtZXI=") return 1;
    costream::event_emitter emitter;
    std::size_t got = 0;
    emitter.on("data", [&](const costream::buffer& b) { got += b.size(); });
    if (!emitter.emit("data", buf) || got != buf.size()) return 1;
    // zlib and OpenSSL come with costream::costream (the zlib and crypto modules need them).
    std::printf("costream %d.%d.%d consumer ok: %.*s, boost %d.%d, zlib %s, %s\n",
                COSTREAM_VERSION_MAJOR, COSTREAM_VERSION_MINOR, COSTREAM_VERSION_PATCH,
                int(costream::node_code(ec).size()), costream::node_code(ec).data(),
                BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, zlibVersion(),
                OpenSSL_version(OPENSSL_VERSION));
    return 0;
}
