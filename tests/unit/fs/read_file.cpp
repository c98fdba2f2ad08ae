// read_file / read_file_sync against Node v20's readFile: a regular file larger than 2 GiB
// (kIoMaxLength, 2**31-1) fails with RangeError ERR_FS_FILE_TOO_LARGE before anything is
// read or allocated, in every variant (path, path with encoding, fd, async), and the
// descriptor read_file opened is closed; a regular file is read up to its size, with no
// read beyond it. The big files are sparse (ftruncate): no disk space, nothing read.
#include <costream/fs/async.hpp>

#include <costream/fs/fault_injection.hpp>
#include <costream/fs/sync.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = costream::fs;
using fs_test::open_fd_count;
using fs_test::temp_dir;

namespace {

/// "RangeError|CODE|what()" for a costream::range_error, "ok" when nothing was thrown.
std::string describe(std::exception_ptr p) {
    if (!p) return "ok";
    try {
        std::rethrow_exception(p);
    } catch (const costream::range_error& e) {
        return "RangeError|" + std::string(e.node_code()) + "|" + e.what();
    } catch (const std::exception& e) {
        return std::string("other: ") + e.what();
    }
}

template <class F>
std::string thrown(F&& f) {
    try {
        f();
        return "ok";
    } catch (...) {
        return describe(std::current_exception());
    }
}

/// A sparse file of `size` bytes (no blocks written).
std::string sparse_file(const temp_dir& dir, const std::string& name, std::uint64_t size) {
    const std::string p = dir / name;
    int fd = fs::open_sync(p, "w");
    fs::ftruncate_sync(fd, static_cast<std::int64_t>(size));
    fs::close_sync(fd);
    return p;
}

} // namespace

// node (v20.20.2), for each size 2**31, 2**31+1, 2**32, 2**32+1 (sparse files):
//   fs.readFileSync(p)                        -> RangeError ERR_FS_FILE_TOO_LARGE
//                                                "File size (2147483649) is greater than 2 GiB"
//   fs.readFileSync(fd)                       -> the same (fd left open)
//   fs.readFile(p, cb), fs.readFile(p, 'latin1', cb), fs.promises.readFile(p)
//                                             -> the same error, to the callback / rejection
//   (fs.readFileSync(p, 'utf8') instead reads it all and fails with ERR_STRING_TOO_LONG, V8's
//   string limit: see docs/fs.md)
TEST_CASE("read_file of a regular file above 2 GiB fails with ERR_FS_FILE_TOO_LARGE as Node, "
          "sync, async, by path and by fd, and closes its descriptor") {
    temp_dir dir;
    for (const std::uint64_t size : {(std::uint64_t{1} << 31), (std::uint64_t{1} << 31) + 1,
                                     (std::uint64_t{1} << 32), (std::uint64_t{1} << 32) + 1}) {
        CAPTURE(size);
        const std::string p = sparse_file(dir, "big", size);
        const std::string expected = "RangeError|ERR_FS_FILE_TOO_LARGE|RangeError "
                                     "[ERR_FS_FILE_TOO_LARGE]: File size (" +
                                     std::to_string(size) + ") is greater than 2 GiB";
        const std::size_t before = open_fd_count();

        CHECK(thrown([&] { fs::read_file_sync(p); }) == expected);
        CHECK(thrown([&] { fs::read_file_sync(p, costream::encoding::latin1); }) == expected);
        CHECK(thrown([&] { fs::read_file_sync(p, costream::encoding::utf8); }) == expected);
        CHECK(open_fd_count() == before);

        // By descriptor: the caller's descriptor stays open, at its position.
        int fd = fs::open_sync(p);
        CHECK(thrown([&] { fs::read_file_sync(fd); }) == expected);
        CHECK(fs_test::fd_is_open(fd));
        CHECK(::lseek(fd, 0, SEEK_CUR) == 0);
        fs::close_sync(fd);

        costream::loop l;
        std::vector<std::string> got;
        fs::read_file(p, [&](std::exception_ptr e, costream::buffer b) {
            CHECK(b.size() == 0);
            got.push_back(describe(e));
        });
        fs::read_file(p, costream::encoding::latin1,
                      [&](std::exception_ptr e, std::string) { got.push_back(describe(e)); });
        fs::read_file(p, [&](std::exception_ptr e, costream::buffer) {
            // Node's err.code, through the error_code that callbacks get.
            CHECK(costream::node_code(fs::error_code_of(e)) == "ERR_FS_FILE_TOO_LARGE");
            got.push_back("code");
        });
        l.run();
        // Three pool jobs: their completions come in any order.
        std::sort(got.begin(), got.end());
        CHECK(got == std::vector<std::string>{expected, expected, "code"});
        CHECK(open_fd_count() == before);
    }
}

// node (v20.20.2): a regular file is read until `size` bytes are in, with no read after that
// (fs.readFileSync: do { tryReadSync(size - pos) } while (bytesRead !== 0 && pos < size)).
TEST_CASE("read_file reads a regular file in reads up to its size, with no read past it") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "hello");
    {
        fs::fault_injection disk;
        CHECK(fs_test::raw(fs::read_file_sync(dir / "f")) == "hello");
        CHECK(disk.calls("read") == 1); // 5 of 5 bytes: done, as Node
    }
    {
        fs::fault_injection disk;
        disk.short_io("read", 2);
        CHECK(fs_test::raw(fs::read_file_sync(dir / "f")) == "hello");
        CHECK(disk.calls("read") == 3); // 2 + 2 + 1
    }
    // A file without a size (a pipe) is read until a read returns 0.
    int p[2];
    REQUIRE(::pipe(p) == 0);
    REQUIRE(::write(p[1], "abc", 3) == 3);
    ::close(p[1]);
    {
        fs::fault_injection disk;
        CHECK(fs_test::raw(fs::read_file_sync(p[0])) == "abc");
        CHECK(disk.calls("read") == 2);
    }
    ::close(p[0]);
}
