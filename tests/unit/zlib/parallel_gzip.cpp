#include <costream/zlib/parallel_gzip.hpp>

#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>
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

namespace {
// A sink whose writes complete on a later loop turn (as a file write stream's do), so the
// pipe pauses and resumes the compressor many times.
struct slow_sink : costream::stream::basic_writable<buffer> {
    std::vector<buffer>& out;
    explicit slow_sink(std::vector<buffer>& o) : out(o) {}
    void do_write(buffer&& c, write_callback cb) override {
        out.push_back(std::move(c));
        auto box = std::make_shared<write_callback>(std::move(cb));
        costream::set_immediate([box] { (*box)(); });
    }
};
struct chunk_source : costream::stream::basic_readable<buffer> {
    buffer all;
    std::size_t off = 0, piece;
    chunk_source(buffer a, std::size_t p) : all(std::move(a)), piece(p) {}
    void do_read(std::size_t) override {
        if (off < all.size()) {
            auto b = all.subarray(off, off + piece);
            off += piece;
            auto box = std::make_shared<buffer>(std::move(b));
            costream::set_immediate([this, box] { push(*box); });
        } else {
            push(nullptr);
        }
    }
};
} // namespace

TEST_CASE("compressors in a pipeline with an asynchronous source and sink never stall") {
    const buffer input = zlib_test::text(6 << 20);
    for (int kind = 0; kind < 3; ++kind) {
        CAPTURE(kind);
        costream::loop l;
        std::vector<buffer> out;
        bool done = false;
        auto src = costream::stream::make<chunk_source>(input, 65536);
        auto sink = costream::stream::make<slow_sink>(out);
        auto cb = [&](const boost::system::error_code& ec) {
            CHECK(!ec);
            done = true;
        };
        if (kind == 0)
            costream::stream::pipeline(src, zl::create_parallel_gzip({.max_in_flight = 2}), sink,
                                       cb);
        else if (kind == 1)
            costream::stream::pipeline(src, zl::create_gzip(), sink, cb);
        else
            costream::stream::pipeline(src, zl::create_gzip({.level = 1}), zl::create_gunzip(),
                                       sink, cb);
        l.run();
        CHECK(done);
        const buffer all = buffer::concat(out);
        CHECK((kind == 2 ? all : zl::gunzip_sync(all)) == input);
    }
}

TEST_CASE("file to file through the compressors with fs streams completes and round-trips") {
    // The pipeline of the gzip demo: fs read stream (64 KiB chunks) -> compressor -> fs write
    // stream, whose writes complete on the pool: the compressor's readable side fills and
    // drains many times while blocks are in flight.
    zlib_test::temp_dir dir;
    const buffer input = zlib_test::text(12 << 20);
    zlib_test::write_file(dir.path + "/in", input);
    for (int kind = 0; kind < 2; ++kind) {
        CAPTURE(kind);
        costream::loop l;
        bool done = false;
        auto cb = [&](const boost::system::error_code& ec) {
            CHECK(!ec);
            done = true;
        };
        auto rs = costream::fs::create_read_stream(dir.path + "/in");
        auto ws = costream::fs::create_write_stream(dir.path + "/out.gz");
        if (kind == 0)
            costream::stream::pipeline(rs, zl::create_parallel_gzip(), ws, cb);
        else
            costream::stream::pipeline(rs, zl::create_gzip(), ws, cb);
        l.run();
        CHECK(done);
        CHECK(zlib_test::run("gzip -t '" + dir.path + "/out.gz'") == 0);
        CHECK(zl::gunzip_sync(zlib_test::read_file(dir.path + "/out.gz")) == input);
    }
}

TEST_CASE("a read that resumes a held chunk releases the write even above high_water_mark") {
    // Deterministic form of a stall crypto found with fs streams: read() calls do_read before
    // it takes the buffered data, so the buffer still looks full when the resumed chunk ends;
    // holding the write callback then waits for a read that never comes.
    costream::loop l;
    auto s = zl::create_parallel_gzip({.block_size = 32 * 1024, .max_in_flight = 1});
    bool write_done = false;
    s->write(zlib_test::lcg(40 * 1024, 9),
             [&](const boost::system::error_code&) { write_done = true; });
    l.run(); // one block compressed and pushed (~32 KiB > high_water_mark), the rest waits
    CHECK_FALSE(write_done);
    REQUIRE(s->readable_length() >= s->readable_high_water_mark());
    auto first = s->read(); // do_read resumes the chunk, then takes the data
    CHECK(first);
    l.run();
    CHECK(write_done);
    collector c;
    c.attach(*s);
    s->end();
    l.run();
    CHECK(c.ended);
    const buffer all = buffer::concat(
        {std::span<const std::uint8_t>(*first), std::span<const std::uint8_t>(c.all())});
    CHECK(zl::gunzip_sync(all) == zlib_test::lcg(40 * 1024, 9));
}

TEST_CASE(
    "parallel gzip: compressed blocks wait in the stream, not in the paused reader's buffer") {
    costream::loop l;
    const std::size_t block = 32 * 1024;
    auto s = zl::create_parallel_gzip({.block_size = block, .max_in_flight = 8});
    const buffer input = zlib_test::lcg(4 << 20, 4); // incompressible: output ~ input
    s->write(input);
    s->end();
    l.run(); // nobody reads
    // One block went to the readable side (it was empty); the other compressed blocks wait
    // for the reader within max_in_flight, and input beyond that is held back.
    CHECK(s->readable_length() <= s->readable_high_water_mark() + block + 1024);
    CHECK(s->readable_length() >= s->readable_high_water_mark());
    CHECK(s->bytes_written() >= 8 * block);
    CHECK(s->bytes_written() <= 10 * block);
    collector c;
    c.attach(*s);
    l.run();
    CHECK(c.ended);
    CHECK(zl::gunzip_sync(c.all()) == input);
}
