#include <costream/zlib/parallel_gzip.hpp>

#include <costream/loop.hpp>
#include <costream/zlib/convenience.hpp>
#include <costream/zlib/zlib_stream.hpp>

#include "zlib_helpers.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace zl = costream::zlib;
using costream::buffer;
using zlib_test::collector;

namespace {

buffer compress_parallel(const buffer& input, const zl::parallel_gzip_options& o, std::size_t piece,
                         collector* out = nullptr) {
    costream::loop l;
    collector local;
    collector& c = out ? *out : local;
    auto s = zl::create_parallel_gzip(o);
    c.attach(*s);
    for (std::size_t off = 0; off < input.size(); off += piece)
        s->write(input.subarray(off, off + piece));
    s->end();
    l.run();
    return c.all();
}

} // namespace

TEST_CASE("parallel gzip output is one gzip member that gzip -d and create_gunzip decode") {
    zlib_test::temp_dir dir;
    std::mt19937 rng(99);
    const std::size_t block = 32 * 1024;
    for (std::size_t size :
         {std::size_t(0), std::size_t(1), block - 1, block, block + 1, 5 * block,
          std::uniform_int_distribution<std::size_t>(0, 2000000)(rng), std::size_t(3000000)}) {
        CAPTURE(size);
        const buffer input =
            size % 2 ? zlib_test::lcg(size, 17) : zlib_test::text(size); // both kinds of data
        collector c;
        const buffer gz =
            compress_parallel(input, {.level = 6, .block_size = block, .max_in_flight = 3},
                              std::uniform_int_distribution<std::size_t>(1, 100000)(rng), &c);
        CHECK(c.errors == 0);
        CHECK(c.ended);
        REQUIRE(gz.size() >= 18);
        CHECK(gz.subarray(0, 3).to_string("hex") == "1f8b08");
        // the gzip CLI reads it (and checks CRC and length)
        zlib_test::write_file(dir.path + "/p.gz", gz);
        CHECK(zlib_test::run("gzip -t '" + dir.path + "/p.gz'") == 0);
        CHECK(zlib_test::run("gzip -dc '" + dir.path + "/p.gz' > '" + dir.path + "/p'") == 0);
        CHECK(zlib_test::read_file(dir.path + "/p") == input);
        // and so do create_gunzip and gunzip_sync
        CHECK(zl::gunzip_sync(gz) == input);
        costream::loop l;
        auto g = zl::create_gunzip();
        collector back;
        back.attach(*g);
        g->end(gz);
        l.run();
        CHECK(back.all() == input);
    }
}

TEST_CASE("parallel gzip of less than one block is byte-identical to gzip at the same level") {
    for (int level : {1, 6, 9}) {
        CAPTURE(level);
        const buffer input = zlib_test::text(100000);
        const buffer gz = compress_parallel(input, {.level = level}, 7000);
        CHECK(gz == zl::gzip_sync(input, {.level = level}));
    }
    CHECK(compress_parallel(buffer(), {}, 1) == zl::gzip_sync(""));
}

TEST_CASE("parallel gzip keeps memory bounded: a paused reader holds the writer back") {
    costream::loop l;
    const std::size_t block = 32 * 1024;
    auto s = zl::create_parallel_gzip({.block_size = block, .max_in_flight = 2});
    const buffer input = zlib_test::lcg(4 << 20, 3); // incompressible: output ~ input
    bool write_done = false;
    s->write(input, [&](const boost::system::error_code&) { write_done = true; });
    s->end();
    l.run(); // nobody reads
    CHECK_FALSE(write_done);
    CHECK(s->bytes_written() < input.size() / 4);
    CHECK(s->readable_length() <= s->readable_high_water_mark() + 3 * (block + 1024));
    // reading lets everything through
    collector c;
    c.attach(*s);
    l.run();
    CHECK(write_done);
    CHECK(c.ended);
    CHECK(s->bytes_written() == input.size());
    CHECK(zl::gunzip_sync(c.all()) == input);
}

TEST_CASE("parallel gzip rejects bad options with Node-style range errors") {
    CHECK_THROWS_AS(zl::create_parallel_gzip({.level = 12}), costream::range_error);
    CHECK_THROWS_AS(zl::create_parallel_gzip({.block_size = 1000}), costream::range_error);
    CHECK_THROWS_AS(zl::create_parallel_gzip({.max_in_flight = 0}), costream::range_error);
}

TEST_CASE("create_gzip output is read by gzip -d and gzip -c output by create_gunzip") {
    zlib_test::temp_dir dir;
    const buffer input = zlib_test::text(700000);
    // costream -> gzip CLI
    {
        costream::loop l;
        auto g = zl::create_gzip({.level = 9});
        collector c;
        c.attach(*g);
        for (std::size_t off = 0; off < input.size(); off += 65536)
            g->write(input.subarray(off, off + 65536));
        g->end();
        l.run();
        zlib_test::write_file(dir.path + "/a.gz", c.all());
        CHECK(zlib_test::run("gzip -dc '" + dir.path + "/a.gz' > '" + dir.path + "/a'") == 0);
        CHECK(zlib_test::read_file(dir.path + "/a") == input);
    }
    // gzip CLI -> costream, also two CLI members concatenated
    {
        zlib_test::write_file(dir.path + "/b", input);
        CHECK(zlib_test::run("gzip -c -6 '" + dir.path + "/b' > '" + dir.path + "/b.gz'") == 0);
        CHECK(zlib_test::run("gzip -c -1 '" + dir.path + "/b' >> '" + dir.path + "/b.gz'") == 0);
        const buffer gz = zlib_test::read_file(dir.path + "/b.gz");
        costream::loop l;
        auto g = zl::create_gunzip();
        collector c;
        c.attach(*g);
        for (std::size_t off = 0; off < gz.size(); off += 10000)
            g->write(gz.subarray(off, off + 10000));
        g->end();
        l.run();
        CHECK(c.errors == 0);
        const buffer twice = buffer::concat(
            {std::span<const std::uint8_t>(input), std::span<const std::uint8_t>(input)});
        CHECK(c.all() == twice);
    }
}
