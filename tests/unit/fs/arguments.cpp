// Argument checks of costream::fs against Node v20: a wrong argument throws at once, on the
// caller's thread, with Node's code and message, before any system call (paths with NUL
// bytes, negative descriptors, read/write ranges, positions, modes), and copy_file onto
// the same file leaves it intact. Each case names the JS it was checked with and Node's
// output.
#include <costream/fs/async.hpp>

#include <costream/fs/read_stream.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/write_stream.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <cerrno>
#include <sys/ioctl.h>

namespace fs = costream::fs;
using fs_test::temp_dir;

namespace {

/// "TypeError|ERR_X|message" or "RangeError|ERR_X|message" for what f() threw, "ok" if it
/// returned; other exceptions are described as "other: what()".
template <class F>
std::string thrown(F&& f) {
    try {
        f();
        return "ok";
    } catch (const costream::type_error& e) {
        std::string w = e.what();
        return "TypeError|" + std::string(e.node_code()) + "|" + w.substr(w.find("]: ") + 3);
    } catch (const costream::range_error& e) {
        std::string w = e.what();
        return "RangeError|" + std::string(e.node_code()) + "|" + w.substr(w.find("]: ") + 3);
    } catch (const std::exception& e) {
        return std::string("other: ") + e.what();
    }
}

/// A callback token that records that it ran (it must not, when the call threw).
struct never_called {
    bool* ran;
    template <class... A>
    void operator()(A&&...) const {
        *ran = true;
    }
};

} // namespace

// node (v20.20.2):
//   fs.openSync('/tmp/audit/f.txt\0x', 'r')
//   -> TypeError ERR_INVALID_ARG_VALUE The argument 'path' must be a string, Uint8Array, or
//      URL without null bytes. Received '/tmp/audit/f.txt\x00x'
//   the same, thrown at once, from fs.open, fs.readFile, fs.readFileSync, fs.statSync,
//   fs.writeFileSync, fs.rmSync, fs.createReadStream, fs.createWriteStream;
//   fs.renameSync('a', 'b\0')        -> The argument 'newPath' ... Received 'b\x00'
//   fs.copyFileSync(f, '/tmp/audit/g\0') -> The argument 'dest' ...
//   fs.mkdtempSync('/tmp/x\0')        -> The argument 'prefix' ...
//   fs.existsSync('/tmp/audit/f.txt\0') -> false
TEST_CASE("a path with a NUL byte throws ERR_INVALID_ARG_VALUE at once and touches no file") {
    temp_dir dir;
    const std::string f = dir / "f";
    fs::write_file_sync(f, "hello");
    const std::string bad = f + std::string(1, '\0') + "x"; // the OS would see plain f
    const std::string msg = "TypeError|ERR_INVALID_ARG_VALUE|The argument 'path' must be a "
                            "string, Uint8Array, or URL without null bytes. Received '" +
                            f + "\\x00x'";
    const std::vector<std::function<void()>> sync_calls = {
        [&] { fs::open_sync(bad, "r"); },
        [&] { fs::read_file_sync(bad); },
        [&] { fs::write_file_sync(bad, "clobbered"); },
        [&] { fs::append_file_sync(bad, "clobbered"); },
        [&] { fs::stat_sync(bad); },
        [&] { fs::lstat_sync(bad); },
        [&] { fs::unlink_sync(bad); },
        [&] { fs::rm_sync(bad, {.force = true}); },
        [&] { fs::access_sync(bad); },
        [&] { fs::readdir_sync(bad); },
        [&] { fs::readdir_entries_sync(bad); },
        [&] { fs::rmdir_sync(bad); },
        [&] { fs::mkdir_sync(bad); },
        [&] { fs::create_read_stream(bad); },
        [&] { fs::create_write_stream(bad); },
    };
    for (std::size_t i = 0; i < sync_calls.size(); ++i) {
        CAPTURE(i);
        CHECK(thrown(sync_calls[i]) == msg);
    }
    costream::loop l;
    bool ran = false;
    never_called cb{&ran};
    const std::vector<std::function<void()>> async_calls = {
        [&] { fs::open(bad, "r", cb); },
        [&] { fs::read_file(bad, cb); },
        [&] { fs::read_file(bad, costream::encoding::utf8, cb); },
        [&] { fs::write_file(bad, "clobbered", cb); },
        [&] { fs::append_file(bad, "clobbered", cb); },
        [&] { fs::stat(bad, cb); },
        [&] { fs::lstat(bad, cb); },
        [&] { fs::unlink(bad, cb); },
        [&] { fs::rm(bad, {.force = true}, cb); },
        [&] { fs::access(bad, cb); },
        [&] { fs::readdir(bad, cb); },
        [&] { fs::readdir_entries(bad, cb); },
        [&] { fs::rmdir(bad, cb); },
        [&] { fs::mkdir(bad, cb); },
    };
    for (std::size_t i = 0; i < async_calls.size(); ++i) {
        CAPTURE(i);
        CHECK(thrown(async_calls[i]) == msg);
    }
    l.run();
    CHECK_FALSE(ran);

    auto named = [&](const char* name, const std::string& shown) {
        return std::string("TypeError|ERR_INVALID_ARG_VALUE|The argument '") + name +
               "' must be a string, Uint8Array, or URL without null bytes. Received " + shown;
    };
    CHECK(thrown([&] { fs::rename_sync(f, dir / "g" + std::string(1, '\0')); }) ==
          named("newPath", "'" + dir.path + "/g\\x00'"));
    CHECK(thrown([&] { fs::rename_sync(bad, dir / "g"); }) ==
          named("oldPath", "'" + f + "\\x00x'"));
    CHECK(thrown([&] { fs::copy_file_sync(f, dir / "g" + std::string(1, '\0')); }) ==
          named("dest", "'" + dir.path + "/g\\x00'"));
    CHECK(thrown([&] { fs::copy_file_sync(bad, dir / "g"); }) == named("src", "'" + f + "\\x00x'"));
    CHECK(thrown([&] { fs::mkdtemp_sync(dir / "t" + std::string(1, '\0')); }) ==
          named("prefix", "'" + dir.path + "/t\\x00'"));
    CHECK(thrown([&] { fs::rename(f, dir / "g" + std::string(1, '\0'), cb); }) ==
          named("newPath", "'" + dir.path + "/g\\x00'"));
    CHECK(thrown([&] { fs::copy_file(f, dir / "g" + std::string(1, '\0'), cb); }) ==
          named("dest", "'" + dir.path + "/g\\x00'"));
    CHECK(thrown([&] { fs::mkdtemp(dir / "t" + std::string(1, '\0'), cb); }) ==
          named("prefix", "'" + dir.path + "/t\\x00'"));
    // util.inspect's quoting: double quotes around a text with a single quote.
    CHECK(thrown([&] { fs::stat_sync(std::string("it's\0", 5)); }) ==
          named("path", "\"it's\\x00\""));
    CHECK_FALSE(fs::exists_sync(bad));
    l.run();
    CHECK_FALSE(ran);

    // Nothing was created, removed or overwritten.
    CHECK(fs::readdir_sync(dir.path) == std::vector<std::string>{"f"});
    CHECK(fs::read_file_sync(f, costream::encoding::utf8) == "hello");
}

// node:
//   fs.closeSync(-1) / fs.fstatSync(-1) / fs.fsyncSync(-1) / fs.readSync(-1, b, 0, 4, 0) /
//   fs.close(-1, cb) / fs.read(-1, b, 0, 4, 0, cb) / fs.createReadStream(null, {fd: -1}) /
//   fs.createWriteStream(null, {fd: -1})
//   -> RangeError ERR_OUT_OF_RANGE The value of "fd" is out of range. It must be >= 0 &&
//      <= 2147483647. Received -1   (thrown at once; the callback never runs)
TEST_CASE("a negative descriptor throws ERR_OUT_OF_RANGE at once, sync, async and streams") {
    const std::string msg = "RangeError|ERR_OUT_OF_RANGE|The value of \"fd\" is out of range. It "
                            "must be >= 0 && <= 2147483647. Received -1";
    costream::buffer b = costream::buffer::alloc(4);
    costream::loop l;
    bool ran = false;
    never_called cb{&ran};
    const std::vector<std::function<void()>> calls = {
        [&] { fs::close_sync(-1); },
        [&] { fs::fstat_sync(-1); },
        [&] { fs::fsync_sync(-1); },
        [&] { fs::ftruncate_sync(-1); },
        [&] { fs::read_file_sync(-1); },
        [&] { fs::read_sync(-1, b, 0, 4, 0); },
        [&] { fs::write_sync(-1, b); },
        [&] { fs::write_sync(-1, "x"); },
        [&] { fs::close(-1, cb); },
        [&] { fs::fstat(-1, cb); },
        [&] { fs::fsync(-1, cb); },
        [&] { fs::read(-1, b, 0, 4, 0, cb); },
        [&] { fs::write(-1, b, cb); },
        [&] { fs::create_read_stream("", {.fd = -1}); },
        [&] { fs::create_write_stream("", {.fd = -1}); },
    };
    for (std::size_t i = 0; i < calls.size(); ++i) {
        CAPTURE(i);
        CHECK(thrown(calls[i]) == msg);
    }
    l.run();
    CHECK_FALSE(ran);
}

// node:
//   fs.readSync(999, Buffer.alloc(4), 0, 0, 0)     -> 0 (no system call: no EBADF)
//   fs.readSync(fd, Buffer.alloc(0), 0, 1, 0)      -> TypeError ERR_INVALID_ARG_VALUE The
//      argument 'buffer' is empty and cannot be written. Received <Buffer >
//   fs.readSync(fd, Buffer.alloc(4), 0, 10, 0)     -> RangeError ERR_OUT_OF_RANGE The value of
//      "length" is out of range. It must be <= 4. Received 10
//   fs.readSync(fd, Buffer.alloc(4), 10, 1, 0)     -> ... "length" ... It must be <= -6.
//      Received 1
//   fs.readSync(fd, Buffer.alloc(4), 0, 4, -1)     -> 4 (the file position)
//   fs.readSync(fd, Buffer.alloc(4), 0, 4, -2)     -> RangeError ERR_OUT_OF_RANGE The value of
//      "position" is out of range. It must be >= -1 && <= 9007199254740991. Received -2
//   fs.readSync(fd, Buffer.alloc(4), 0, 4, 2**53)  -> ... Received 9_007_199_254_740_992
//   fs.read(fd, Buffer.alloc(4), 0, 10, 0, cb)     -> the same RangeError, thrown at once
TEST_CASE("read and read_sync check length, buffer, offset and position as Node, in its order") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "hello world");
    int fd = fs::open_sync(dir / "f");
    costream::buffer b = costream::buffer::alloc(4);
    costream::buffer empty;
    CHECK(fs::read_sync(999, b, 0, 0, 0) == 0);
    CHECK(thrown([&] { fs::read_sync(fd, empty, 0, 1, 0); }) ==
          "TypeError|ERR_INVALID_ARG_VALUE|The argument 'buffer' is empty and cannot be written. "
          "Received <Buffer >");
    CHECK(thrown([&] { fs::read_sync(fd, b, 0, 10, 0); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"length\" is out of range. It must be <= 4. "
          "Received 10");
    CHECK(thrown([&] { fs::read_sync(fd, b, 10, 1, 0); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"length\" is out of range. It must be <= -6. "
          "Received 1");
    CHECK(fs::read_sync(fd, b, 0, 4, -1) == 4);
    CHECK(b.to_string() == "hell");
    CHECK(thrown([&] { fs::read_sync(fd, b, 0, 4, -2); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"position\" is out of range. It must be >= "
          "-1 && <= 9007199254740991. Received -2");
    CHECK(thrown([&] { fs::read_sync(fd, b, 0, 4, 9007199254740992); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"position\" is out of range. It must be >= "
          "-1 && <= 9007199254740991. Received 9_007_199_254_740_992");
    costream::loop l;
    bool ran = false;
    CHECK(thrown([&] { fs::read(fd, b, 0, 10, 0, never_called{&ran}); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"length\" is out of range. It must be <= 4. "
          "Received 10");
    CHECK(thrown([&] { fs::read(fd, b, 0, 4, -5, never_called{&ran}); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"position\" is out of range. It must be >= "
          "-1 && <= 9007199254740991. Received -5");
    l.run();
    CHECK_FALSE(ran);
    fs::close_sync(fd);
}

// node:
//   fs.writeSync(fd, Buffer.alloc(4), 0, 10, 0) -> RangeError ERR_OUT_OF_RANGE The value of
//      "length" is out of range. It must be <= 4. Received 10
//   fs.writeSync(fd, Buffer.alloc(4), 10, 1, 0) -> RangeError ERR_OUT_OF_RANGE The value of
//      "offset" is out of range. It must be <= 4. Received 10
//   fs.writeSync(fd, Buffer.alloc(4), 4, 0, 0)  -> 0
TEST_CASE("write_sync reports a bad offset or length with Node's whole message") {
    temp_dir dir;
    int fd = fs::open_sync(dir / "f", "w");
    costream::buffer b = costream::buffer::alloc(4);
    CHECK(thrown([&] { fs::write_sync(fd, b, 0, 10, 0); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"length\" is out of range. It must be <= 4. "
          "Received 10");
    CHECK(thrown([&] { fs::write_sync(fd, b, 10, 1, 0); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"offset\" is out of range. It must be <= 4. "
          "Received 10");
    CHECK(fs::write_sync(fd, b, 4, 0, 0) == 0);
    fs::close_sync(fd);
    CHECK(fs::stat_sync(dir / "f").size == 0);
}

// node (v20.20.2), fs.writeSync with a string: validateEncoding after the fd check, and an
// unknown encoding name writes the text as utf8:
//   fs.writeSync(-1, 'abc', null, 'hex') -> RangeError ERR_OUT_OF_RANGE The value of "fd" is
//      out of range. It must be >= 0 && <= 2147483647. Received -1
//   fs.writeSync(fd, 'abc', null, 'hex') -> TypeError ERR_INVALID_ARG_VALUE The argument
//      'encoding' is invalid for data of length 3. Received 'hex'
//   fs.writeSync(fd, 'abc', null, 'HEX') -> ... length 3. Received 'HEX'
//   fs.writeSync(fd, '\u00e9', null, 'hex') -> ... length 1. Received 'hex'
//   fs.writeSync(fd, 'a\u{1F600}', null, 'hex') -> ... length 3. Received 'hex'
//   fs.writeSync(fd, '\u{1F600}', null, 'hex') -> 0
//   fs.writeSync(fd, 'abcd', null, 'hex') -> 2 (file: abcd)
//   fs.writeSync(fd, 'abc', null, 'nope') -> 3
TEST_CASE("write_sync of text checks odd-length hex and reads an unknown encoding as utf8, as "
          "Node") {
    temp_dir dir;
    int fd = fs::open_sync(dir / "f", "w");
    auto odd = [](int length, const char* spelled) {
        return "TypeError|ERR_INVALID_ARG_VALUE|The argument 'encoding' is invalid for data of "
               "length " +
               std::to_string(length) + ". Received '" + spelled + "'";
    };
    CHECK(thrown([&] { fs::write_sync(-1, "abc", std::nullopt, "hex"); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"fd\" is out of range. It must be >= 0 && "
          "<= 2147483647. Received -1");
    CHECK(thrown([&] { fs::write_sync(fd, "abc", std::nullopt, "hex"); }) == odd(3, "hex"));
    CHECK(thrown([&] { fs::write_sync(fd, "abc", std::nullopt, "HEX"); }) == odd(3, "HEX"));
    CHECK(thrown([&] { fs::write_sync(fd, "abc", 0, std::string("hEx")); }) == odd(3, "hEx"));
    CHECK(thrown([&] { fs::write_sync(fd, "abc", 0, costream::encoding::hex); }) == odd(3, "hex"));
    CHECK(thrown([&] { fs::write_sync(fd, "\u00e9", std::nullopt, "hex"); }) == odd(1, "hex"));
    CHECK(thrown([&] { fs::write_sync(fd, "a\U0001F600", std::nullopt, "hex"); }) == odd(3, "hex"));
    CHECK(fs::stat_sync(dir / "f").size == 0); // nothing written by the failed calls
    CHECK(fs::write_sync(fd, "\U0001F600", std::nullopt, "hex") == 0);
    CHECK(fs::write_sync(fd, "abcd", std::nullopt, "hex") == 2);
    CHECK(fs::write_sync(fd, "abc", std::nullopt, "nope") == 3);
    fs::close_sync(fd);
    CHECK(fs::read_file_sync(dir / "f").to_string("hex") == "abcd616263");
}

// node:
//   fs.ftruncateSync(fd, -5); fs.fstatSync(fd).size -> 0 (len = MathMax(0, len))
//   fs.ftruncateSync(fd, 2**53) -> RangeError ERR_OUT_OF_RANGE The value of "len" is out of
//      range. It must be >= -9007199254740991 && <= 9007199254740991. Received
//      9_007_199_254_740_992
TEST_CASE("ftruncate_sync with a negative length truncates to zero, as Node") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "hello world");
    int fd = fs::open_sync(dir / "f", "r+");
    fs::ftruncate_sync(fd, -5);
    CHECK(fs::fstat_sync(fd).size == 0);
    CHECK(thrown([&] { fs::ftruncate_sync(fd, 9007199254740992); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"len\" is out of range. It must be >= "
          "-9007199254740991 && <= 9007199254740991. Received 9_007_199_254_740_992");
    fs::close_sync(fd);
}

// node:
//   fs.copyFileSync(f, f)                -> ok, f still 'hello world'
//   fs.copyFile(f, f, cb)                -> cb(null), f still 'hello world'
//   fs.copyFileSync(f, f, COPYFILE_EXCL) -> EEXIST (tested in functions.cpp)
TEST_CASE("copy_file of a file onto itself (or a link to it) succeeds and keeps its bytes") {
    temp_dir dir;
    const std::string f = dir / "f";
    const costream::buffer data = fs_test::random_bytes(300000, 7);
    fs::write_file_sync(f, data);
    fs::copy_file_sync(f, f);
    CHECK(fs::read_file_sync(f).equals(data));
    REQUIRE(::symlink(f.c_str(), (dir / "link").c_str()) == 0);
    fs::copy_file_sync(f, dir / "link");
    CHECK(fs::read_file_sync(f).equals(data));
    costream::loop l;
    std::string out = "never completed";
    fs::copy_file(f, f, [&](std::exception_ptr e) { out = e ? "error" : "ok"; });
    l.run();
    CHECK(out == "ok");
    CHECK(fs::read_file_sync(f).equals(data));
    // A real copy over a longer file still truncates it.
    fs::write_file_sync(dir / "long", fs_test::random_bytes(400000, 8));
    fs::copy_file_sync(f, dir / "long");
    CHECK(fs::read_file_sync(dir / "long").equals(data));
}

// node:
//   fs.accessSync(f, 8) / fs.accessSync(f, -1) / fs.copyFileSync(f, g, 8)
//   -> RangeError ERR_OUT_OF_RANGE mode is out of range: >= 0 && <= 7
TEST_CASE("access and copy_file reject mode bits outside 0..7 with ERR_OUT_OF_RANGE") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "x");
    const std::string msg = "RangeError|ERR_OUT_OF_RANGE|mode is out of range: >= 0 && <= 7";
    CHECK(thrown([&] { fs::access_sync(dir / "f", 8); }) == msg);
    CHECK(thrown([&] { fs::access_sync(dir / "f", -1); }) == msg);
    CHECK(thrown([&] { fs::copy_file_sync(dir / "f", dir / "g", 8); }) == msg);
    costream::loop l;
    bool ran = false;
    CHECK(thrown([&] { fs::access(dir / "f", 8, never_called{&ran}); }) == msg);
    CHECK(thrown([&] { fs::copy_file(dir / "f", dir / "g", 8, never_called{&ran}); }) == msg);
    l.run();
    CHECK_FALSE(ran);
    CHECK_FALSE(fs::exists_sync(dir / "g"));
}

// node:
//   fs.createWriteStream(p, {start: 2**53}) -> RangeError ERR_OUT_OF_RANGE The value of
//      "start" is out of range. It must be >= 0 && <= 9007199254740991. Received
//      9_007_199_254_740_992
//   fs.createReadStream(p, {end: 2**53})    -> ... "end" ... Received 9_007_199_254_740_992
TEST_CASE("stream start and end beyond 2**53-1 throw ERR_OUT_OF_RANGE with Node's digits") {
    temp_dir dir;
    CHECK(thrown([&] { fs::create_write_stream(dir / "w", {.start = 9007199254740992}); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"start\" is out of range. It must be >= 0 "
          "&& <= 9007199254740991. Received 9_007_199_254_740_992");
    CHECK(thrown([&] { fs::create_read_stream(dir / "w", {.end = 9007199254740992}); }) ==
          "RangeError|ERR_OUT_OF_RANGE|The value of \"end\" is out of range. It must be >= 0 "
          "&& <= 9007199254740991. Received 9_007_199_254_740_992");
    costream::loop l;
    l.run();
    CHECK_FALSE(fs::exists_sync(dir / "w"));
}

// node (ext4, no reflink):
//   fs.copyFileSync(f, g, fs.constants.COPYFILE_FICLONE)       -> ok, g is a copy
//   fs.copyFileSync(f, g, fs.constants.COPYFILE_FICLONE_FORCE) -> Error ENOTSUP copyfile -95
//      ENOTSUP: operation not supported on socket, copyfile 'f' -> 'g'
//   the same with an existing g ('existing') -> ENOTSUP, and fs.existsSync(g) -> false
//      (libuv removes the destination of a failed copy)
TEST_CASE("copy_file with ficlone_force clones or fails like Node, removing the destination") {
    temp_dir dir;
    const std::string f = dir / "f", g = dir / "g";
    fs::write_file_sync(f, "hello");
    fs::copy_file_sync(f, g, fs::constants::copyfile_ficlone);
    CHECK(fs::read_file_sync(g, costream::encoding::utf8) == "hello");
    fs::write_file_sync(g, "existing");
    // What the file system here does with FICLONE (linux/fs.h: _IOW(0x94, 9, int)) decides
    // Node's result too.
    int probe_in = fs::open_sync(f), probe_out = fs::open_sync(dir / "probe", "w");
    const int clone_errno = ::ioctl(probe_out, _IOW(0x94, 9, int), probe_in) == 0 ? 0 : errno;
    fs::close_sync(probe_in);
    fs::close_sync(probe_out);
    std::string got = "ok";
    try {
        fs::copy_file_sync(f, g, fs::constants::copyfile_ficlone_force);
    } catch (const fs::error& e) {
        got = std::string(e.node_code()) + "|" + std::string(e.syscall()) + "|" +
              std::to_string(e.errno_value());
        CHECK(e.path() == f);
        CHECK(e.dest() == g);
    }
    if (clone_errno == 0) {
        CHECK(got == "ok");
        CHECK(fs::read_file_sync(g, costream::encoding::utf8) == "hello");
    } else {
        MESSAGE("no copy-on-write clones here: errno " << clone_errno);
        CHECK(got == std::string(costream::node_code(fs::detail::errno_code(clone_errno))) +
                         "|copyfile|" + std::to_string(-clone_errno));
        CHECK_FALSE(fs::exists_sync(g)); // removed, as libuv does
        CHECK(fs::read_file_sync(f, costream::encoding::utf8) == "hello");
    }
}

// node:
//   fs.statSync('a'.repeat(200) + '\0')  -> ... Received 'aaa…a... (util.inspect's text cut
//      after 128 UTF-16 units, '...' appended: 127 a's after the quote)
//   fs.statSync('a\\b\x85\0')            -> ... Received 'a\\b\x85\x00'
//   fs.statSync('x'.repeat(120) + '\x01\x02\0') -> ... Received 'xxx…x\x01\x0...
//   fs.statSync('é'.repeat(70) + '\0')    -> ... Received 'éé…é\x00'  (70 units, not 140)
TEST_CASE("the path in ERR_INVALID_ARG_VALUE is quoted, escaped and cut as util.inspect does") {
    auto received = [](const std::string& path) {
        std::string m = thrown([&] { fs::stat_sync(path); });
        return m.substr(m.find("Received ") + 9);
    };
    const std::string nul(1, '\0');
    CHECK(received(std::string(200, 'a') + nul) == "'" + std::string(127, 'a') + "...");
    CHECK(received("a\\b\xC2\x85" + nul) == "'a\\\\b\\x85\\x00'");
    CHECK(received(std::string(120, 'x') + "\x01\x02" + nul) ==
          "'" + std::string(120, 'x') + "\\x01\\x0...");
    std::string e70;
    for (int i = 0; i < 70; ++i)
        e70 += "\xC3\xA9";
    CHECK(received(e70 + nul) == "'" + e70 + "\\x00'");
}
