// Conan test_package: a tiny consumer of the packaged headers.
#include <costream.hpp>

#include <boost/version.hpp>

#include <cstdio>

int main() {
    boost::system::error_code ec = costream::errc::stream_write_after_end;
    std::printf("costream %d.%d.%d: %.*s (Boost %s)\n", COSTREAM_VERSION_MAJOR,
                COSTREAM_VERSION_MINOR, COSTREAM_VERSION_PATCH, int(costream::node_code(ec).size()),
                costream::node_code(ec).data(), BOOST_LIB_VERSION);
    return costream::node_code(ec) == "ERR_STREAM_WRITE_AFTER_END" ? 0 : 1;
}
