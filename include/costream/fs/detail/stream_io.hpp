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

/// Opens `path` on the pool and calls `done(fd_or_minus_errno)` on the loop.
template <class Done>
void async_open(std::string path, int flags, unsigned mode, Done&& done) {
    costream::offload([p = std::move(path), flags,
                       mode]() noexcept -> long { return sys::open(p.c_str(), flags, mode); },
                      [d = std::forward<Done>(done)](std::exception_ptr, long r) mutable { d(r); });
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
