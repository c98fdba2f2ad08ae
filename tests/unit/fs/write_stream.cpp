// fs::write_stream: byte-exact round trips through pipeline(read stream, write stream) over
// random sizes and chunkings, flags, start, flush, Node's event order, and a full disk
// (ENOSPC through fs::fault_injection): reported as 'error' with syscall write, every write
// callback called, the descriptor closed.
#include <costream/fs/write_stream.hpp>

#include <costream/fs/fault_injection.hpp>
#include <costream/fs/read_stream.hpp>
#include <costream/fs/sync.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace fs = costream::fs;
namespace cs = costream::stream;
using fs_test::raw;
using fs_test::temp_dir;

namespace {
std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& e : v)
        s += (s.empty() ? "" : " ") + e;
    return s;
}
} // namespace

TEST_CASE("pipeline from a read stream into a write stream copies files byte for byte") {
    temp_dir dir;
    fs_test::rng g(1);
    std::vector<std::size_t> sizes{0, 1, 100, 16384, 65535, 65536, 65537, 1000003};
    for (int i = 0; i < 6; ++i)
        sizes.push_back(g.below(400000));
    for (std::size_t size : sizes) {
        auto bytes = fs_test::random_bytes(size, size + 17);
        fs::write_file_sync(dir / "in", bytes);
        costream::loop l;
        const double rhwm = double(1 + g.below(200000)), whwm = double(1 + g.below(100000));
        auto rs = fs::create_read_stream(dir / "in", {.high_water_mark = rhwm});
        auto ws = fs::create_write_stream(dir / "out", {.high_water_mark = whwm});
        boost::system::error_code result = make_error_code(costream::errc::abort_err);
        bool done = false;
        cs::pipeline(rs, ws, [&](boost::system::error_code ec) {
            result = ec;
            done = true;
        });
        l.run();
        CAPTURE(size);
        CAPTURE(rhwm);
        CAPTURE(whwm);
        CHECK(done);
        CHECK_FALSE(result);
        CHECK(rs->bytes_read() == size);
        CHECK(ws->bytes_written() == size);
        CHECK(raw(fs::read_file_sync(dir / "out")) == raw(bytes));
    }
}

TEST_CASE("writes of random chunk sizes, all queued at once, land in order (pwritev)") {
    temp_dir dir;
    fs_test::rng g(2);
    for (int round = 0; round < 8; ++round) {
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "out");
        std::string want;
        std::size_t callbacks = 0, n = 1 + g.below(300);
        for (std::size_t i = 0; i < n; ++i) {
            auto chunk = fs_test::random_bytes(g.below(5000), round * 1000 + i);
            want += raw(chunk);
            if (i % 7 == 3) ws->cork();
            ws->write(chunk, [&](const boost::system::error_code& ec) {
                CHECK_FALSE(ec);
                ++callbacks;
            });
            if (i % 7 == 5) ws->uncork();
        }
        while (ws->writable_corked())
            ws->uncork();
        bool finished = false;
        ws->on("finish", [&] { finished = true; });
        ws->end();
        l.run();
        CHECK(finished);
        CHECK(callbacks == n);
        CHECK(ws->bytes_written() == want.size());
        CHECK(raw(fs::read_file_sync(dir / "out")) == want);
    }
}

TEST_CASE("short writes are completed by looping, for write and writev") {
    temp_dir dir;
    fs::fault_injection disk;
    disk.short_io("write", 13);
    costream::loop l;
    auto ws = fs::create_write_stream(dir / "out");
    std::string want;
    for (int i = 0; i < 50; ++i) {
        auto chunk = fs_test::random_bytes(100 + i * 37, i);
        want += raw(chunk);
        ws->write(chunk);
    }
    ws->end();
    l.run();
    CHECK(raw(fs::read_file_sync(dir / "out")) == want);
    CHECK(disk.calls("write") > want.size() / 13);
}

TEST_CASE("write stream events come in Node's order: open, ready, callbacks, finish, close") {
    // node v20 (same script): write->true write->false open(fd) ready cb1 cb2 prefinish endcb
    // finish close 20009 true 20009
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "f");
    auto* w = ws.get();
    ws->on("open", [&](int) { ev.push_back("open(fd)"); });
    for (const char* e : {"ready", "drain", "finish", "close", "prefinish", "error"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    ev.push_back(std::string("write->") +
                 (ws->write("hello ", [&](auto&) { ev.push_back("cb1"); }) ? "true" : "false"));
    ev.push_back(std::string("write->") + (ws->write(costream::buffer::alloc(20000, 'a'),
                                                     [&](auto&) { ev.push_back("cb2"); })
                                               ? "true"
                                               : "false"));
    ws->end("end", [&](auto&) { ev.push_back("endcb"); });
    std::string line;
    ws->on("close", [&] {
        line = join(ev) + " " + std::to_string(w->bytes_written()) + " " +
               (w->pending() ? "true" : "false") + " " +
               std::to_string(fs::read_file_sync(dir / "f").size());
    });
    l.run();
    CHECK(line == "write->true write->false open(fd) ready cb1 cb2 prefinish endcb finish close "
                  "20009 true 20009");
}

TEST_CASE("end without writes opens the file before finishing: open ready prefinish endcb finish") {
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "g");
    for (const char* e : {"open", "ready", "finish", "close", "prefinish"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    ws->end([&](auto&) { ev.push_back("endcb"); });
    l.run();
    CHECK(join(ev) == "open ready prefinish endcb finish close"); // node v20
    CHECK(fs::exists_sync(dir / "g"));
}

TEST_CASE("destroy before the open fails the pending write at once, then open, ready, close") {
    temp_dir dir;
    fs::fault_injection disk;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "h");
    for (const char* e : {"open", "ready", "finish", "close", "error"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    ws->write("abc", [&](const boost::system::error_code& ec) {
        ev.push_back(std::string("cb ") + std::string(costream::node_code(ec)));
    });
    ws->destroy();
    l.run();
    CHECK(join(ev) == "cb ERR_STREAM_DESTROYED open ready close"); // node v20
    CHECK(disk.calls("close") == 1);
    CHECK(fs::read_file_sync(dir / "h").size() == 0);
}

TEST_CASE("a full disk: the Nth write fails with ENOSPC, reported with syscall write") {
    temp_dir dir;
    for (std::size_t nth : {1, 2, 5}) {
        fs::fault_injection disk;
        disk.fail("write", nth, ENOSPC);
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "full", {.high_water_mark = 10});
        auto* w = ws.get();
        int fd = -1;
        std::vector<std::string> ev;
        std::vector<std::string> cbs;
        ws->on("open", [&](int f) { fd = f; });
        ws->on("error", [&](const boost::system::error_code& ec) {
            ev.push_back(std::string("error ") + std::string(costream::node_code(ec)) + " " +
                         w->errored_info().syscall);
        });
        ws->on("finish", [&] { ev.push_back("finish"); });
        ws->on("close", [&] { ev.push_back("close"); });
        // One write at a time (each waits for the previous callback): write k is call k.
        std::string written;
        std::function<void(int)> write_next = [&](int k) {
            if (k == 8) {
                ws->end();
                return;
            }
            std::string chunk(100, char('a' + k));
            ws->write(chunk, [&, k, chunk](const boost::system::error_code& ec) {
                cbs.push_back(ec ? std::string(costream::node_code(ec)) : "ok");
                if (!ec) {
                    written += chunk;
                    write_next(k + 1);
                }
            });
        };
        write_next(0);
        l.run();
        CAPTURE(nth);
        CHECK(join(ev) == "error ENOSPC write close");
        CHECK(cbs.size() == nth); // every issued write got its callback
        CHECK(cbs.back() == "ENOSPC");
        CHECK(ws->bytes_written() == (nth - 1) * 100);
        CHECK(disk.calls("close") == 1);
        CHECK(raw(fs::read_file_sync(dir / "full")) == written); // nothing lost silently
        CHECK(costream::node_code(ws->errored()) == "ENOSPC");
        CHECK_FALSE(fs_test::fd_is_open(fd));
        CHECK(ws->fd() == -1);
    }
}

TEST_CASE("a full disk in a pipeline fails the pipeline with ENOSPC and destroys both streams") {
    temp_dir dir;
    fs::write_file_sync(dir / "in", fs_test::random_bytes(500000, 5));
    fs::fault_injection disk;
    disk.fail("write", 3, ENOSPC);
    costream::loop l;
    auto rs = fs::create_read_stream(dir / "in");
    auto ws = fs::create_write_stream(dir / "out");
    boost::system::error_code result;
    cs::pipeline(rs, ws, [&](boost::system::error_code ec) { result = ec; });
    l.run();
    CHECK(costream::node_code(result) == "ENOSPC");
    CHECK(rs->destroyed());
    CHECK(ws->destroyed());
    CHECK(std::string(ws->errored_info().syscall) == "write");
    CHECK(disk.calls("close") == 2);
    CHECK(disk.calls("open") == 2);
}

TEST_CASE("opening a directory for writing fails with EISDIR, syscall open and the path") {
    temp_dir dir;
    costream::loop l;
    auto ws = fs::create_write_stream(dir.path);
    auto* w = ws.get();
    std::vector<std::string> ev;
    ws->write("x", [&](const boost::system::error_code& ec) {
        ev.push_back("cb " + std::string(costream::node_code(ec)));
    });
    ws->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back("error " + std::string(costream::node_code(ec)));
    });
    ws->on("close", [&] { ev.push_back("close"); });
    l.run();
    CHECK(join(ev) == "cb EISDIR error EISDIR close");
    CHECK(w->errored_info().message() ==
          "EISDIR: illegal operation on a directory, open '" + dir.path + "'");
}

TEST_CASE("flags a appends, r+ with start overwrites in place, wx refuses an existing file") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "0123456789");
    {
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "f", {.flags = "a"});
        ws->end("abc");
        l.run();
        CHECK(fs::read_file_sync(dir / "f", costream::encoding::utf8) == "0123456789abc");
    }
    {
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "f", {.flags = "r+", .start = 2});
        ws->write("XY");
        ws->end("Z");
        l.run();
        CHECK(fs::read_file_sync(dir / "f", costream::encoding::utf8) == "01XYZ56789abc");
    }
    {
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "f", {.flags = "wx"});
        auto* w = ws.get();
        std::string code;
        ws->on("error",
               [&](const boost::system::error_code& ec) { code = costream::node_code(ec); });
        ws->end("no");
        l.run();
        CHECK(code == "EEXIST");
        CHECK(std::string(w->errored_info().syscall) == "open");
        CHECK(fs::read_file_sync(dir / "f", costream::encoding::utf8) == "01XYZ56789abc");
    }
}

TEST_CASE("flush fsyncs before closing, and an fsync failure is the stream's error") {
    temp_dir dir;
    {
        fs::fault_injection disk;
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "f", {.flush = true});
        ws->end("data");
        l.run();
        CHECK(disk.calls("fsync") == 1);
        CHECK_FALSE(ws->errored());
    }
    {
        fs::fault_injection disk;
        disk.fail("fsync", 1, EIO);
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "f", {.flush = true});
        std::string err;
        ws->on("error",
               [&](const boost::system::error_code& ec) { err = costream::node_code(ec); });
        ws->end("data");
        l.run();
        CHECK(err == "EIO");
        CHECK(std::string(ws->errored_info().syscall) == "fsync");
        CHECK(disk.calls("close") == 1);
    }
}

TEST_CASE("the fd option writes to an open descriptor and auto_close closes it") {
    temp_dir dir;
    int fd = fs::open_sync(dir / "f", "w");
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream("", {.fd = fd});
    for (const char* e : {"open", "ready", "finish", "close"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    ws->end("via fd");
    l.run();
    CHECK(join(ev) == "finish close");
    CHECK(fs::read_file_sync(dir / "f", costream::encoding::utf8) == "via fd");
    CHECK_FALSE(fs_test::fd_is_open(fd));
}

TEST_CASE("close() ends the stream: buffered data is still written") {
    temp_dir dir;
    costream::loop l;
    auto ws = fs::create_write_stream(dir / "f");
    ws->write("kept");
    bool closed = false;
    ws->close([&] { closed = true; });
    l.run();
    CHECK(closed);
    CHECK(fs::read_file_sync(dir / "f", costream::encoding::utf8) == "kept");
}

TEST_CASE("short pwritev at an explicit start position still lands every byte in place") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", std::string(20, '.'));
    fs::fault_injection disk;
    disk.short_io("write", 3);
    costream::loop l;
    auto ws = fs::create_write_stream(dir / "f", {.flags = "r+", .start = 5});
    ws->cork(); // the three chunks go out as one pwritev, cut into 3-byte writes
    ws->write("abcd");
    ws->write("efg");
    ws->write("hijkl");
    ws->uncork();
    ws->end("XY"); // a second write after the vector, at its own position
    l.run();
    CHECK(fs::read_file_sync(dir / "f", costream::encoding::utf8) == ".....abcdefghijklXY.");
    CHECK(ws->bytes_written() == 14);
    CHECK(disk.calls("write") >= 5);
}
