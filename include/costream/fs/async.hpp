// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/async.hpp: Node's asynchronous fs functions (fs.readFile, fs.open, fs.stat, ...) as
// Asio initiating functions: the blocking call runs on costream's thread pool and the
// completion runs on the calling loop, in its poll phase.
//
// Completion signature: void(std::exception_ptr, T) (void(std::exception_ptr) for
// functions without a result), the same as costream::offload. A failure is a
// costream::fs::error (a boost::system::system_error carrying Node's code, syscall, path
// and message). Why an exception_ptr and not an error_code: Node's error object carries
// the syscall and the path, and an error_code cannot; with the default token
// (costream::use_promise) the promise rejects with that fs::error, with
// asio::use_awaitable it is thrown, with a callback or asio::as_tuple you get the
// exception_ptr (fs::error_code_of(e) gives its error_code).
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/fs/detail/stream_io.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/types.hpp>
#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace costream::fs {

/// A completion token for an fs operation whose value is T.
template <class Token, class T>
concept completion_token_for =
    boost::asio::completion_token_for<Token, typename costream::detail::value_completion<T>::type>;

// ---- files ----------------------------------------------------------------------------

/// Node's fs.readFile(path[, {flag}], cb): the whole file as a buffer.
/// Errors: ENOENT/EACCES/EISDIR... with syscall `open` and the path, or `read`.
template <completion_token_for<costream::buffer> Token = use_promise_t>
auto read_file(std::string path, read_file_options opts, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path), opts] { return read_file_sync(p, opts); },
                             std::forward<Token>(token));
}
/// Same, default options.
template <completion_token_for<costream::buffer> Token = use_promise_t>
auto read_file(std::string path, Token&& token = {}) {
    return read_file(std::move(path), read_file_options{}, std::forward<Token>(token));
}
/// Node's fs.readFile(path, encoding, cb): the file as text in that encoding.
template <completion_token_for<std::string> Token = use_promise_t>
auto read_file(std::string path, costream::encoding enc, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path), enc] { return read_file_sync(p, enc); },
                             std::forward<Token>(token));
}

/// Node's fs.writeFile(path, data[, options], cb): creates or truncates the file.
template <completion_token_for<void> Token = use_promise_t>
auto write_file(std::string path, costream::buffer data, write_file_options opts,
                Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path), d = std::move(data),
                              o = std::move(opts)] { write_file_sync(p, d, o); },
                             std::forward<Token>(token));
}
/// Same, default options.
template <completion_token_for<void> Token = use_promise_t>
auto write_file(std::string path, costream::buffer data, Token&& token = {}) {
    return write_file(std::move(path), std::move(data), write_file_options{},
                      std::forward<Token>(token));
}
/// Same, for text (encoded on the calling thread, in opts.encoding).
template <completion_token_for<void> Token = use_promise_t>
auto write_file(std::string path, std::string_view text, write_file_options opts,
                Token&& token = {}) {
    costream::buffer data = costream::buffer::from(text, opts.encoding);
    return write_file(std::move(path), std::move(data), std::move(opts),
                      std::forward<Token>(token));
}
/// Same, for text, default options.
template <completion_token_for<void> Token = use_promise_t>
auto write_file(std::string path, std::string_view text, Token&& token = {}) {
    return write_file(std::move(path), text, write_file_options{}, std::forward<Token>(token));
}

/// Node's fs.appendFile(path, data[, options], cb): flag 'a' unless given.
template <completion_token_for<void> Token = use_promise_t>
auto append_file(std::string path, costream::buffer data, write_file_options opts,
                 Token&& token = {}) {
    if (!opts.flag) opts.flag = open_flags(O_APPEND | O_CREAT | O_WRONLY);
    return write_file(std::move(path), std::move(data), std::move(opts),
                      std::forward<Token>(token));
}
/// Same, default options.
template <completion_token_for<void> Token = use_promise_t>
auto append_file(std::string path, costream::buffer data, Token&& token = {}) {
    return append_file(std::move(path), std::move(data), write_file_options{},
                       std::forward<Token>(token));
}
/// Same, for text.
template <completion_token_for<void> Token = use_promise_t>
auto append_file(std::string path, std::string_view text, Token&& token = {}) {
    return append_file(std::move(path), costream::buffer::from(text), write_file_options{},
                       std::forward<Token>(token));
}

// ---- descriptors ----------------------------------------------------------------------

namespace detail {

/// The handler fs::open gives costream::offload: the pool's descriptor travels as an
/// owned_fd up to the moment the caller's handler is invoked, and becomes a plain int only
/// then. Why: a completion that never runs (its loop was destroyed while the open was on
/// the pool or queued for the poll phase, or the handler's own executor dropped it) is
/// destroyed with its result, and an int would leak the descriptor; an owned_fd closes it.
/// Executor, allocator and cancellation slot are the caller's handler's (associator below).
template <class Handler>
struct open_handler {
    Handler handler;
    void operator()(std::exception_ptr e, owned_fd fd) {
        // -1 on failure (owned_fd{} holds -1): never a descriptor the caller could close.
        const long r = fd.release();
        std::move(handler)(std::move(e), static_cast<int>(r));
    }
};

struct initiate_open {
    template <class Handler>
    void operator()(Handler&& h, std::string path, open_flags flags, unsigned mode) const {
        costream::offload(
            [p = std::move(path), flags, mode] { return owned_fd(open_sync(p, flags, mode)); },
            open_handler<std::decay_t<Handler>>{std::forward<Handler>(h)});
    }
};

} // namespace detail

/// Node's fs.open(path[, flags[, mode]], cb): the new descriptor (an int; -1 with an
/// error). A descriptor whose completion never runs (the loop was destroyed first) is
/// closed, not leaked.
template <completion_token_for<int> Token = use_promise_t>
auto open(std::string path, open_flags flags, unsigned mode, Token&& token = {}) {
    detail::validate_path(path);
    return boost::asio::async_initiate<Token, void(std::exception_ptr, int)>(
        detail::initiate_open{}, token, std::move(path), flags, mode);
}
/// Same, mode 0666.
template <completion_token_for<int> Token = use_promise_t>
auto open(std::string path, open_flags flags, Token&& token = {}) {
    return open(std::move(path), flags, 0666u, std::forward<Token>(token));
}
/// Same, flags 'r'.
template <completion_token_for<int> Token = use_promise_t>
auto open(std::string path, Token&& token = {}) {
    return open(std::move(path), open_flags(O_RDONLY), 0666u, std::forward<Token>(token));
}

/// Node's fs.close(fd, cb).
template <completion_token_for<void> Token = use_promise_t>
auto close(int fd, Token&& token = {}) {
    detail::validate_fd(fd);
    return costream::offload([fd] { close_sync(fd); }, std::forward<Token>(token));
}

/// Node's fs.read(fd, buffer, offset, length, position, cb): the number of bytes read
/// into `buf` (a shared view: the bytes land in the caller's buffer). Do not touch those
/// bytes until the completion.
template <completion_token_for<std::size_t> Token = use_promise_t>
auto read(int fd, costream::buffer buf, std::size_t offset, std::size_t length,
          std::optional<std::int64_t> position, Token&& token = {}) {
    // Validated now, on the caller's thread: Node throws these before any I/O.
    detail::validate_read(fd, buf.size(), offset, length, position);
    return costream::offload(
        [fd, b = std::move(buf), offset, length, position]() mutable {
            return read_sync(fd, b, offset, length, position);
        },
        std::forward<Token>(token));
}
/// Node's fs.read(fd, buffer, cb): fills `buf` from the file position.
template <completion_token_for<std::size_t> Token = use_promise_t>
auto read(int fd, costream::buffer buf, Token&& token = {}) {
    std::size_t n = buf.size();
    return read(fd, std::move(buf), 0, n, std::nullopt, std::forward<Token>(token));
}

/// Node's fs.write(fd, buffer[, position], cb): one write(2), the number of bytes
/// written (it may be short, as in Node).
template <completion_token_for<std::size_t> Token = use_promise_t>
auto write(int fd, costream::buffer buf, std::optional<std::int64_t> position, Token&& token = {}) {
    detail::validate_fd(fd);
    return costream::offload(
        [fd, b = std::move(buf), position] { return write_sync(fd, b, position); },
        std::forward<Token>(token));
}
/// Same, at the file position.
template <completion_token_for<std::size_t> Token = use_promise_t>
auto write(int fd, costream::buffer buf, Token&& token = {}) {
    return write(fd, std::move(buf), std::nullopt, std::forward<Token>(token));
}
/// Node's fs.write(fd, string, cb): UTF-8 text at the file position.
template <completion_token_for<std::size_t> Token = use_promise_t>
auto write(int fd, std::string_view text, Token&& token = {}) {
    return write(fd, costream::buffer::from(text), std::nullopt, std::forward<Token>(token));
}

/// Node's fs.fstat(fd, cb).
template <completion_token_for<stats> Token = use_promise_t>
auto fstat(int fd, Token&& token = {}) {
    detail::validate_fd(fd);
    return costream::offload([fd] { return fstat_sync(fd); }, std::forward<Token>(token));
}

/// Node's fs.fsync(fd, cb).
template <completion_token_for<void> Token = use_promise_t>
auto fsync(int fd, Token&& token = {}) {
    detail::validate_fd(fd);
    return costream::offload([fd] { fsync_sync(fd); }, std::forward<Token>(token));
}

// ---- paths ----------------------------------------------------------------------------

/// Node's fs.stat(path, cb) (follows symbolic links).
template <completion_token_for<stats> Token = use_promise_t>
auto stat(std::string path, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path)] { return stat_sync(p); },
                             std::forward<Token>(token));
}
/// Node's fs.lstat(path, cb).
template <completion_token_for<stats> Token = use_promise_t>
auto lstat(std::string path, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path)] { return lstat_sync(p); },
                             std::forward<Token>(token));
}
/// Node's fs.unlink(path, cb).
template <completion_token_for<void> Token = use_promise_t>
auto unlink(std::string path, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path)] { unlink_sync(p); }, std::forward<Token>(token));
}
/// Node's fs.rename(old_path, new_path, cb).
template <completion_token_for<void> Token = use_promise_t>
auto rename(std::string old_path, std::string new_path, Token&& token = {}) {
    detail::validate_path(old_path, "oldPath");
    detail::validate_path(new_path, "newPath");
    return costream::offload(
        [a = std::move(old_path), b = std::move(new_path)] { rename_sync(a, b); },
        std::forward<Token>(token));
}
/// Node's fs.mkdir(path[, {recursive, mode}], cb): with recursive, the first directory
/// created (nullopt when nothing was created).
template <completion_token_for<std::optional<std::string>> Token = use_promise_t>
auto mkdir(std::string path, mkdir_options opts, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path), opts] { return mkdir_sync(p, opts); },
                             std::forward<Token>(token));
}
/// Same, default options.
template <completion_token_for<std::optional<std::string>> Token = use_promise_t>
auto mkdir(std::string path, Token&& token = {}) {
    return mkdir(std::move(path), mkdir_options{}, std::forward<Token>(token));
}
/// Node's fs.readdir(path, cb): sorted entry names.
template <completion_token_for<std::vector<std::string>> Token = use_promise_t>
auto readdir(std::string path, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path)] { return readdir_sync(p); },
                             std::forward<Token>(token));
}
/// Node's fs.readdir(path, {withFileTypes: true}, cb).
template <completion_token_for<std::vector<dirent>> Token = use_promise_t>
auto readdir_entries(std::string path, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path)] { return readdir_entries_sync(p); },
                             std::forward<Token>(token));
}
/// Node's fs.rmdir(path, cb).
template <completion_token_for<void> Token = use_promise_t>
auto rmdir(std::string path, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path)] { rmdir_sync(p); }, std::forward<Token>(token));
}
/// Node's fs.rm(path[, {recursive, force}], cb).
template <completion_token_for<void> Token = use_promise_t>
auto rm(std::string path, rm_options opts, Token&& token = {}) {
    detail::validate_path(path);
    return costream::offload([p = std::move(path), opts] { rm_sync(p, opts); },
                             std::forward<Token>(token));
}
/// Same, default options.
template <completion_token_for<void> Token = use_promise_t>
auto rm(std::string path, Token&& token = {}) {
    return rm(std::move(path), rm_options{}, std::forward<Token>(token));
}
/// Node's fs.mkdtemp(prefix, cb): the created directory's path.
template <completion_token_for<std::string> Token = use_promise_t>
auto mkdtemp(std::string prefix, Token&& token = {}) {
    detail::validate_path(prefix, "prefix");
    return costream::offload([p = std::move(prefix)] { return mkdtemp_sync(p); },
                             std::forward<Token>(token));
}
/// Node's fs.copyFile(src, dest[, mode], cb).
template <completion_token_for<void> Token = use_promise_t>
auto copy_file(std::string src, std::string dest, int mode, Token&& token = {}) {
    detail::validate_path(src, "src");
    detail::validate_path(dest, "dest");
    detail::validate_mode_bits(mode);
    return costream::offload(
        [a = std::move(src), b = std::move(dest), mode] { copy_file_sync(a, b, mode); },
        std::forward<Token>(token));
}
/// Same, mode 0.
template <completion_token_for<void> Token = use_promise_t>
auto copy_file(std::string src, std::string dest, Token&& token = {}) {
    return copy_file(std::move(src), std::move(dest), 0, std::forward<Token>(token));
}
/// Node's fs.access(path[, mode], cb).
template <completion_token_for<void> Token = use_promise_t>
auto access(std::string path, int mode, Token&& token = {}) {
    detail::validate_path(path);
    detail::validate_mode_bits(mode);
    return costream::offload([p = std::move(path), mode] { access_sync(p, mode); },
                             std::forward<Token>(token));
}
/// Same, F_OK.
template <completion_token_for<void> Token = use_promise_t>
auto access(std::string path, Token&& token = {}) {
    return access(std::move(path), constants::f_ok, std::forward<Token>(token));
}

} // namespace costream::fs

/// fs::open's handler adapter has its wrapped handler's associated executor, allocator and
/// cancellation slot (as Asio's own adapters do, e.g. consign).
template <template <typename, typename> class Associator, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, costream::fs::detail::open_handler<Handler>,
                               DefaultCandidate> : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(const costream::fs::detail::open_handler<Handler>& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler);
    }
    static auto get(const costream::fs::detail::open_handler<Handler>& h,
                    const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};
