#include <costream/error.hpp>

#include <doctest/doctest.h>

#include <cerrno>

using costream::errc;

TEST_CASE("every errc enumerator converts to an error_code whose node_code is Node's string") {
    boost::system::error_code ec = errc::stream_write_after_end;
    CHECK(ec.category() == costream::costream_category());
    CHECK(costream::node_code(ec) == "ERR_STREAM_WRITE_AFTER_END");
    CHECK(ec.message() == "ERR_STREAM_WRITE_AFTER_END");
    CHECK(costream::node_code(boost::system::error_code(errc::abort_err)) == "ABORT_ERR");
}

TEST_CASE("node_code names operating-system errors as libuv does") {
    CHECK(costream::node_code(
              boost::system::error_code(ENOENT, boost::system::system_category())) == "ENOENT");
    CHECK(costream::node_code(
              boost::system::error_code(EACCES, boost::system::generic_category())) == "EACCES");
    CHECK(costream::node_code(boost::system::error_code()) == "");
}

TEST_CASE("exceptions carry the Node code and read as Node prints them") {
    try {
        throw costream::range_error(errc::out_of_range, "The value of \"offset\" is out of range.");
    } catch (const std::out_of_range& e) {
        CHECK(std::string(e.what()) ==
              "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range.");
        CHECK(dynamic_cast<const costream::range_error&>(e).node_code() == "ERR_OUT_OF_RANGE");
    }
    costream::type_error t(errc::unknown_encoding, "Unknown encoding: nope");
    CHECK(t.code() == errc::unknown_encoding);
    CHECK(std::string(t.what()) == "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope");
}
