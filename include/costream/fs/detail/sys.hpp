// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/detail/sys.hpp: the POSIX calls costream::fs makes, each through the fault-injection
// hook, returning the result or -errno (never errno itself: pool threads share nothing).
#pragma once

#include <costream/config.hpp>
#include <costream/fs/fault_injection.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

namespace costream::fs::detail::sys {

inline long fail_or(long r) noexcept {
    return r < 0 ? -errno : r;
}

inline int open(const char* path, int flags, unsigned mode) noexcept {
    if (int e = injected("open")) return -e;
    int fd;
    do
        fd = ::open(path, flags | O_CLOEXEC, static_cast<mode_t>(mode));
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

inline int close(int fd) noexcept {
    if (int e = injected("close")) {
        ::close(fd); // the descriptor is gone either way, as after a real EIO from close
        return -e;
    }
    // Linux releases the descriptor even when close() fails with EINTR: never retry.
    return ::close(fd) < 0 ? -errno : 0;
}

/// pread at `pos`, or read at the file position when pos < 0.
inline long read(int fd, void* data, std::size_t len, std::int64_t pos) noexcept {
    if (int e = injected("read", &len)) return -e;
    long r;
    do
        r = pos >= 0 ? ::pread(fd, data, len, static_cast<off_t>(pos)) : ::read(fd, data, len);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

/// pwrite at `pos`, or write at the file position (or the end with O_APPEND) when pos < 0.
inline long write(int fd, const void* data, std::size_t len, std::int64_t pos) noexcept {
    if (int e = injected("write", &len)) return -e;
    long r;
    do
        r = pos >= 0 ? ::pwrite(fd, data, len, static_cast<off_t>(pos)) : ::write(fd, data, len);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

/// pwritev / writev; counted as "write". A short-I/O rule shortens the vector.
inline long writev(int fd, const ::iovec* iov, int n, std::int64_t pos) noexcept {
    std::size_t total = 0;
    for (int i = 0; i < n; ++i)
        total += iov[i].iov_len;
    std::size_t allowed = total;
    if (int e = injected("write", &allowed)) return -e;
    if (allowed < total) {
        // Write only a prefix: the fault layer asked for a short write.
        int k = 0;
        std::size_t sum = 0;
        while (k < n && sum + iov[k].iov_len <= allowed)
            sum += iov[k++].iov_len;
        if (k == 0) return write(fd, iov[0].iov_base, allowed, pos);
        n = k;
    }
    long r;
    do
        r = pos >= 0 ? ::pwritev(fd, iov, n, static_cast<off_t>(pos)) : ::writev(fd, iov, n);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

inline int fstat(int fd, struct ::stat* st) noexcept {
    if (int e = injected("fstat")) return -e;
    return ::fstat(fd, st) < 0 ? -errno : 0;
}
inline int stat(const char* path, struct ::stat* st) noexcept {
    if (int e = injected("stat")) return -e;
    return ::stat(path, st) < 0 ? -errno : 0;
}
inline int lstat(const char* path, struct ::stat* st) noexcept {
    if (int e = injected("lstat")) return -e;
    return ::lstat(path, st) < 0 ? -errno : 0;
}
inline int fsync(int fd) noexcept {
    if (int e = injected("fsync")) return -e;
    return ::fsync(fd) < 0 ? -errno : 0;
}
inline int ftruncate(int fd, std::int64_t len) noexcept {
    if (int e = injected("ftruncate")) return -e;
    return ::ftruncate(fd, static_cast<off_t>(len)) < 0 ? -errno : 0;
}
inline int unlink(const char* path) noexcept {
    if (int e = injected("unlink")) return -e;
    return ::unlink(path) < 0 ? -errno : 0;
}
inline int rmdir(const char* path) noexcept {
    if (int e = injected("rmdir")) return -e;
    return ::rmdir(path) < 0 ? -errno : 0;
}
inline int rename(const char* from, const char* to) noexcept {
    if (int e = injected("rename")) return -e;
    return ::rename(from, to) < 0 ? -errno : 0;
}
inline int mkdir(const char* path, unsigned mode) noexcept {
    if (int e = injected("mkdir")) return -e;
    return ::mkdir(path, static_cast<mode_t>(mode)) < 0 ? -errno : 0;
}
inline int access(const char* path, int mode) noexcept {
    if (int e = injected("access")) return -e;
    return ::access(path, mode) < 0 ? -errno : 0;
}
/// mkdtemp on `tmpl` (ending in XXXXXX), in place.
inline int mkdtemp(char* tmpl) noexcept {
    if (int e = injected("mkdtemp")) return -e;
    return ::mkdtemp(tmpl) ? 0 : -errno;
}

} // namespace costream::fs::detail::sys
