// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/error.hpp: costream::fs::error_info and costream::fs::error, the file-system errors as
// Node reports them (err.code, err.syscall, err.path, err.dest, err.errno, err.message).
#pragma once

#include <costream/config.hpp>
#include <costream/error.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace costream::fs {

/// libuv's message for an errno value (what Node prints after the code), e.g.
/// "no such file or directory" for ENOENT, "illegal operation on a directory" for EISDIR.
/// These differ from strerror()'s; an errno libuv does not name gives "unknown error".
inline std::string_view uv_message(int err) noexcept {
    switch (err) {
    // node: util.getSystemErrorMap() (libuv's UV_ERRNO_MAP), the errors files can raise
    case EPERM:
        return "operation not permitted";
    case ENOENT:
        return "no such file or directory";
    case ESRCH:
        return "no such process";
    case EINTR:
        return "interrupted system call";
    case EIO:
        return "i/o error";
    case ENXIO:
        return "no such device or address";
    case E2BIG:
        return "argument list too long";
    case EBADF:
        return "bad file descriptor";
    case EAGAIN:
        return "resource temporarily unavailable";
    case ENOMEM:
        return "not enough memory";
    case EACCES:
        return "permission denied";
    case EFAULT:
        return "bad address in system call argument";
    case EBUSY:
        return "resource busy or locked";
    case EEXIST:
        return "file already exists";
    case EXDEV:
        return "cross-device link not permitted";
    case ENODEV:
        return "no such device";
    case ENOTDIR:
        return "not a directory";
    case EISDIR:
        return "illegal operation on a directory";
    case EINVAL:
        return "invalid argument";
    case ENFILE:
        return "file table overflow";
    case EMFILE:
        return "too many open files";
    case ENOTTY:
        return "inappropriate ioctl for device";
    case ETXTBSY:
        return "text file is busy";
    case EFBIG:
        return "file too large";
    case ENOSPC:
        return "no space left on device";
    case ESPIPE:
        return "invalid seek";
    case EROFS:
        return "read-only file system";
    case EMLINK:
        return "too many links";
    case EPIPE:
        return "broken pipe";
    case ERANGE:
        return "result too large";
    case ENAMETOOLONG:
        return "name too long";
    case ENOSYS:
        return "function not implemented";
    case ENOTEMPTY:
        return "directory not empty";
    case ELOOP:
        return "too many symbolic links encountered";
    case ENODATA:
        return "no data available";
    case EOVERFLOW:
        return "value too large for defined data type";
    case EILSEQ:
        return "illegal byte sequence";
    case ENOTSUP:
        return "operation not supported on socket";
    case ECANCELED:
        return "operation canceled";
    default:
        return "unknown error";
    }
}

/// What Node attaches to a file-system error: the OS error (`err.code` through
/// node_code(code), `err.errno` as -code.value()), the system call (`err.syscall`: "open",
/// "read", "write", "scandir", ...) and the path(s) involved (`err.path`, `err.dest` for
/// rename, copyfile, link). An empty `code` means "no error".
///
/// The async fs functions fail with a costream::fs::error holding one of these; the fs
/// streams report the error_code through 'error' and keep the details in errored_info().
struct error_info {
    /// The OS error (system_category, errno value).
    boost::system::error_code code;
    /// Node's `err.syscall`; a string literal, "" when the error has none.
    const char* syscall = "";
    /// Node's `err.path` ("" when absent, as for read/write on an fd).
    std::string path;
    /// Node's `err.dest` ("" when absent).
    std::string dest;

    /// Whether this describes an error.
    explicit operator bool() const noexcept { return static_cast<bool>(code); }

    /// Node's `err.code`, e.g. "ENOENT".
    std::string_view node_code() const noexcept { return costream::node_code(code); }

    /// Node's `err.errno`: the negated errno (ENOENT is -2), 0 without an error. For
    /// ERR_FS_EISDIR (fs.rm on a directory) Node reports EISDIR's positive value.
    int errno_value() const noexcept {
        if (code == costream::errc::fs_eisdir) return EISDIR;
        return -code.value();
    }

    /// Node's `err.message`: `ENOENT: no such file or directory, open '/x'`, with
    /// ` -> '/y'` when there is a dest (rename, copyfile), and no path part when there is
    /// none (`EISDIR: illegal operation on a directory, read`).
    std::string message() const {
        // node: src/api/exceptions.cc UVException
        std::string m;
        m.reserve(64 + path.size() + dest.size());
        if (code == costream::errc::fs_eisdir) {
            // node: internal/fs/rimraf.js / ERR_FS_EISDIR, a SystemError
            m.append("Path is a directory: ").append(syscall);
            m.append(" returned EISDIR (is a directory) ").append(path);
            return m;
        }
        m.append(node_code()).append(": ").append(uv_message(code.value()));
        m.append(", ").append(syscall);
        if (!path.empty()) {
            m.append(" '").append(path).append("'");
            if (!dest.empty()) m.append(" -> '").append(dest).append("'");
        }
        return m;
    }
};

/// A file-system error as Node throws it from fs.*Sync() and rejects fs/promises with: a
/// boost::system::system_error (so `e.code()` is the OS error_code and generic handlers
/// work) that also carries Node's `syscall`, `path` and `dest`, and whose what() is
/// Node's message, e.g. `ENOENT: no such file or directory, open '/x'`.
///
///     try { costream::fs::read_file_sync("/x"); }
///     catch (const costream::fs::error& e) { e.node_code(); /* "ENOENT" */ e.syscall(); }
class error : public boost::system::system_error {
public:
    /// The error described by `info` (which must hold a code).
    explicit error(error_info info)
        : boost::system::system_error(info.code), info_(std::move(info)),
          message_(info_.message()) {}

    /// The whole description.
    const error_info& info() const noexcept { return info_; }
    /// Node's `err.code` ("ENOENT").
    std::string_view node_code() const noexcept { return info_.node_code(); }
    /// Node's `err.errno` (negative).
    int errno_value() const noexcept { return info_.errno_value(); }
    /// Node's `err.syscall`.
    std::string_view syscall() const noexcept { return info_.syscall; }
    /// Node's `err.path` ("" if none).
    const std::string& path() const noexcept { return info_.path; }
    /// Node's `err.dest` ("" if none).
    const std::string& dest() const noexcept { return info_.dest; }
    /// Node's `err.message`.
    const char* what() const noexcept override { return message_.c_str(); }

private:
    error_info info_;
    std::string message_;
};

/// The error_code inside an exception_ptr that an async fs function completed with: the
/// OS code of a costream::fs::error (or of any boost::system::system_error), the errc of a
/// costream::range_error/type_error/error (read_file's ERR_FS_FILE_TOO_LARGE, say: Node's
/// RangeError), a default-constructed code for a null pointer. Other exceptions are
/// rethrown.
inline boost::system::error_code error_code_of(const std::exception_ptr& e) {
    if (!e) return {};
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
        return se.code();
    } catch (const costream::range_error& re) {
        return make_error_code(re.code());
    } catch (const costream::type_error& te) {
        return make_error_code(te.code());
    } catch (const costream::error& ce) {
        return make_error_code(ce.code());
    }
}

namespace detail {

/// An OS error_code for a positive errno value.
inline boost::system::error_code errno_code(int err) noexcept {
    return {err, boost::system::system_category()};
}

/// Throws costream::fs::error for `err` (a positive errno value).
[[noreturn]] inline void throw_error(int err, const char* syscall, std::string_view path = {},
                                     std::string_view dest = {}) {
    throw costream::fs::error(
        error_info{errno_code(err), syscall, std::string(path), std::string(dest)});
}

} // namespace detail
} // namespace costream::fs
