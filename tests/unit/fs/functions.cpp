// The fs functions, each async function against its *_sync twin: results on real files in
// a temp dir, and errors (code, syscall, path, dest, errno, message) equal to Node v20's.
#include <costream/fs/async.hpp>

#include <costream/fs/fault_injection.hpp>
#include <costream/fs/read_stream.hpp>
#include <costream/fs/sync.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = costream::fs;
using fs_test::raw;
using fs_test::temp_dir;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
        s.replace(p, from.size(), to);
    return s;
}

/// The line the Node script printed for an error: code|syscall|path|dest|errno|message,
/// with the temp dir replaced by D.
std::string describe(const fs::error& e, const std::string& dir) {
    return std::string(e.node_code()) + "|" + std::string(e.syscall()) + "|" +
           replace_all(e.path(), dir, "D") + "|" + replace_all(e.dest(), dir, "D") + "|" +
           std::to_string(e.errno_value()) + "|" + replace_all(e.what(), dir, "D");
}

std::string describe(std::exception_ptr p, const std::string& dir) {
    if (!p) return "ok";
    try {
        std::rethrow_exception(p);
    } catch (const fs::error& e) {
        return describe(e, dir);
    } catch (const std::exception& e) {
        return std::string("other: ") + e.what();
    }
}

/// Runs an async operation (given a callback token) on a fresh loop and describes how it
/// completed; also checks that the completion did not run inside the initiating call.
template <class Start>
std::string run_async(const std::string& dir, Start start) {
    costream::loop l;
    std::string out = "never completed";
    bool returned = false;
    start([&](std::exception_ptr e, auto&&...) {
        CHECK(returned); // never inside the initiating call
        out = describe(e, dir);
    });
    returned = true;
    l.run();
    return out;
}

template <class F>
std::string run_sync(const std::string& dir, F f) {
    try {
        f();
        return "ok";
    } catch (const fs::error& e) {
        return describe(e, dir);
    }
}

} // namespace

TEST_CASE(
    "errors of every function and of its sync twin equal Node's code, syscall, path, message") {
    temp_dir dir;
    const std::string d = dir.path;
    fs::write_file_sync(dir / "f", "hello");
    fs::mkdir_sync(dir / "dir");
    struct row {
        std::function<void()> sync;
        std::function<std::string()> async;
        const char* node; // recorded from node v20.20.2 running the same calls
    };
    auto A = [&](auto start) { return [&d, start] { return run_async(d, start); }; };
    std::vector<row> rows = {
        {[&] { fs::read_file_sync(d + "/none"); },
         A([&](auto h) { fs::read_file(d + "/none", h); }),
         "ENOENT|open|D/none||-2|ENOENT: no such file or directory, open 'D/none'"},
        {[&] { fs::read_file_sync(d + "/dir"); }, A([&](auto h) { fs::read_file(d + "/dir", h); }),
         "EISDIR|read|||-21|EISDIR: illegal operation on a directory, read"},
        {[&] { fs::write_file_sync(d + "/dir", "x"); },
         A([&](auto h) { fs::write_file(d + "/dir", "x", h); }),
         "EISDIR|open|D/dir||-21|EISDIR: illegal operation on a directory, open 'D/dir'"},
        {[&] { fs::write_file_sync(d + "/none/x", "x"); },
         A([&](auto h) { fs::write_file(d + "/none/x", "x", h); }),
         "ENOENT|open|D/none/x||-2|ENOENT: no such file or directory, open 'D/none/x'"},
        {[&] { fs::append_file_sync(d + "/dir", "x"); },
         A([&](auto h) { fs::append_file(d + "/dir", "x", h); }),
         "EISDIR|open|D/dir||-21|EISDIR: illegal operation on a directory, open 'D/dir'"},
        {[&] { fs::open_sync(d + "/f", "wx"); }, A([&](auto h) { fs::open(d + "/f", "wx", h); }),
         "EEXIST|open|D/f||-17|EEXIST: file already exists, open 'D/f'"},
        {[&] { fs::stat_sync(d + "/none"); }, A([&](auto h) { fs::stat(d + "/none", h); }),
         "ENOENT|stat|D/none||-2|ENOENT: no such file or directory, stat 'D/none'"},
        {[&] { fs::lstat_sync(d + "/f/x"); }, A([&](auto h) { fs::lstat(d + "/f/x", h); }),
         "ENOTDIR|lstat|D/f/x||-20|ENOTDIR: not a directory, lstat 'D/f/x'"},
        {[&] { fs::unlink_sync(d + "/none"); }, A([&](auto h) { fs::unlink(d + "/none", h); }),
         "ENOENT|unlink|D/none||-2|ENOENT: no such file or directory, unlink 'D/none'"},
        {[&] { fs::unlink_sync(d + "/dir"); }, A([&](auto h) { fs::unlink(d + "/dir", h); }),
         "EISDIR|unlink|D/dir||-21|EISDIR: illegal operation on a directory, unlink 'D/dir'"},
        {[&] { fs::rename_sync(d + "/none", d + "/x"); },
         A([&](auto h) { fs::rename(d + "/none", d + "/x", h); }),
         "ENOENT|rename|D/none|D/x|-2|ENOENT: no such file or directory, rename 'D/none' -> "
         "'D/x'"},
        {[&] { fs::rename_sync(d + "/dir", d + "/f"); },
         A([&](auto h) { fs::rename(d + "/dir", d + "/f", h); }),
         "ENOTDIR|rename|D/dir|D/f|-20|ENOTDIR: not a directory, rename 'D/dir' -> 'D/f'"},
        {[&] { fs::mkdir_sync(d + "/dir"); }, A([&](auto h) { fs::mkdir(d + "/dir", h); }),
         "EEXIST|mkdir|D/dir||-17|EEXIST: file already exists, mkdir 'D/dir'"},
        {[&] { fs::mkdir_sync(d + "/f/x", {.recursive = true}); },
         A([&](auto h) { fs::mkdir(d + "/f/x", {.recursive = true}, h); }),
         "ENOTDIR|mkdir|D/f/x||-20|ENOTDIR: not a directory, mkdir 'D/f/x'"},
        {[&] { fs::mkdir_sync(d + "/f", {.recursive = true}); },
         A([&](auto h) { fs::mkdir(d + "/f", {.recursive = true}, h); }),
         "EEXIST|mkdir|D/f||-17|EEXIST: file already exists, mkdir 'D/f'"},
        {[&] { fs::readdir_sync(d + "/f"); }, A([&](auto h) { fs::readdir(d + "/f", h); }),
         "ENOTDIR|scandir|D/f||-20|ENOTDIR: not a directory, scandir 'D/f'"},
        {[&] { fs::rm_sync(d + "/none"); }, A([&](auto h) { fs::rm(d + "/none", h); }),
         "ENOENT|lstat|D/none||-2|ENOENT: no such file or directory, lstat 'D/none'"},
        {[&] { fs::rm_sync(d + "/dir"); }, A([&](auto h) { fs::rm(d + "/dir", h); }),
         "ERR_FS_EISDIR|rm|D/dir||21|Path is a directory: rm returned EISDIR (is a directory) "
         "D/dir"},
        {[&] { fs::rmdir_sync(d + "/f"); }, A([&](auto h) { fs::rmdir(d + "/f", h); }),
         "ENOTDIR|rmdir|D/f||-20|ENOTDIR: not a directory, rmdir 'D/f'"},
        {[&] { fs::mkdtemp_sync(d + "/none/p-"); },
         A([&](auto h) { fs::mkdtemp(d + "/none/p-", h); }),
         "ENOENT|mkdtemp|D/none/p-XXXXXX||-2|ENOENT: no such file or directory, mkdtemp "
         "'D/none/p-XXXXXX'"},
        {[&] { fs::copy_file_sync(d + "/none", d + "/c"); },
         A([&](auto h) { fs::copy_file(d + "/none", d + "/c", h); }),
         "ENOENT|copyfile|D/none|D/c|-2|ENOENT: no such file or directory, copyfile 'D/none' -> "
         "'D/c'"},
        {[&] { fs::copy_file_sync(d + "/f", d + "/dir"); },
         A([&](auto h) { fs::copy_file(d + "/f", d + "/dir", h); }),
         "EISDIR|copyfile|D/f|D/dir|-21|EISDIR: illegal operation on a directory, copyfile 'D/f' "
         "-> 'D/dir'"},
        {[&] { fs::copy_file_sync(d + "/f", d + "/f", fs::constants::copyfile_excl); },
         A([&](auto h) { fs::copy_file(d + "/f", d + "/f", fs::constants::copyfile_excl, h); }),
         "EEXIST|copyfile|D/f|D/f|-17|EEXIST: file already exists, copyfile 'D/f' -> 'D/f'"},
        {[&] { fs::access_sync(d + "/none"); }, A([&](auto h) { fs::access(d + "/none", h); }),
         "ENOENT|access|D/none||-2|ENOENT: no such file or directory, access 'D/none'"},
        {[&] { fs::close_sync(12345); }, A([&](auto h) { fs::close(12345, h); }),
         "EBADF|close|||-9|EBADF: bad file descriptor, close"},
        {[&] { fs::fstat_sync(12345); }, A([&](auto h) { fs::fstat(12345, h); }),
         "EBADF|fstat|||-9|EBADF: bad file descriptor, fstat"},
        {[&] { fs::write_sync(12345, "x"); }, A([&](auto h) { fs::write(12345, "x", h); }),
         "EBADF|write|||-9|EBADF: bad file descriptor, write"},
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CAPTURE(i);
        CHECK(run_sync(d, rows[i].sync) == rows[i].node);
        CHECK(rows[i].async() == rows[i].node);
    }
    // Nothing above changed the directory.
    CHECK(fs::readdir_sync(d) == std::vector<std::string>{"dir", "f"});
}

TEST_CASE("read_file and write_file round-trip random sizes, sync and async alike") {
    temp_dir dir;
    fs_test::rng g(7);
    for (std::size_t size : {std::size_t(0), std::size_t(1), std::size_t(4096), std::size_t(65537),
                             std::size_t(2 * 1024 * 1024 + 5), g.below(300000)}) {
        auto bytes = fs_test::random_bytes(size, size);
        CAPTURE(size);
        fs::write_file_sync(dir / "s", bytes);
        CHECK(raw(fs::read_file_sync(dir / "s")) == raw(bytes));
        costream::loop l;
        std::string got;
        bool ok = false;
        // A named closure: its captures must outlive the coroutine.
        auto task = [&]() -> costream::promise<void> {
            co_await fs::write_file(dir / "a", bytes);
            costream::buffer b = co_await fs::read_file(dir / "a");
            got = raw(b);
            ok = true;
        };
        task();
        l.run();
        CHECK(ok);
        CHECK(got == raw(bytes));
        CHECK(raw(fs::read_file_sync(dir / "a")) == raw(fs::read_file_sync(dir / "s")));
    }
}

TEST_CASE("read_file with an encoding gives text, append_file appends, flags are honoured") {
    temp_dir dir;
    costream::loop l;
    std::string text, hex;
    // A named closure: its captures must outlive the coroutine.
    auto task = [&]() -> costream::promise<void> {
        co_await fs::write_file(dir / "t", "h\xc3\xa9");
        co_await fs::append_file(dir / "t", "llo");
        text = co_await fs::read_file(dir / "t", costream::encoding::utf8);
        hex = co_await fs::read_file(dir / "t", costream::encoding::hex);
    };
    task();
    l.run();
    CHECK(text == "h\xc3\xa9llo");
    CHECK(hex == "68c3a96c6c6f");
    CHECK(fs::read_file_sync(dir / "t", costream::encoding::base64) == "aMOpbGxv");
    fs::append_file_sync(dir / "t", "!");
    CHECK(fs::read_file_sync(dir / "t", costream::encoding::utf8) == "h\xc3\xa9llo!");
    // flag 'wx' refuses an existing file; flag 'a' in write_file appends
    CHECK_THROWS_AS(fs::write_file_sync(dir / "t", "x", {.flag = "wx"}), fs::error);
    fs::write_file_sync(dir / "t", "?", {.flag = "a"});
    CHECK(fs::read_file_sync(dir / "t", costream::encoding::utf8) == "h\xc3\xa9llo!?");
    CHECK_THROWS_AS(fs::read_file_sync(dir / "t", {.flag = "zz"}), costream::type_error);
}

TEST_CASE("open, write, read at positions, fstat and close work on descriptors") {
    temp_dir dir;
    costream::loop l;
    std::string got;
    std::size_t wrote = 0, n = 0;
    fs::stats st;
    // A named closure: its captures must outlive the coroutine.
    auto task = [&]() -> costream::promise<void> {
        int fd = co_await fs::open(dir / "d", "w+");
        wrote = co_await fs::write(fd, costream::buffer::from("0123456789"));
        co_await fs::write(fd, costream::buffer::from("AB"), std::optional<std::int64_t>(4));
        costream::buffer b = costream::buffer::alloc(6);
        n = co_await fs::read(fd, b, 1, 5, std::optional<std::int64_t>(2));
        got = raw(b);
        st = co_await fs::fstat(fd);
        co_await fs::fsync(fd);
        co_await fs::close(fd);
    };
    task();
    l.run();
    CHECK(wrote == 10);
    CHECK(n == 5);
    CHECK(got == std::string("\0"
                             "23AB6",
                             6));
    CHECK(st.size == 10);
    CHECK(st.is_file());
    // the sync twins
    int fd = fs::open_sync(dir / "d", "r");
    costream::buffer b = costream::buffer::alloc(4);
    CHECK(fs::read_sync(fd, b, 0, 4, 6) == 4);
    CHECK(raw(b) == "6789");
    CHECK(fs::read_sync(fd, b) == 4); // from the file position (0)
    CHECK(raw(b) == "0123");
    CHECK(fs::fstat_sync(fd).size == 10);
    CHECK_THROWS_AS(fs::read_sync(fd, b, 2, 3), costream::range_error);
    fs::close_sync(fd);
    CHECK_THROWS_AS(fs::close_sync(fd), fs::error);
}

TEST_CASE("stat, lstat and fstat report Node's fields and file types") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "12345");
    REQUIRE(::symlink((dir / "f").c_str(), (dir / "l").c_str()) == 0);
    fs::mkdir_sync(dir / "sub");
    struct ::stat raw_st {};
    ::lstat((dir / "f").c_str(), &raw_st);
    fs::stats s = fs::stat_sync(dir / "f");
    CHECK(s.size == 5);
    CHECK(s.ino == raw_st.st_ino);
    CHECK(s.dev == raw_st.st_dev);
    CHECK(s.mode == raw_st.st_mode);
    CHECK(s.nlink == 1);
    CHECK(s.mtime_ms == doctest::Approx(double(raw_st.st_mtim.tv_sec) * 1e3 +
                                        double(raw_st.st_mtim.tv_nsec) / 1e6));
    CHECK(s.is_file());
    CHECK_FALSE(s.is_directory());
    CHECK(fs::stat_sync(dir / "l").is_file()); // follows the link
    CHECK(fs::lstat_sync(dir / "l").is_symbolic_link());
    CHECK(fs::stat_sync(dir / "sub").is_directory());
    costream::loop l;
    bool link = false, isdir = false;
    // A named closure: its captures must outlive the coroutine.
    auto task = [&]() -> costream::promise<void> {
        fs::stats a = co_await fs::lstat(dir / "l");
        link = a.is_symbolic_link();
        fs::stats b = co_await fs::stat(dir / "sub");
        isdir = b.is_directory();
    };
    task();
    l.run();
    CHECK(link);
    CHECK(isdir);
    CHECK(fs::stat_sync("/dev/null").is_character_device());
}

TEST_CASE("mkdir recursive returns the first directory created, readdir lists sorted entries") {
    temp_dir dir;
    CHECK(fs::mkdir_sync(dir / "a/b/c", {.recursive = true}) == dir / "a");
    CHECK(fs::mkdir_sync(dir / "a/b/c", {.recursive = true}) == std::nullopt);
    CHECK(fs::mkdir_sync(dir / "a/b/d/", {.recursive = true}) == dir / "a/b/d");
    fs::write_file_sync(dir / "a/z.txt", "");
    fs::write_file_sync(dir / "a/B.txt", "");
    CHECK(fs::readdir_sync(dir / "a") == std::vector<std::string>{"B.txt", "b", "z.txt"});
    auto ents = fs::readdir_entries_sync(dir / "a");
    REQUIRE(ents.size() == 3);
    CHECK(ents[0].name == "B.txt");
    CHECK(ents[0].is_file());
    CHECK(ents[1].is_directory());
    costream::loop l;
    std::optional<std::string> first;
    std::vector<std::string> names;
    std::vector<fs::dirent> ents2;
    // A named closure: its captures must outlive the coroutine.
    auto task = [&]() -> costream::promise<void> {
        first = co_await fs::mkdir(dir / "x/y", {.recursive = true});
        co_await fs::mkdir(dir / "x/y/w");
        names = co_await fs::readdir(dir / "x/y");
        ents2 = co_await fs::readdir_entries(dir / "x");
    };
    task();
    l.run();
    CHECK(first == dir / "x");
    CHECK(names == std::vector<std::string>{"w"});
    REQUIRE(ents2.size() == 1);
    CHECK(ents2[0].is_directory());
}

TEST_CASE("rm removes files and trees, force ignores missing paths, rmdir removes empty dirs") {
    temp_dir dir;
    fs::mkdir_sync(dir / "t/u/v", {.recursive = true});
    fs::write_file_sync(dir / "t/u/v/f", "x");
    fs::write_file_sync(dir / "t/g", "y");
    REQUIRE(::symlink("/", (dir / "t/link-to-root").c_str()) == 0); // must not be followed
    fs::rm_sync(dir / "t", {.recursive = true});
    CHECK_FALSE(fs::exists_sync(dir / "t"));
    fs::rm_sync(dir / "none", {.force = true});
    fs::write_file_sync(dir / "f", "x");
    fs::rm_sync(dir / "f");
    CHECK_FALSE(fs::exists_sync(dir / "f"));
    fs::mkdir_sync(dir / "e");
    fs::rmdir_sync(dir / "e");
    CHECK_FALSE(fs::exists_sync(dir / "e"));
    costream::loop l;
    fs::mkdir_sync(dir / "a/b", {.recursive = true});
    fs::write_file_sync(dir / "a/b/c", "z");
    fs::mkdir_sync(dir / "empty");
    bool done = false;
    // A named closure: its captures must outlive the coroutine.
    auto task = [&]() -> costream::promise<void> {
        co_await fs::rm(dir / "a", {.recursive = true});
        co_await fs::rm(dir / "nothing", {.force = true});
        co_await fs::rmdir(dir / "empty");
        done = true;
    };
    task();
    l.run();
    CHECK(done);
    CHECK(fs::readdir_sync(dir.path).empty());
}

TEST_CASE("rename, copy_file, mkdtemp, access and exists_sync") {
    temp_dir dir;
    auto bytes = fs_test::random_bytes(300000, 11);
    fs::write_file_sync(dir / "src", bytes, {.mode = 0640});
    ::chmod((dir / "src").c_str(), 0640);
    fs::copy_file_sync(dir / "src", dir / "copy");
    CHECK(raw(fs::read_file_sync(dir / "copy")) == raw(bytes));
    CHECK((fs::stat_sync(dir / "copy").mode & 0777) == 0640);
    fs::rename_sync(dir / "copy", dir / "moved");
    CHECK_FALSE(fs::exists_sync(dir / "copy"));
    CHECK(fs::exists_sync(dir / "moved"));
    std::string t = fs::mkdtemp_sync(dir / "tmp-");
    CHECK(t.size() == (dir / "tmp-").size() + 6);
    CHECK(fs::stat_sync(t).is_directory());
    fs::access_sync(dir / "src", fs::constants::r_ok | fs::constants::w_ok);
    costream::loop l;
    std::string t2;
    bool done = false;
    // A named closure: its captures must outlive the coroutine.
    auto task = [&]() -> costream::promise<void> {
        co_await fs::copy_file(dir / "src", dir / "c2");
        co_await fs::rename(dir / "c2", dir / "c3");
        t2 = co_await fs::mkdtemp(dir / "p-");
        co_await fs::access(dir / "c3");
        co_await fs::access(dir / "c3", fs::constants::r_ok);
        co_await fs::unlink(dir / "moved");
        done = true;
    };
    task();
    l.run();
    CHECK(done);
    CHECK(raw(fs::read_file_sync(dir / "c3")) == raw(bytes));
    CHECK(t2.rfind(dir / "p-", 0) == 0);
    CHECK_FALSE(fs::exists_sync(dir / "moved"));
}

TEST_CASE("permission errors: EACCES on a mode-000 file, skipped as root") {
    temp_dir dir;
    fs::write_file_sync(dir / "locked", "x");
    ::chmod((dir / "locked").c_str(), 0);
    fs::mkdir_sync(dir / "ro");
    fs::write_file_sync(dir / "ro/f", "x");
    ::chmod((dir / "ro").c_str(), 0555);
    if (fs_test::running_as_root()) {
        MESSAGE("running as root: permission bits deny nothing, EACCES checks skipped");
        // What still fails as root: access() X_OK on a file with no execute bit.
        CHECK(run_sync(dir.path, [&] { fs::access_sync(dir / "locked", fs::constants::x_ok); }) ==
              "EACCES|access|D/locked||-13|EACCES: permission denied, access 'D/locked'");
        return;
    }
    CHECK(run_sync(dir.path, [&] { fs::read_file_sync(dir / "locked"); }) ==
          "EACCES|open|D/locked||-13|EACCES: permission denied, open 'D/locked'");
    CHECK(run_async(dir.path, [&](auto h) { fs::read_file(dir / "locked", h); }) ==
          "EACCES|open|D/locked||-13|EACCES: permission denied, open 'D/locked'");
    CHECK(run_sync(dir.path, [&] { fs::unlink_sync(dir / "ro/f"); }) ==
          "EACCES|unlink|D/ro/f||-13|EACCES: permission denied, unlink 'D/ro/f'");
    CHECK(run_sync(dir.path, [&] { fs::access_sync(dir / "locked", fs::constants::r_ok); }) ==
          "EACCES|access|D/locked||-13|EACCES: permission denied, access 'D/locked'");
}

TEST_CASE("injected faults reach the async functions: EIO from read, ENOSPC from write") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "abc");
    fs::fault_injection disk;
    disk.fail("read", 1, EIO);
    disk.fail("write", 1, ENOSPC);
    CHECK(run_async(dir.path, [&](auto h) { fs::read_file(dir / "f", h); }) ==
          "EIO|read|||-5|EIO: i/o error, read");
    CHECK(run_async(dir.path, [&](auto h) { fs::write_file(dir / "g", "x", h); }) ==
          "ENOSPC|write|||-28|ENOSPC: no space left on device, write");
    CHECK(disk.calls("open") == 2);
    CHECK(disk.calls("close") == 2); // both descriptors closed despite the failures
    CHECK_THROWS_AS(fs::fault_injection(), std::logic_error); // one at a time
}

TEST_CASE("fs::error is a system_error: error_code_of and catch by base class work") {
    temp_dir dir;
    costream::loop l;
    boost::system::error_code ec;
    std::string what;
    fs::read_file(dir / "none", [&](std::exception_ptr e, costream::buffer) {
        ec = fs::error_code_of(e);
        try {
            std::rethrow_exception(e);
        } catch (const boost::system::system_error& se) {
            what = se.what();
        }
    });
    // the default token: a promise rejected with fs::error
    std::string code;
    fs::stat(dir / "none").catch_error([&](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const fs::error& err) {
            code = err.node_code();
        }
        return fs::stats{};
    });
    l.run();
    CHECK(ec == boost::system::errc::no_such_file_or_directory);
    CHECK(what == "ENOENT: no such file or directory, open '" + dir / "none" + "'");
    CHECK(code == "ENOENT");
}

TEST_CASE("completions and stream events run on the loop's thread") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", "x");
    const auto loop_thread = std::this_thread::get_id();
    costream::loop l;
    std::thread::id completed_on, read_on;
    fs::read_file(dir / "f", [&](std::exception_ptr, costream::buffer) {
        completed_on = std::this_thread::get_id();
    });
    // The stream's chunks are also delivered on the loop thread.
    auto rs = fs::create_read_stream(dir / "f");
    rs->on("data", [&](const costream::buffer&) { read_on = std::this_thread::get_id(); });
    l.run();
    CHECK(completed_on == loop_thread);
    CHECK(read_on == loop_thread);
}

// A directory whose reading fails part-way (readdir(3) returning an error, e.g. EIO on a
// damaged file system; provoked here by fault injection) fails the whole listing with
// syscall scandir, as libuv's scandir(3) makes Node's readdir fail; the format is Node's for
// any scandir error (see the ENOTDIR row above). The listing used to end early, silently.
TEST_CASE("a directory read that fails part-way fails readdir, readdir_entries and rm with "
          "scandir, closing the directory") {
    temp_dir dir;
    fs::mkdir_sync(dir / "d");
    for (const char* n : {"a", "b", "c"})
        fs::write_file_sync(dir / "d" + "/" + n, "x");
    const std::string expected = "EIO|scandir|D/d||-5|EIO: i/o error, scandir 'D/d'";
    const std::size_t before = fs_test::open_fd_count();
    const std::vector<std::function<void()>> calls = {
        [&] { fs::readdir_sync(dir / "d"); },
        [&] { fs::readdir_entries_sync(dir / "d"); },
        [&] { fs::rm_sync(dir / "d", {.recursive = true}); },
    };
    for (std::size_t i = 0; i < calls.size(); ++i) {
        CAPTURE(i);
        fs::fault_injection disk;
        disk.fail("readdir", 2, EIO); // the second of its six reads (".", "..", a, b, c, end)
        CHECK(run_sync(dir.path, calls[i]) == expected);
        CHECK(disk.calls("readdir") == 2);
        CHECK(fs_test::open_fd_count() == before);
    }
    {
        fs::fault_injection disk;
        disk.fail("readdir", 2, EIO);
        CHECK(run_async(dir.path, [&](auto h) { fs::readdir(dir / "d", h); }) == expected);
    }
    CHECK(fs::readdir_sync(dir / "d") == std::vector<std::string>{"a", "b", "c"});
    // Reading to the end: one readdir per entry, "." and ".." included, and one for the end.
    fs::fault_injection disk;
    CHECK(fs::readdir_sync(dir / "d").size() == 3);
    CHECK(disk.calls("readdir") == 6);
}
