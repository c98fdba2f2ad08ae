// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/detail/stream_io.hpp: what read_stream and write_stream share: the result of one
// system call made on the pool, and the asynchronous open and close of their descriptor.
#pragma once

#include <costream/config.hpp>
#include <costream/fs/detail/sys.hpp>
#include <costream/thread_pool.hpp>

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
/// `done(0_or_minus_errno, syscall)` on the loop with the first error of the two.
template <class Done>
void async_close(int fd, bool flush, Done&& done) {
    costream::offload(
        [fd, flush]() noexcept -> std::pair<long, const char*> {
            long r = 0;
            if (flush) r = sys::fsync(fd);
            long c = sys::close(fd);
            if (r < 0) return {r, "fsync"};
            return {c, "close"};
        },
        [d = std::forward<Done>(done)](std::exception_ptr, std::pair<long, const char*> r) mutable {
            d(r.first, r.second);
        });
}

} // namespace costream::fs::detail
