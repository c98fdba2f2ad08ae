// fs streams that are released without being destroyed (their loop was destroyed first, or
// every reference was dropped) close their descriptor, and an open still on the pool when
// the loop goes away does not leak the descriptor it returns. Node has no counterpart (a
// process that exits closes everything); in a C++ program that keeps running, each such
// stream leaked one descriptor.
#include <costream/fs/read_stream.hpp>

#include <costream/fs/sync.hpp>
#include <costream/fs/write_stream.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = costream::fs;
using fs_test::fd_is_open;
using fs_test::temp_dir;

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
    // which must close the descriptor: the writer then sees the read end closed (POLLERR).
    int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(w >= 0);
    ::pollfd p{w, 0, 0};
    // The timeout only bounds a failure (the descriptor leaked: no event ever comes).
    const int n = ::poll(&p, 1, 20000);
    CHECK(n == 1);
    CHECK((p.revents & POLLERR) != 0);
    ::close(w);
}
