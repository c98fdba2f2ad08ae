// Conan test_package: a tiny consumer of the packaged headers.
#include <costream.hpp>
#include <costream/buffer.hpp>

#include <boost/version.hpp>

#include <cstdio>

int main() {
    boost::system::error_code ec = costream::errc::stream_write_after_end;
    auto hex = costream::buffer::from("costream").to_string("hex");
    std::printf("costream %d.%d.%d: %.*s, %s (Boost %s)\n", COSTREAM_VERSION_MAJOR,
                COSTREAM_VERSION_MINOR, COSTREAM_VERSION_PATCH, int(costream::node_code(ec).size()),
                costream::node_code(ec).data(), hex.c_str(), BOOST_LIB_VERSION);
    bool ok = costream::node_code(ec) == "ERR_STREAM_WRITE_AFTER_END" && hex == "636f73747265616d";
    return ok ? 0 : 1;
}
