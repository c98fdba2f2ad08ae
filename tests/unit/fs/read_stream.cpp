// fs::read_stream: ranges, chunking, descriptors, errors (missing, EISDIR, EACCES, EIO),
// destroy before the open, and the event order Node gives.
#include <costream/fs/read_stream.hpp>

#include <costream/fs/fault_injection.hpp>
#include <costream/fs/sync.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <sys/stat.h>

namespace fs = costream::fs;
using fs_test::temp_dir;

namespace {

struct result {
    std::string data;
    std::vector<std::size_t> sizes;
    std::vector<std::string> events;
    boost::system::error_code error;
    fs::error_info info;
    std::uint64_t bytes_read = 0;
    int fd = -1;
};

/// Reads `path` through a read stream on a fresh loop and records what happened.
result read_all(const std::string& path, const fs::read_stream_options& opts = {}) {
    costream::loop l;
    result res;
    auto rs = fs::create_read_stream(path, opts);
    auto* r = rs.get();
    rs->on("open", [&](int fd) {
        res.fd = fd;
        res.events.push_back("open");
    });
    rs->on("ready", [&] { res.events.push_back("ready"); });
    rs->on("data", [&](const costream::buffer& b) {
        res.sizes.push_back(b.size());
        res.data += fs_test::raw(b);
    });
    rs->on("end", [&] { res.events.push_back("end"); });
    rs->on("error", [&](const boost::system::error_code& ec) {
        res.events.push_back("error");
        res.error = ec;
        res.info = r->errored_info();
    });
    rs->on("close", [&] {
        res.events.push_back("close");
        res.bytes_read = r->bytes_read();
    });
    rs.reset();
    l.run();
    return res;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& e : v)
        s += (s.empty() ? "" : ",") + e;
    return s;
}

} // namespace

TEST_CASE("a read stream delivers every byte of files of many sizes in hwm-sized chunks") {
    temp_dir dir;
    fs_test::rng g(58);
    for (std::size_t size : {std::size_t(0), std::size_t(1), std::size_t(4095), std::size_t(65536),
                             std::size_t(65537), std::size_t(300001)}) {
        auto bytes = fs_test::random_bytes(size, size);
        fs::write_file_sync(dir / "f", bytes);
        std::size_t hwm = 1 + g.below(100000);
        auto res = read_all(dir / "f", {.high_water_mark = double(hwm)});
        CAPTURE(size);
        CAPTURE(hwm);
        CHECK(res.data == fs_test::raw(bytes));
        CHECK(res.bytes_read == size);
        CHECK(join(res.events) == "open,ready,end,close");
        for (std::size_t i = 0; i + 1 < res.sizes.size(); ++i)
            CHECK(res.sizes[i] == hwm);
    }
}

TEST_CASE("start and end select an inclusive byte range and are clamped at the end of file") {
    temp_dir dir;
    auto bytes = fs_test::random_bytes(10000, 3);
    const std::string all = fs_test::raw(bytes);
    fs::write_file_sync(dir / "f", bytes);
    fs_test::rng g(60);
    for (int i = 0; i < 25; ++i) {
        std::int64_t start = static_cast<std::int64_t>(g.below(11000));
        std::int64_t end = start + static_cast<std::int64_t>(g.below(3000));
        auto res = read_all(
            dir / "f", {.start = start, .end = end, .high_water_mark = double(1 + g.below(2000))});
        std::string want = start < 10000 ? all.substr(static_cast<std::size_t>(start),
                                                      static_cast<std::size_t>(end - start + 1))
                                         : std::string();
        CAPTURE(start);
        CAPTURE(end);
        CHECK(res.data == want);
        CHECK(res.bytes_read == want.size());
    }
    // start alone reads to the end; end alone reads from 0
    CHECK(read_all(dir / "f", {.start = 9990}).data == all.substr(9990));
    CHECK(read_all(dir / "f", {.end = 9}).data == all.substr(0, 10));
}

TEST_CASE("bad ranges throw ERR_OUT_OF_RANGE at once with Node's message") {
    costream::loop l;
    temp_dir dir;
    try {
        fs::create_read_stream(dir / "f", {.start = 10, .end = 5});
        FAIL("no throw");
    } catch (const costream::range_error& e) {
        CHECK(e.node_code() == "ERR_OUT_OF_RANGE");
        CHECK(std::string(e.what()) ==
              "RangeError [ERR_OUT_OF_RANGE]: The value of \"start\" is "
              "out of range. It must be <= \"end\" (here: 5). Received 10");
    }
    CHECK_THROWS_AS(fs::create_read_stream(dir / "f", {.start = -1}), costream::range_error);
    CHECK_THROWS_AS(fs::create_read_stream(dir / "f", {.end = -1}), costream::range_error);
    CHECK_THROWS_AS(fs::create_read_stream(dir / "f", {.flags = "zz"}), costream::type_error);
    l.run();
}

TEST_CASE("a missing file fails the read stream with ENOENT, syscall open and the path") {
    temp_dir dir;
    auto res = read_all(dir / "missing");
    CHECK(join(res.events) == "error,close");
    CHECK(costream::node_code(res.error) == "ENOENT");
    CHECK(std::string(res.info.syscall) == "open");
    CHECK(res.info.path == dir / "missing");
    CHECK(res.info.message() ==
          "ENOENT: no such file or directory, open '" + dir / "missing" + "'");
}

TEST_CASE("reading a directory fails with EISDIR from read, after open and ready") {
    // Works as root too (unlike EACCES): the open succeeds, read(2) refuses.
    temp_dir dir;
    auto res = read_all(dir.path);
    CHECK(join(res.events) == "open,ready,error,close");
    CHECK(costream::node_code(res.error) == "EISDIR");
    CHECK(std::string(res.info.syscall) == "read");
    CHECK(res.info.message() == "EISDIR: illegal operation on a directory, read");
    CHECK_FALSE(fs_test::fd_is_open(res.fd));
}

TEST_CASE("a path through a file fails with ENOTDIR") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "x");
    auto res = read_all(dir / "f/child");
    CHECK(costream::node_code(res.error) == "ENOTDIR");
    CHECK(std::string(res.info.syscall) == "open");
}

TEST_CASE("an unreadable file fails with EACCES (skipped as root)") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "secret");
    ::chmod((dir / "f").c_str(), 0);
    if (fs_test::running_as_root()) {
        MESSAGE("running as root: chmod 000 does not deny reads, EACCES part skipped");
        return;
    }
    auto res = read_all(dir / "f");
    CHECK(join(res.events) == "error,close");
    CHECK(costream::node_code(res.error) == "EACCES");
    CHECK(res.info.message() == "EACCES: permission denied, open '" + dir / "f" + "'");
}

TEST_CASE("an I/O error on the second read is reported as EIO with syscall read, fd closed") {
    temp_dir dir;
    auto bytes = fs_test::random_bytes(100000, 9);
    fs::write_file_sync(dir / "f", bytes);
    fs::fault_injection disk;
    disk.fail("read", 2, EIO);
    auto res = read_all(dir / "f", {.high_water_mark = 1000});
    CHECK(join(res.events) == "open,ready,error,close");
    CHECK(costream::node_code(res.error) == "EIO");
    CHECK(std::string(res.info.syscall) == "read");
    CHECK(res.data == fs_test::raw(bytes).substr(0, 1000));
    CHECK(disk.calls("close") == 1);
    CHECK_FALSE(fs_test::fd_is_open(res.fd));
}

TEST_CASE("short reads still deliver every byte") {
    temp_dir dir;
    auto bytes = fs_test::random_bytes(50000, 4);
    fs::write_file_sync(dir / "f", bytes);
    fs::fault_injection disk;
    disk.short_io("read", 777);
    auto res = read_all(dir / "f");
    CHECK(res.data == fs_test::raw(bytes));
    CHECK(res.sizes.front() == 777);
}

TEST_CASE("a failing close is reported as the stream's error with syscall close") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "abc");
    fs::fault_injection disk;
    disk.fail("close", 1, EIO);
    auto res = read_all(dir / "f");
    CHECK(join(res.events) == "open,ready,end,error,close");
    CHECK(std::string(res.info.syscall) == "close");
}

TEST_CASE("destroy before the open still opens, then closes the file: open, ready, close") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "abc");
    fs::fault_injection disk;
    costream::loop l;
    std::vector<std::string> ev;
    int fd = -1;
    auto rs = fs::create_read_stream(dir / "f");
    rs->on("open", [&](int f) {
        fd = f;
        ev.push_back("open");
    });
    rs->on("ready", [&] { ev.push_back("ready"); });
    rs->on("data", [&] { ev.push_back("data"); });
    rs->on("close", [&] { ev.push_back("close"); });
    rs->destroy();
    CHECK(rs->destroyed());
    l.run();
    CHECK(join(ev) == "open,ready,close"); // as Node v20
    CHECK(disk.calls("open") == 1);
    CHECK(disk.calls("close") == 1);
    CHECK_FALSE(fs_test::fd_is_open(fd));
    CHECK(rs->pending());
}

TEST_CASE("destroy while a read is in flight waits for it before closing") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", fs_test::random_bytes(1 << 20, 1));
    fs::fault_injection disk;
    costream::loop l;
    std::vector<std::string> ev;
    auto rs = fs::create_read_stream(dir / "f");
    auto* r = rs.get();
    rs->on("data", [&](const costream::buffer&) {
        ev.push_back("data");
        r->destroy(); // the next read is already in flight (flowing mode reads ahead)
    });
    rs->on("close", [&] { ev.push_back("close"); });
    l.run();
    CHECK(join(ev) == "data,close");
    CHECK(disk.calls("close") == 1);
}

TEST_CASE("the fd option reads an open descriptor without an open event and auto_close closes it") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "hello fd");
    int fd = fs::open_sync(dir / "f");
    auto res = read_all("", {.fd = fd});
    CHECK(res.data == "hello fd");
    CHECK(join(res.events) == "end,close");
    CHECK_FALSE(fs_test::fd_is_open(fd));
}

TEST_CASE("auto_close false keeps the descriptor open after end until destroy") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "keep");
    costream::loop l;
    int fd = fs::open_sync(dir / "f");
    auto rs = fs::create_read_stream("", {.fd = fd, .auto_close = false});
    auto* r = rs.get();
    bool open_after_end = false, closed = false;
    rs->on("data", [](const costream::buffer&) {});
    rs->on("end", [&] {
        open_after_end = fs_test::fd_is_open(fd);
        r->close();
    });
    rs->on("close", [&] { closed = true; });
    l.run();
    CHECK(open_after_end);
    CHECK(closed);
    CHECK_FALSE(fs_test::fd_is_open(fd));
}

TEST_CASE("encoding delivers decoded text") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "\xe2\x82\xac-euro");
    costream::loop l;
    std::string text;
    auto rs = fs::create_read_stream(dir / "f",
                                     {.encoding = costream::encoding::utf8, .high_water_mark = 1});
    rs->on("data", [&](const std::string& s) { text += s; });
    l.run();
    CHECK(text == "\xe2\x82\xac-euro");
}

TEST_CASE("chunks are pushed without copying: a full read is the buffer the pool filled") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", fs_test::random_bytes(3 * 65536, 2));
    costream::loop l;
    std::vector<costream::buffer> chunks;
    auto rs = fs::create_read_stream(dir / "f");
    rs->on("data", [&](const costream::buffer& b) { chunks.push_back(b); });
    l.run();
    REQUIRE(chunks.size() == 3);
    // Each chunk is its own 64 KiB allocation, not a slice of a coalescing buffer.
    CHECK_FALSE(chunks[0].shares_storage_with(chunks[1]));
    CHECK(chunks[0].byte_offset() == 0);
}
