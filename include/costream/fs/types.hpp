// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/types.hpp: the vocabulary of costream::fs: open_flags (Node's 'r', 'w+', 'ax'...),
// constants, stats (fs.Stats), dirent (fs.Dirent) and the options of the fs functions.
#pragma once

#include <costream/config.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace costream::fs {

/// Node's fs.constants (the ones costream::fs uses).
namespace constants {
inline constexpr int f_ok = F_OK;                ///< access(): the file exists
inline constexpr int r_ok = R_OK;                ///< access(): readable
inline constexpr int w_ok = W_OK;                ///< access(): writable
inline constexpr int x_ok = X_OK;                ///< access(): executable
inline constexpr int copyfile_excl = 1;          ///< copy_file(): fail if dest exists
inline constexpr int copyfile_ficlone = 2;       ///< copy_file(): try copy-on-write
inline constexpr int copyfile_ficlone_force = 4; ///< copy_file(): copy-on-write or fail
inline constexpr int o_rdonly = O_RDONLY;
inline constexpr int o_wronly = O_WRONLY;
inline constexpr int o_rdwr = O_RDWR;
inline constexpr int o_creat = O_CREAT;
inline constexpr int o_excl = O_EXCL;
inline constexpr int o_trunc = O_TRUNC;
inline constexpr int o_append = O_APPEND;
inline constexpr int o_sync = O_SYNC;
} // namespace constants

/// The flags of an open: Node's strings ('r', 'r+', 'rs+', 'w', 'wx', 'w+', 'wx+', 'a',
/// 'ax', 'as', 'a+', 'ax+', 'as+') or raw O_* bits. An unknown string throws type_error
/// ERR_INVALID_ARG_VALUE ("The argument 'flags' is invalid. Received 'zz'"), as
/// Node's stringToFlags. O_CLOEXEC is always added (libuv does the same).
class open_flags {
public:
    /// Raw O_* bits.
    constexpr open_flags(int bits) noexcept : bits_(bits) {} // NOLINT: implicit by design
    /// A Node flag string.
    open_flags(std::string_view s) : bits_(parse(s)) {} // NOLINT
    /// A Node flag string literal.
    open_flags(const char* s) : bits_(parse(s)) {} // NOLINT
    /// The O_* bits.
    constexpr int value() const noexcept { return bits_; }

private:
    static int parse(std::string_view s) {
        // node: internal/fs/utils.js stringToFlags
        const int rd = O_RDONLY, rw = O_RDWR, wr = O_WRONLY;
        if (s == "r") return rd;
        if (s == "rs" || s == "sr") return rd | O_SYNC;
        if (s == "r+") return rw;
        if (s == "rs+" || s == "sr+") return rw | O_SYNC;
        if (s == "w") return O_TRUNC | O_CREAT | wr;
        if (s == "wx" || s == "xw") return O_TRUNC | O_CREAT | wr | O_EXCL;
        if (s == "w+") return O_TRUNC | O_CREAT | rw;
        if (s == "wx+" || s == "xw+") return O_TRUNC | O_CREAT | rw | O_EXCL;
        if (s == "a") return O_APPEND | O_CREAT | wr;
        if (s == "ax" || s == "xa") return O_APPEND | O_CREAT | wr | O_EXCL;
        if (s == "as" || s == "sa") return O_APPEND | O_CREAT | wr | O_SYNC;
        if (s == "a+") return O_APPEND | O_CREAT | rw;
        if (s == "ax+" || s == "xa+") return O_APPEND | O_CREAT | rw | O_EXCL;
        if (s == "as+" || s == "sa+") return O_APPEND | O_CREAT | rw | O_SYNC;
        std::string m = "The argument 'flags' is invalid. Received '";
        m.append(s).append("'");
        throw type_error(errc::invalid_arg_value, m);
    }
    int bits_;
};

/// Node's fs.Stats: the result of stat(), lstat() and fstat(). Times are also given in
/// milliseconds since the epoch as doubles (atimeMs...), as Node does.
struct stats {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    std::uint32_t mode = 0;
    std::uint64_t nlink = 0;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint64_t rdev = 0;
    std::uint64_t size = 0;
    std::uint64_t blksize = 0;
    std::uint64_t blocks = 0;
    double atime_ms = 0, mtime_ms = 0, ctime_ms = 0, birthtime_ms = 0;
    std::chrono::system_clock::time_point atime{}, mtime{}, ctime{}, birthtime{};

    bool is_file() const noexcept { return S_ISREG(mode); }
    bool is_directory() const noexcept { return S_ISDIR(mode); }
    bool is_symbolic_link() const noexcept { return S_ISLNK(mode); }
    bool is_fifo() const noexcept { return S_ISFIFO(mode); }
    bool is_socket() const noexcept { return S_ISSOCK(mode); }
    bool is_character_device() const noexcept { return S_ISCHR(mode); }
    bool is_block_device() const noexcept { return S_ISBLK(mode); }
};

/// Node's fs.Dirent: an entry of readdir() with file types.
struct dirent {
    /// The file type (DT_* of the directory entry, or from lstat when the file system
    /// does not report one).
    enum class kind : unsigned char {
        unknown,
        file,
        directory,
        symbolic_link,
        fifo,
        socket,
        character_device,
        block_device
    };
    std::string name;
    kind type = kind::unknown;

    bool is_file() const noexcept { return type == kind::file; }
    bool is_directory() const noexcept { return type == kind::directory; }
    bool is_symbolic_link() const noexcept { return type == kind::symbolic_link; }
    bool is_fifo() const noexcept { return type == kind::fifo; }
    bool is_socket() const noexcept { return type == kind::socket; }
    bool is_character_device() const noexcept { return type == kind::character_device; }
    bool is_block_device() const noexcept { return type == kind::block_device; }
};

/// Options of read_file (Node's readFile options, without encoding: pass an encoding
/// instead of options to get text).
struct read_file_options {
    /// Node's flag: how the file is opened (default 'r').
    open_flags flag = O_RDONLY;
};

/// Options of write_file and append_file (Node's writeFile options).
struct write_file_options {
    /// Node's flag: 'w' for write_file, 'a' for append_file when left unset.
    std::optional<open_flags> flag{};
    /// Node's mode for a created file (before the umask).
    unsigned mode = 0666;
    /// Node's encoding of string data (default utf8).
    costream::encoding encoding = costream::encoding::utf8;
    /// Node's flush: fsync the file before closing it.
    bool flush = false;
};

/// Options of mkdir (Node's mkdir options).
struct mkdir_options {
    /// Create missing parents; an existing directory is not an error.
    bool recursive = false;
    /// Mode of the new directories (before the umask).
    unsigned mode = 0777;
};

/// Options of rm (Node's rm options).
struct rm_options {
    /// Remove directories and their contents.
    bool recursive = false;
    /// Ignore a missing path.
    bool force = false;
};

/// Options of rmdir (Node's rmdir options; `recursive` is deprecated in Node, use rm).
struct rmdir_options {
    bool recursive = false;
};

} // namespace costream::fs
