// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/detail/stream_io.hpp: what read_stream and write_stream share: the result of one
// system call made on the pool, and the asynchronous open and close of their descriptor.
#pragma once

#include <costream/config.hpp>
#include <costream/fs/detail/sys.hpp>
#include <costream/fs/error.hpp>
#include <costream/thread_pool.hpp>

#include <boost/system/error_code.hpp>

#include <exception>
#include <string>
#include <utility>

namespace costream::fs::detail {

/// The result of an open made on the pool: a descriptor (or -errno) that is closed if
/// nobody takes it. Why: when the loop is destroyed while the open is out, its completion is
/// dropped with this result, and the descriptor would otherwise leak.
class owned_fd {
public:
    owned_fd() noexcept = default;
    explicit owned_fd(long r) noexcept : r_(r) {}
    owned_fd(owned_fd&& o) noexcept : r_(std::exchange(o.r_, -1)) {}
    owned_fd& operator=(owned_fd&& o) noexcept {
        if (this != &o) {
            reset();
            r_ = std::exchange(o.r_, -1);
        }
        return *this;
    }
    owned_fd(const owned_fd&) = delete;
    owned_fd& operator=(const owned_fd&) = delete;
    ~owned_fd() { reset(); }
    /// The descriptor or -errno; this object no longer closes it.
    long release() noexcept { return std::exchange(r_, -1); }

private:
    void reset() noexcept {
        if (r_ >= 0) (void)sys::close(static_cast<int>(r_));
        r_ = -1;
    }
    long r_ = -1;
};

/// Opens `path` on the pool and calls `done(fd_or_minus_errno)` on the loop. If the
/// completion never runs (the loop is gone), the descriptor is closed.
template <class Done>
void async_open(std::string path, int flags, unsigned mode, Done&& done) {
    costream::offload(
        [p = std::move(path), flags, mode]() noexcept {
            return owned_fd(sys::open(p.c_str(), flags, mode));
        },
        [d = std::forward<Done>(done)](std::exception_ptr, owned_fd r) mutable { d(r.release()); });
}

/// fsyncs `fd` first when `flush`, closes it on the pool, and calls
/// `done(error_code)` on the loop with the error the stream reports, as Node's streams.js
/// close()/_close(): `cb(er || err)` where err is `stream_error || fsync_error`: the close's
/// error first, then the stream's own error `ec`, then the fsync's. `info` is set to the
/// syscall of the error that came from here (fsync or close) and left alone otherwise.
template <class Done>
void async_close(int fd, bool flush, boost::system::error_code ec, error_info* info, Done&& done) {
    costream::offload(
        [fd, flush]() noexcept -> std::pair<long, long> {
            long f = flush ? sys::fsync(fd) : 0;
            return {f, sys::close(fd)};
        },
        [ec, info, d = std::forward<Done>(done)](std::exception_ptr,
                                                 std::pair<long, long> r) mutable {
            boost::system::error_code e = ec;
            if (r.first < 0 && !e) {
                *info = error_info{errno_code(static_cast<int>(-r.first)), "fsync", {}, {}};
                e = info->code;
            }
            if (r.second < 0) {
                *info = error_info{errno_code(static_cast<int>(-r.second)), "close", {}, {}};
                e = info->code;
            }
            d(e);
        });
}

} // namespace costream::fs::detail
