// fs streams that are released without being destroyed (their loop was destroyed first, or
// every reference was dropped) close their descriptor, and an open still on the pool when
// the loop goes away does not leak the descriptor it returns. Node has no counterpart (a
// process that exits closes everything); in a C++ program that keeps running, each such
// stream leaked one descriptor.
#include <costream/fs/read_stream.hpp>

#include <costream/fs/async.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/write_stream.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include <exception>
#include <string>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = costream::fs;
using fs_test::fd_is_open;
using fs_test::temp_dir;

namespace {

using fs_test::open_fd_count;

/// Opens `fifo` for writing, which lets a reader's open blocked on it return, and waits for
/// that reader's descriptor to be closed: the writer then sees POLLERR. False when no such
/// event came within 20 s (the timeout only bounds a failure: a leaked descriptor never
/// gives one).
bool reader_closes(const std::string& fifo) {
    int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (w < 0) return false;
    ::pollfd p{w, 0, 0};
    const int n = ::poll(&p, 1, 20000);
    ::close(w);
    return n == 1 && (p.revents & POLLERR) != 0;
}

/// Waits, without a timer, until the pool has handed `l` a completion (it sits in the
/// loop's inbox, not run: nobody runs the loop).
void wait_for_queued_completion(costream::loop& l) {
    while (!l.remote_state()->has_items.load(std::memory_order_acquire))
        std::this_thread::yield();
}

} // namespace

TEST_CASE("a read or write stream released while open closes its descriptor, unless auto_close "
          "is false") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "hello");
    int read_fd = -1, write_fd = -1;
    {
        costream::loop l;
        auto rs = fs::create_read_stream(dir / "f");
        auto ws = fs::create_write_stream(dir / "w");
        // No 'data' listener and no write: once open, neither has I/O out, so run() returns
        // with both descriptors open.
        rs->on("open", [&](int fd) { read_fd = fd; });
        ws->on("open", [&](int fd) { write_fd = fd; });
        l.run();
        REQUIRE(fd_is_open(read_fd));
        REQUIRE(fd_is_open(write_fd));
        CHECK(rs->fd() == read_fd);
        rs.reset();
        CHECK_FALSE(fd_is_open(read_fd));
        CHECK(fd_is_open(write_fd));
    } // the loop goes first here, then the write stream
    CHECK_FALSE(fd_is_open(write_fd));

    // With auto_close false the descriptor is the caller's: still open afterwards.
    int mine = fs::open_sync(dir / "f");
    int theirs = fs::open_sync(dir / "w", "w");
    {
        costream::loop l;
        auto rs = fs::create_read_stream("", {.fd = mine, .auto_close = false});
        auto ws = fs::create_write_stream("", {.fd = theirs, .auto_close = false});
        l.run();
    }
    CHECK(fd_is_open(mine));
    CHECK(fd_is_open(theirs));
    fs::close_sync(mine);
    fs::close_sync(theirs);
    // With auto_close (the default) a descriptor passed in is closed, as destroy() would.
    mine = fs::open_sync(dir / "f");
    {
        costream::loop l;
        auto rs = fs::create_read_stream("", {.fd = mine});
        l.run();
    }
    CHECK_FALSE(fd_is_open(mine));
}

TEST_CASE("an open still on the pool when its loop is destroyed closes the descriptor it gets") {
    temp_dir dir;
    const std::string fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    {
        costream::loop l;
        // Opening a FIFO for reading blocks (on a pool thread) until a writer opens it.
        auto rs = fs::create_read_stream(fifo);
        bool opened = false;
        rs->on("open", [&](int) { opened = true; });
        // The stream's own tick submits the open; this one, queued after it, stops the loop.
        l.next_tick([&] { l.stop(); });
        l.run();
        CHECK_FALSE(opened);
    } // the loop is gone while the open waits on the pool
    // Now the reader's open returns; its completion cannot reach the loop and is dropped,
    // which must close the descriptor.
    CHECK(reader_closes(fifo));
}

TEST_CASE("fs::open whose loop is destroyed before its completion runs closes the descriptor: "
          "open still on the pool, or its completion queued in the loop's inbox") {
    temp_dir dir;
    // Starts fs::open(path) on a loop, calls during(loop, descriptors open before the
    // open), destroys the loop; whether the completion ran.
    auto open_then_destroy_loop = [](const std::string& path, auto during) {
        bool completed = false;
        costream::loop l;
        const std::size_t with_loop = open_fd_count();
        fs::open(path, [&](std::exception_ptr, int) { completed = true; });
        during(l, with_loop);
        return completed;
    };

    // Opening a FIFO for reading blocks (on a pool thread) until a writer opens it.
    const std::string fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::size_t before = open_fd_count();
    CHECK_FALSE(open_then_destroy_loop(fifo, [](costream::loop&, std::size_t) {}));
    // The reader's open returns now; its completion cannot reach the loop and is dropped,
    // which must close the descriptor.
    CHECK(reader_closes(fifo));
    CHECK(open_fd_count() == before);

    // A file: the open runs on the pool and its completion waits in the loop's inbox, the
    // only holder of the descriptor, when the loop is destroyed without running.
    fs::write_file_sync(dir / "f", "x");
    CHECK_FALSE(open_then_destroy_loop(dir / "f", [](costream::loop& l, std::size_t with_loop) {
        wait_for_queued_completion(l);
        CHECK(open_fd_count() == with_loop + 1);
    }));
    CHECK(open_fd_count() == before);
}

TEST_CASE("fs::open's completion runs on the handler's associated executor, and a handler that "
          "executor drops closes the descriptor") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "x");
    const std::size_t before = open_fd_count();
    {
        boost::asio::io_context other;
        int got = -1;
        {
            costream::loop l;
            fs::open(dir / "f",
                     boost::asio::bind_executor(other, [&](std::exception_ptr e, int fd) {
                         CHECK_FALSE(e);
                         got = fd;
                     }));
            l.run();
        }
        CHECK(got == -1); // posted to `other`, which has not run yet
        other.run();
        REQUIRE(got >= 0);
        CHECK(fd_is_open(got));
        fs::close_sync(got);
    }
    CHECK(open_fd_count() == before);
    bool completed = false;
    {
        boost::asio::io_context other;
        const std::size_t base = open_fd_count();
        {
            costream::loop l;
            fs::open(dir / "f", boost::asio::bind_executor(
                                    other, [&](std::exception_ptr, int) { completed = true; }));
            l.run();
        }
        CHECK(open_fd_count() == base + 1); // held by the handler queued on `other`
    } // `other` is destroyed without running: the queued handler goes, with the descriptor
    CHECK_FALSE(completed);
    CHECK(open_fd_count() == before);
}

TEST_CASE("fs::open completes with -1 and the error when the open fails") {
    temp_dir dir;
    costream::loop l;
    int got = 0;
    std::exception_ptr err;
    fs::open(dir / "missing", [&](std::exception_ptr e, int fd) {
        err = e;
        got = fd;
    });
    l.run();
    REQUIRE(err);
    CHECK(fs::error_code_of(err).value() == ENOENT);
    CHECK(got == -1); // never 0 (stdin), which a caller might close
}
