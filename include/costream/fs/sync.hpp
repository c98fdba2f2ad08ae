// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/sync.hpp: Node's synchronous fs functions (readFileSync, openSync, statSync, ...).
// They block the calling thread and throw costream::fs::error with Node's code, syscall,
// path and message. The async functions (fs/async.hpp) run exactly these on the pool.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/encoding.hpp>
#include <costream/fs/detail/sys.hpp>
#include <costream/fs/detail/validate.hpp>
#include <costream/fs/error.hpp>
#include <costream/fs/types.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace costream::fs {

namespace detail {

inline void check(long r, const char* syscall, std::string_view path = {},
                  std::string_view dest = {}) {
    if (r < 0) throw_error(static_cast<int>(-r), syscall, path, dest);
}

inline double ms_of(const struct ::timespec& t) noexcept {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}
inline std::chrono::system_clock::time_point tp_of(const struct ::timespec& t) noexcept {
    using namespace std::chrono;
    return system_clock::time_point(
        duration_cast<system_clock::duration>(seconds(t.tv_sec) + nanoseconds(t.tv_nsec)));
}

inline stats to_stats(const struct ::stat& st) noexcept {
    stats s;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.mode = st.st_mode;
    s.nlink = st.st_nlink;
    s.uid = st.st_uid;
    s.gid = st.st_gid;
    s.rdev = st.st_rdev;
    s.size = static_cast<std::uint64_t>(st.st_size);
    s.blksize = static_cast<std::uint64_t>(st.st_blksize);
    s.blocks = static_cast<std::uint64_t>(st.st_blocks);
    s.atime_ms = ms_of(st.st_atim);
    s.mtime_ms = ms_of(st.st_mtim);
    s.ctime_ms = ms_of(st.st_ctim);
    s.atime = tp_of(st.st_atim);
    s.mtime = tp_of(st.st_mtim);
    s.ctime = tp_of(st.st_ctim);
    // No birth time from stat(2); Node reports 0 where statx gives none (tmpfs).
    return s;
}

/// Writes all of `data` (looping over short writes); returns 0 or -errno.
inline long write_all(int fd, const std::uint8_t* data, std::size_t len, std::int64_t pos) {
    while (len > 0) {
        long r = sys::write(fd, data, len, pos);
        if (r < 0) return r;
        data += r;
        len -= static_cast<std::size_t>(r);
        if (pos >= 0) pos += r;
    }
    return 0;
}

/// Node's kIoMaxLength (2**31-1): fs.readFile/readFileSync refuse a regular file larger
/// than this before reading it.
inline constexpr std::uint64_t io_max_length = 2147483647;

/// Node's ERR_FS_FILE_TOO_LARGE (a RangeError): `File size (N) is greater than 2 GiB`.
[[noreturn]] inline void throw_file_too_large(std::uint64_t size) {
    throw costream::range_error(errc::fs_file_too_large,
                                "File size (" + std::to_string(size) + ") is greater than 2 GiB");
}

/// Reads the whole of `fd` from its file position, as Node's readFile does: a regular file
/// of st_size bytes is read up to that size (fewer if it shrank; the bytes of a file that
/// grew meanwhile are not read), and a size above 2 GiB throws range_error
/// ERR_FS_FILE_TOO_LARGE before anything is read or allocated; a file without a size (a
/// pipe, /proc) is read to EOF, whatever its length, up to buffer::max_length. Throws with
/// syscall `fstat` or `read`.
inline costream::buffer read_all(int fd) {
    struct ::stat st {};
    check(sys::fstat(fd, &st), "fstat");
    // node: fs.readFileSync/ReadFileContext: size = isFileType(stats, S_IFREG) ? stats.size : 0
    const std::uint64_t size =
        S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (size > io_max_length) throw_file_too_large(size);
    if (size > 0) {
        costream::buffer b = costream::buffer::alloc_unsafe_slow(static_cast<std::size_t>(size));
        std::size_t n = 0;
        // node: do { read(size - pos) } while (bytesRead !== 0 && pos < size)
        while (n < b.size()) {
            long r = sys::read(fd, b.data() + n, b.size() - n, -1);
            check(r, "read");
            if (r == 0) break;
            n += static_cast<std::size_t>(r);
        }
        if (n == b.size()) return b;
        if (n * 2 >= b.size()) return b.subarray(0, n);
        return costream::buffer::from(std::span<const std::uint8_t>(b.data(), n));
    }
    // node: size 0: read chunks until a read returns 0, then concatenate. One buffer that
    // doubles instead of a list of 8 KiB chunks.
    costream::buffer b = costream::buffer::alloc_unsafe_slow(std::size_t(64 * 1024));
    std::size_t n = 0;
    for (;;) {
        if (n == b.size()) {
            costream::buffer bigger = costream::buffer::alloc_unsafe_slow(b.size() * 2);
            std::memcpy(bigger.data(), b.data(), n);
            b = std::move(bigger);
        }
        long r = sys::read(fd, b.data() + n, b.size() - n, -1);
        check(r, "read");
        if (r == 0) break;
        n += static_cast<std::size_t>(r);
    }
    if (n * 2 >= b.size()) return b.subarray(0, n);
    return costream::buffer::from(std::span<const std::uint8_t>(b.data(), n));
}

/// The FICLONE ioctl (linux/fs.h), spelled out so that <linux/fs.h> (which clashes with
/// <sys/mount.h>) is not needed.
inline constexpr unsigned long ficlone_request = _IOW(0x94, 9, int);

/// Closes `fd` without reporting (the operation already failed or succeeded).
inline void close_quietly(int fd) noexcept {
    (void)sys::close(fd);
}

inline bool is_dir_or_link_to_dir(const std::string& path) {
    struct ::stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

inline bool is_dir_entry(const std::string& path) {
    struct ::stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct dir_closer {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};

/// Calls f(dir, entry) for each entry of the directory `path` but "." and "..". Failing to
/// open it or to read an entry throws with syscall `scandir` (libuv's scandir(3) fails the
/// whole listing then; a readdir error used to end the listing early, silently). The
/// directory is closed on every way out, an exception from `f` included. Fault injection:
/// "scandir" fails the open, "readdir" a read of the next entry.
template <class F>
void for_each_entry(const std::string& path, F&& f) {
    if (int e = injected("scandir")) throw_error(e, "scandir", path);
    std::unique_ptr<DIR, dir_closer> d(::opendir(path.c_str()));
    if (!d) throw_error(errno, "scandir", path);
    for (;;) {
        if (int e = injected("readdir")) throw_error(e, "scandir", path);
        errno = 0; // readdir returns null both at the end and on an error
        struct ::dirent* ent = ::readdir(d.get());
        if (!ent) {
            if (errno != 0) throw_error(errno, "scandir", path);
            return;
        }
        const std::string_view n = ent->d_name;
        if (n != "." && n != "..") f(d.get(), *ent);
    }
}

// node: internal/fs/rimraf.js rimrafSync, without retries (Linux has no EBUSY races)
inline void remove_tree(const std::string& path) {
    struct ::stat st {};
    check(sys::lstat(path.c_str(), &st), "lstat", path);
    if (!S_ISDIR(st.st_mode)) {
        check(sys::unlink(path.c_str()), "unlink", path);
        return;
    }
    // The names first, then the recursion: one directory open at a time, however deep.
    std::vector<std::string> names;
    for_each_entry(path, [&](DIR*, const struct ::dirent& ent) { names.emplace_back(ent.d_name); });
    for (const auto& n : names)
        remove_tree(path + "/" + n);
    check(sys::rmdir(path.c_str()), "rmdir", path);
}

} // namespace detail

/// Node's fs.openSync(path, flags = 'r', mode = 0o666): the new file descriptor.
inline int open_sync(const std::string& path, open_flags flags = O_RDONLY, unsigned mode = 0666) {
    detail::validate_path(path);
    int fd = detail::sys::open(path.c_str(), flags.value(), mode);
    detail::check(fd, "open", path);
    return fd;
}

/// Node's fs.closeSync(fd).
inline void close_sync(int fd) {
    detail::validate_fd(fd);
    detail::check(detail::sys::close(fd), "close");
}

namespace detail {
/// The argument checks of Node's fs.read/readSync, in Node's order: validateInt32(fd),
/// then a zero length is accepted before anything else (the read returns 0), then the
/// buffer, offset/length and position. Throws type_error/range_error with Node's message.
inline void validate_read(int fd, std::size_t size, std::size_t offset, std::size_t length,
                          std::optional<std::int64_t> position) {
    validate_fd(fd);
    if (length == 0) return;
    if (size == 0)
        throw type_error(
            errc::invalid_arg_value,
            "The argument 'buffer' is empty and cannot be written. Received <Buffer >");
    if (offset > size || length > size - offset) {
        // node: validateOffsetLengthRead reports an offset past the end as a bad length
        // ("It must be <= -6" for offset 10 into 4 bytes).
        const auto off = static_cast<std::int64_t>(
            std::min<std::size_t>(offset, static_cast<std::size_t>(max_safe_integer)));
        throw_out_of_range("length", "<= " + std::to_string(static_cast<std::int64_t>(size) - off),
                           static_cast<std::int64_t>(std::min<std::size_t>(
                               length, static_cast<std::size_t>(max_safe_integer))));
    }
    if (position && (*position < -1 || *position > max_safe_integer))
        throw_out_of_range("position", ">= -1 && <= 9007199254740991", *position);
}
} // namespace detail

/// Node's fs.readSync(fd, buffer, offset, length, position): reads up to `length` bytes
/// into `buf` at `offset`, from `position` (or the file position when nullopt or -1).
/// Returns the number of bytes read (0 at EOF, and 0 at once for a zero length). Throws
/// ERR_OUT_OF_RANGE for a negative fd, offset/length past `buf` or a position below -1;
/// ERR_INVALID_ARG_VALUE for an empty `buf`.
inline std::size_t read_sync(int fd, costream::buffer& buf, std::size_t offset, std::size_t length,
                             std::optional<std::int64_t> position = std::nullopt) {
    detail::validate_read(fd, buf.size(), offset, length, position);
    if (length == 0) return 0;
    long r = detail::sys::read(fd, buf.data() + offset, length, position.value_or(-1));
    detail::check(r, "read");
    return static_cast<std::size_t>(r);
}
/// fs.readSync(fd, buffer): fills as much of `buf` as one read gives.
inline std::size_t read_sync(int fd, costream::buffer& buf) {
    return read_sync(fd, buf, 0, buf.size());
}

/// Node's fs.writeSync(fd, buffer, offset, length, position): one write(2) (it may be
/// short, as in Node); returns the number of bytes written.
inline std::size_t write_sync(int fd, const costream::buffer& buf, std::size_t offset,
                              std::size_t length,
                              std::optional<std::int64_t> position = std::nullopt) {
    // node: validateInt32(fd), validateOffsetLengthWrite
    detail::validate_fd(fd);
    if (offset > buf.size())
        detail::throw_out_of_range("offset", "<= " + std::to_string(buf.size()),
                                   static_cast<std::int64_t>(offset));
    if (length > buf.size() - offset)
        detail::throw_out_of_range("length", "<= " + std::to_string(buf.size() - offset),
                                   static_cast<std::int64_t>(length));
    long r = detail::sys::write(fd, buf.data() + offset, length, position.value_or(-1));
    detail::check(r, "write");
    return static_cast<std::size_t>(r);
}
/// Node's fs.writeSync(fd, buffer[, position]).
inline std::size_t write_sync(int fd, const costream::buffer& buf,
                              std::optional<std::int64_t> position = std::nullopt) {
    return write_sync(fd, buf, 0, buf.size(), position);
}
/// Node's fs.writeSync(fd, string[, position[, encoding]]): `text` encoded with `enc` (utf8
/// when omitted, and for an unknown name, as Node writes it), one write(2). As Node's
/// validateEncoding, hex text whose length (JavaScript's string.length: UTF-16 code units)
/// is odd throws type_error ERR_INVALID_ARG_VALUE quoting the encoding as spelled
/// ("Received 'HEX'"), after the fd check and before any write: Buffer.from would drop the
/// last digit, a silent loss.
inline std::size_t write_sync(int fd, std::string_view text,
                              std::optional<std::int64_t> position = std::nullopt,
                              costream::encoding_arg enc = {}) {
    detail::validate_fd(fd);
    const costream::encoding e = enc.resolve_lenient();
    if (e == costream::encoding::hex) {
        const std::size_t units = costream::detail::utf16_length_of_utf8(
            reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
        if (units % 2 != 0) {
            // A name that parses as hex is h, e, x in some case: nothing inspect() escapes.
            std::string m = "The argument 'encoding' is invalid for data of length ";
            m.append(std::to_string(units)).append(". Received '");
            m.append(enc.name().empty() ? std::string_view("hex") : enc.name()).append("'");
            throw type_error(errc::invalid_arg_value, m);
        }
    }
    return write_sync(fd, costream::buffer::from(text, e), position);
}

/// Node's fs.fstatSync(fd).
inline stats fstat_sync(int fd) {
    detail::validate_fd(fd);
    struct ::stat st {};
    detail::check(detail::sys::fstat(fd, &st), "fstat");
    return detail::to_stats(st);
}
/// Node's fs.statSync(path) (follows symbolic links).
inline stats stat_sync(const std::string& path) {
    detail::validate_path(path);
    struct ::stat st {};
    detail::check(detail::sys::stat(path.c_str(), &st), "stat", path);
    return detail::to_stats(st);
}
/// Node's fs.lstatSync(path) (a symbolic link itself).
inline stats lstat_sync(const std::string& path) {
    detail::validate_path(path);
    struct ::stat st {};
    detail::check(detail::sys::lstat(path.c_str(), &st), "lstat", path);
    return detail::to_stats(st);
}

/// Node's fs.readFileSync(path[, {flag}]): the whole file. Errors: `open` (with the path),
/// `read` (no path; a directory gives EISDIR from read, as in Node).
inline costream::buffer read_file_sync(const std::string& path,
                                       const read_file_options& opts = {}) {
    int fd = open_sync(path, opts.flag);
    try {
        costream::buffer b = detail::read_all(fd);
        detail::close_quietly(fd);
        return b;
    } catch (...) {
        detail::close_quietly(fd);
        throw;
    }
}
/// Node's fs.readFileSync(path, encoding): the file decoded as text (UTF-8 in the
/// std::string; e.g. hex or base64 text for those encodings).
inline std::string read_file_sync(const std::string& path, costream::encoding enc) {
    return read_file_sync(path).to_string(enc);
}
/// Node's fs.readFileSync(fd): the rest of an open file, from its position; fd stays open.
inline costream::buffer read_file_sync(int fd) {
    detail::validate_fd(fd);
    return detail::read_all(fd);
}

/// Node's fs.writeFileSync(path, data[, options]): creates or truncates (flag 'w').
inline void write_file_sync(const std::string& path, std::span<const std::uint8_t> data,
                            const write_file_options& opts = {}) {
    int fd =
        open_sync(path, opts.flag.value_or(open_flags(O_TRUNC | O_CREAT | O_WRONLY)), opts.mode);
    const char* syscall = "write";
    long r = detail::write_all(fd, data.data(), data.size(), -1);
    if (r == 0 && opts.flush) {
        syscall = "fsync";
        r = detail::sys::fsync(fd);
    }
    if (r < 0) {
        detail::close_quietly(fd);
        detail::throw_error(static_cast<int>(-r), syscall);
    }
    close_sync(fd);
}
/// Same, for a buffer.
inline void write_file_sync(const std::string& path, const costream::buffer& data,
                            const write_file_options& opts = {}) {
    write_file_sync(path, std::span<const std::uint8_t>(data.data(), data.size()), opts);
}
/// Same, for text in opts.encoding (utf8 by default).
inline void write_file_sync(const std::string& path, std::string_view text,
                            const write_file_options& opts = {}) {
    write_file_sync(path, costream::buffer::from(text, opts.encoding), opts);
}
/// Same, for a string literal.
template <std::size_t N>
void write_file_sync(const std::string& path, const char (&text)[N],
                     const write_file_options& opts = {}) {
    write_file_sync(path, std::string_view(text, N - 1), opts);
}

/// Node's fs.appendFileSync(path, data[, options]): flag 'a' unless given.
inline void append_file_sync(const std::string& path, const costream::buffer& data,
                             write_file_options opts = {}) {
    if (!opts.flag) opts.flag = open_flags(O_APPEND | O_CREAT | O_WRONLY);
    write_file_sync(path, data, opts);
}
/// Same, for text.
inline void append_file_sync(const std::string& path, std::string_view text,
                             write_file_options opts = {}) {
    append_file_sync(path, costream::buffer::from(text, opts.encoding), opts);
}
/// Same, for a string literal.
template <std::size_t N>
void append_file_sync(const std::string& path, const char (&text)[N],
                      write_file_options opts = {}) {
    append_file_sync(path, std::string_view(text, N - 1), std::move(opts));
}

/// Node's fs.unlinkSync(path).
inline void unlink_sync(const std::string& path) {
    detail::validate_path(path);
    detail::check(detail::sys::unlink(path.c_str()), "unlink", path);
}

/// Node's fs.renameSync(old_path, new_path). Errors carry both (`rename 'a' -> 'b'`).
inline void rename_sync(const std::string& old_path, const std::string& new_path) {
    detail::validate_path(old_path, "oldPath");
    detail::validate_path(new_path, "newPath");
    detail::check(detail::sys::rename(old_path.c_str(), new_path.c_str()), "rename", old_path,
                  new_path);
}

/// Node's fs.mkdirSync(path[, {recursive, mode}]). With recursive: the first directory
/// created, or nullopt when it already existed (Node's undefined); an existing file on
/// the way gives EEXIST or ENOTDIR as in Node. Without: nullopt (EEXIST if it exists).
inline std::optional<std::string> mkdir_sync(const std::string& path,
                                             const mkdir_options& opts = {}) {
    detail::validate_path(path);
    if (!opts.recursive) {
        detail::check(detail::sys::mkdir(path.c_str(), opts.mode), "mkdir", path);
        return std::nullopt;
    }
    // node: src/node_file.cc MKDirpSync: walk up to the first existing ancestor, then
    // create downwards.
    std::vector<std::string> todo;
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    bool created = false;
    for (;;) {
        long r = detail::sys::mkdir(p.c_str(), opts.mode);
        if (r == 0) {
            created = true;
            break;
        }
        if (r == -EEXIST) {
            if (detail::is_dir_or_link_to_dir(p)) {
                if (todo.empty()) return std::nullopt; // it already existed
                break;
            }
            // A file in the way: Node reports EEXIST for the path itself, ENOTDIR for a
            // parent.
            detail::throw_error(todo.empty() ? EEXIST : ENOTDIR, "mkdir", path);
        }
        if (r != -ENOENT) detail::throw_error(static_cast<int>(-r), "mkdir", path);
        auto slash = p.find_last_of('/');
        if (slash == std::string::npos || slash == 0) detail::throw_error(ENOENT, "mkdir", path);
        todo.push_back(p);
        p.resize(slash);
    }
    std::optional<std::string> first;
    if (created) first = p;
    while (!todo.empty()) {
        long r = detail::sys::mkdir(todo.back().c_str(), opts.mode);
        if (r < 0 && r != -EEXIST) detail::throw_error(static_cast<int>(-r), "mkdir", path);
        if (r == -EEXIST && !detail::is_dir_or_link_to_dir(todo.back()))
            detail::throw_error(ENOTDIR, "mkdir", path);
        if (!first && r == 0) first = todo.back();
        todo.pop_back();
    }
    return first;
}

/// Node's fs.readdirSync(path): the entry names without "." and "..", sorted by byte
/// value (libuv's scandir sorts them). Errors have syscall `scandir`.
inline std::vector<std::string> readdir_sync(const std::string& path) {
    detail::validate_path(path);
    std::vector<std::string> names;
    detail::for_each_entry(
        path, [&](DIR*, const struct ::dirent& ent) { names.emplace_back(ent.d_name); });
    std::sort(names.begin(), names.end());
    return names;
}

/// Node's fs.readdirSync(path, {withFileTypes: true}): the entries with their types.
inline std::vector<dirent> readdir_entries_sync(const std::string& path) {
    detail::validate_path(path);
    std::vector<dirent> out;
    detail::for_each_entry(path, [&](DIR* d, const struct ::dirent& ent) {
        dirent e;
        e.name = std::string(ent.d_name);
        unsigned char t = ent.d_type;
        if (t == DT_UNKNOWN) {
            struct ::stat st {};
            if (::fstatat(::dirfd(d), ent.d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                t = IFTODT(st.st_mode);
        }
        switch (t) {
        case DT_REG:
            e.type = dirent::kind::file;
            break;
        case DT_DIR:
            e.type = dirent::kind::directory;
            break;
        case DT_LNK:
            e.type = dirent::kind::symbolic_link;
            break;
        case DT_FIFO:
            e.type = dirent::kind::fifo;
            break;
        case DT_SOCK:
            e.type = dirent::kind::socket;
            break;
        case DT_CHR:
            e.type = dirent::kind::character_device;
            break;
        case DT_BLK:
            e.type = dirent::kind::block_device;
            break;
        default:
            break;
        }
        out.push_back(std::move(e));
    });
    std::sort(out.begin(), out.end(),
              [](const dirent& a, const dirent& b) { return a.name < b.name; });
    return out;
}

/// Node's fs.rmdirSync(path): removes an empty directory.
inline void rmdir_sync(const std::string& path, const rmdir_options& opts = {}) {
    detail::validate_path(path);
    if (opts.recursive) {
        detail::remove_tree(path);
        return;
    }
    detail::check(detail::sys::rmdir(path.c_str()), "rmdir", path);
}

/// Node's fs.rmSync(path[, {recursive, force}]): removes a file, or a directory tree
/// with recursive. A directory without recursive fails with ERR_FS_EISDIR (syscall rm);
/// a missing path fails with ENOENT (syscall lstat) unless force.
inline void rm_sync(const std::string& path, const rm_options& opts = {}) {
    detail::validate_path(path);
    struct ::stat st {};
    long r = detail::sys::lstat(path.c_str(), &st);
    if (r == -ENOENT && opts.force) return;
    detail::check(r, "lstat", path);
    if (S_ISDIR(st.st_mode)) {
        if (!opts.recursive)
            throw costream::fs::error(
                error_info{make_error_code(errc::fs_eisdir), "rm", path, std::string()});
        try {
            detail::remove_tree(path);
        } catch (const costream::fs::error& e) {
            // Removed concurrently: force ignores it, as rimraf does.
            if (!(opts.force && e.code().value() == ENOENT)) throw;
        }
        return;
    }
    r = detail::sys::unlink(path.c_str());
    if (r == -ENOENT && opts.force) return;
    detail::check(r, "unlink", path);
}

/// Node's fs.mkdtempSync(prefix): creates `prefix` + six random characters and returns
/// that path. Errors show the template (`mkdtemp '/x/tmp-XXXXXX'`).
inline std::string mkdtemp_sync(const std::string& prefix) {
    detail::validate_path(prefix, "prefix");
    std::string tmpl = prefix + "XXXXXX";
    std::string path = tmpl; // mkdtemp fills in the X's even when it fails
    detail::check(detail::sys::mkdtemp(path.data()), "mkdtemp", tmpl);
    return path;
}

/// Node's fs.copyFileSync(src, dest[, mode]): copies the bytes and the permission bits.
/// `mode` takes constants::copyfile_excl (fail with EEXIST if dest exists),
/// copyfile_ficlone (a copy-on-write clone where the file system has it, else a copy) and
/// copyfile_ficlone_force (a clone or the error: ENOTSUP on ext4). Copying a file onto itself
/// succeeds and changes nothing. A copy that fails after dest was opened removes dest, as
/// libuv does. Errors carry syscall `copyfile`, path src and dest dest, as libuv reports them.
inline void copy_file_sync(const std::string& src, const std::string& dest, int mode = 0) {
    detail::validate_path(src, "src");
    detail::validate_path(dest, "dest");
    detail::validate_mode_bits(mode);
    auto fail = [&](long r) { detail::throw_error(static_cast<int>(-r), "copyfile", src, dest); };
    if (int e = detail::injected("copyfile")) fail(-e);
    int in = detail::sys::open(src.c_str(), O_RDONLY, 0);
    if (in < 0) fail(in);
    struct ::stat st {};
    if (long r = detail::sys::fstat(in, &st); r < 0) {
        detail::close_quietly(in);
        fail(r);
    }
    // No O_TRUNC: dest may be src itself (or a link to it), and truncating it before the
    // check below would destroy the very bytes to copy. libuv (uv_fs_copyfile) opens
    // without it too, returns success for the same file, and truncates afterwards.
    int oflags = O_WRONLY | O_CREAT | ((mode & constants::copyfile_excl) ? O_EXCL : 0);
    int out = detail::sys::open(dest.c_str(), oflags, st.st_mode & 07777);
    if (out < 0) {
        detail::close_quietly(in);
        fail(out);
    }
    long r = 0;
    struct ::stat dst {};
    if (long e = detail::sys::fstat(out, &dst); e < 0) {
        r = e;
    } else if (dst.st_dev == st.st_dev && dst.st_ino == st.st_ino) {
        // Copying a file onto itself: nothing to do (Node succeeds and the file is intact).
        detail::close_quietly(in);
        detail::close_quietly(out);
        return;
    } else if (::ftruncate(out, 0) < 0) {
        r = -errno;
    }
    if (r == 0 && ::fchmod(out, st.st_mode & 07777) < 0) r = -errno;
    bool cloned = false;
    if (r == 0 && (mode & (constants::copyfile_ficlone | constants::copyfile_ficlone_force))) {
        // node (libuv uv__fs_copyfile): try a copy-on-write clone; without it, _FORCE fails
        // with the ioctl's error (ENOTSUP on ext4), plain _FICLONE copies the bytes.
        if (::ioctl(out, detail::ficlone_request, in) == 0)
            cloned = true;
        else if (mode & constants::copyfile_ficlone_force)
            r = -errno;
    }
    std::vector<std::uint8_t> chunk;
    while (r == 0 && !cloned) {
        ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
        if (n > 0) continue;
        if (n == 0) break;
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
            r = -errno;
            break;
        }
        // No in-kernel copy between these files: plain reads and writes. A buffer that
        // cannot be had fails the copy like any other error (ENOMEM; both descriptors are
        // closed and dest removed below): a bad_alloc escaping here leaked them.
        try {
            chunk.resize(256 * 1024);
        } catch (const std::bad_alloc&) {
            r = -ENOMEM;
            break;
        }
        for (;;) {
            long k = detail::sys::read(in, chunk.data(), chunk.size(), -1);
            if (k <= 0) {
                r = k;
                break;
            }
            if ((r = detail::write_all(out, chunk.data(), static_cast<std::size_t>(k), -1)) < 0)
                break;
        }
        break;
    }
    detail::close_quietly(in);
    long c = detail::sys::close(out);
    if (r == 0) r = c;
    if (r < 0) {
        // node (libuv): the destination is removed when the copy failed after opening it,
        // even one that existed before (it was truncated already): no half-copied file.
        (void)detail::sys::unlink(dest.c_str());
        fail(r);
    }
}

/// Node's fs.accessSync(path[, mode]): throws unless the file exists (F_OK) or grants
/// the permissions in `mode` (constants::r_ok | w_ok | x_ok).
inline void access_sync(const std::string& path, int mode = constants::f_ok) {
    detail::validate_path(path);
    detail::validate_mode_bits(mode);
    detail::check(detail::sys::access(path.c_str(), mode), "access", path);
}

/// Node's fs.existsSync(path): whether stat() succeeds; never throws.
inline bool exists_sync(const std::string& path) noexcept {
    if (path.find('\0') != std::string::npos) return false; // as Node: no throw
    struct ::stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

/// Node's fs.fsyncSync(fd).
inline void fsync_sync(int fd) {
    detail::validate_fd(fd);
    detail::check(detail::sys::fsync(fd), "fsync");
}

/// Node's fs.ftruncateSync(fd[, len]): a negative len truncates to 0, as in Node.
inline void ftruncate_sync(int fd, std::int64_t len = 0) {
    detail::validate_fd(fd);
    if (len < -detail::max_safe_integer || len > detail::max_safe_integer)
        detail::throw_out_of_range("len", ">= -9007199254740991 && <= 9007199254740991", len);
    len = std::max<std::int64_t>(len, 0); // node: len = MathMax(0, len)
    detail::check(detail::sys::ftruncate(fd, len), "ftruncate");
}

} // namespace costream::fs
