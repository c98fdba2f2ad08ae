// fs stream edges checked against Node v20 that the other suites do not cover: a file
// truncated or grown while a read stream reads it, high_water_mark 0, a start past the end,
// a write stream on a descriptor opened read-only, an empty write. The JS, run on Node
// v20.20.2, is next to each case with its output (one line of events per stream).
#include <costream/fs/read_stream.hpp>

#include <costream/error.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/write_stream.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <unistd.h>

namespace fs = costream::fs;
using fs_test::temp_dir;

namespace {

// node: s.on('open'/'ready'/'data'/'end'/'finish'/'error'/'close') appending to one line;
// `after` runs once, in the first 'data' listener.
template <class S>
std::string events(costream::loop& l, S s, std::function<void()> after = {}) {
    auto out = std::make_shared<std::string>();
    s->on("open", [out](int) { *out += " open"; });
    s->on("ready", [out] { *out += " ready"; });
    if constexpr (std::is_same_v<S, costream::stream::ptr<fs::read_stream>>)
        s->on("data", [out, after](const costream::buffer& d) mutable {
            *out += " data" + std::to_string(d.size());
            if (after) std::exchange(after, nullptr)();
        });
    s->on("end", [out] { *out += " end"; });
    s->on("finish", [out] { *out += " finish"; });
    auto* raw = s.get();
    s->on("error", [out, raw](const boost::system::error_code& ec) {
        *out +=
            " error:" + std::string(costream::node_code(ec)) + ":" + raw->errored_info().syscall;
    });
    s->on("close", [out] { *out += " close"; });
    s.reset();
    l.run();
    return out->substr(1);
}

} // namespace

// node:
//   fs.writeFileSync(P, Buffer.alloc(200000, 97))
//   fs.createReadStream(P, {highWaterMark: 0})   -> open ready end close
//   fs.createReadStream(P, {start: 300000})      -> open ready end close
//   fs.createReadStream(P) truncating P to 70000 in its first 'data'
//                                                -> open ready data65536 data4464 end close
//   P of 100 bytes, fs.createReadStream(P, {highWaterMark: 64}) appending 100 bytes in its
//   first 'data'                                 -> open ready data64 data64 data64 data8 end close
TEST_CASE("read streams follow a file truncated or grown while they read it, as Node") {
    temp_dir dir;
    const std::string p = dir / "f";
    fs::write_file_sync(p, costream::buffer::alloc(200000, 'a'));
    {
        costream::loop l;
        CHECK(events(l, fs::create_read_stream(p, {.high_water_mark = 0})) ==
              "open ready end close");
    }
    {
        costream::loop l;
        CHECK(events(l, fs::create_read_stream(p, {.start = 300000})) == "open ready end close");
    }
    {
        costream::loop l;
        CHECK(events(l, fs::create_read_stream(p), [&] {
                  CHECK(::truncate(p.c_str(), 70000) == 0);
              }) == "open ready data65536 data4464 end close");
    }
    fs::write_file_sync(p, costream::buffer::alloc(100, 'a'));
    {
        costream::loop l;
        CHECK(events(l, fs::create_read_stream(p, {.high_water_mark = 64}), [&] {
                  fs::append_file_sync(p, costream::buffer::alloc(100, 'b'));
              }) == "open ready data64 data64 data64 data8 end close");
    }
}

// node:
//   const w = fs.createWriteStream(P, {flags: 'r'}); w.write('abc', cb); w.end()
//     -> cb(EBADF), then: open ready error:EBADF:write close
//   const w = fs.createWriteStream(P); w.write(Buffer.alloc(0), cb); w.end()
//     -> cb(null), then: open ready finish close
TEST_CASE(
    "a write stream opened read-only fails its write with EBADF, and an empty write succeeds") {
    temp_dir dir;
    const std::string p = dir / "f";
    fs::write_file_sync(p, "hello");
    {
        costream::loop l;
        auto w = fs::create_write_stream(p, {.flags = "r"});
        std::string cb = "not called";
        w->write("abc", [&](const boost::system::error_code& ec) {
            cb = std::string(costream::node_code(ec));
        });
        w->end();
        CHECK(events(l, std::move(w)) == "open ready error:EBADF:write close");
        CHECK(cb == "EBADF");
        CHECK(fs::read_file_sync(p, costream::encoding::utf8) == "hello");
    }
    {
        costream::loop l;
        auto w = fs::create_write_stream(p);
        std::string cb = "not called";
        w->write(costream::buffer(), [&](const boost::system::error_code& ec) {
            cb = ec ? std::string(costream::node_code(ec)) : "ok";
        });
        w->end();
        CHECK(events(l, std::move(w)) == "open ready finish close");
        CHECK(cb == "ok");
        CHECK(fs::stat_sync(p).size == 0);
    }
}

// node:
//   fs.createReadStream(P, {highWaterMark: 2**33}) -> error RangeError ERR_OUT_OF_RANGE The value
//      of "size" is out of range. It must be >= 0 && <= 4294967296. Received 8_589_934_592,
//      then close (the Buffer for the first read cannot be made)
TEST_CASE("a read stream whose read buffer cannot be made fails with 'error' and 'close'") {
    temp_dir dir;
    const std::string p = dir / "f";
    fs::write_file_sync(p, "hello");
    costream::loop l;
    auto rs = fs::create_read_stream(p, {.high_water_mark = 8589934592.0});
    auto* raw = rs.get();
    std::string got;
    int fd = -1;
    rs->on("open", [&](int f) { fd = f; });
    rs->on("error", [&](const boost::system::error_code& ec) {
        got += std::string(costream::node_code(ec)) + " " + raw->errored_info().syscall;
    });
    rs->on("data", [&](const costream::buffer&) { got += " data"; });
    rs->on("close", [&] { got += " close"; });
    rs.reset();
    CHECK_NOTHROW(l.run()); // the RangeError used to escape run() from the read's tick
    CHECK(got == "ERR_OUT_OF_RANGE  close");
    CHECK_FALSE(fs_test::fd_is_open(fd));
}
