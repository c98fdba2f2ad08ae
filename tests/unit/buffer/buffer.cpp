#include <costream/buffer.hpp>

#include <doctest/doctest.h>

using costream::buffer;

TEST_CASE("smoke: from and to_string round trip") {
    auto b = buffer::from("héllo");
    CHECK(b.size() == 6);
    CHECK(b.to_string() == "héllo");
    CHECK(b.to_string("hex") == "68c3a96c6c6f");
}
