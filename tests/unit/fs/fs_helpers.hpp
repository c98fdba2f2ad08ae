// Helpers of the fs tests: a temporary directory removed at the end, deterministic
// pseudo-random bytes, and running a loop until a promise settles.
#pragma once

#include <costream/buffer.hpp>
#include <costream/fs/sync.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace fs_test {

/// A directory from mkdtemp under the system temp dir, removed with everything in it.
struct temp_dir {
    std::string path = costream::fs::mkdtemp_sync(
        (std::filesystem::temp_directory_path() / "costream-fs-").string());
    temp_dir() = default;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

/// `n` bytes of a xorshift sequence seeded by `seed`.
inline costream::buffer random_bytes(std::size_t n, std::uint64_t seed) {
    costream::buffer b = costream::buffer::alloc(n);
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (std::size_t i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = static_cast<std::uint8_t>(x >> 24);
    }
    return b;
}

/// The bytes of `b` as a std::string (byte for byte, no decoding).
inline std::string raw(const costream::buffer& b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// A small deterministic generator for sizes.
struct rng {
    std::uint64_t x;
    explicit rng(std::uint64_t seed) : x(seed * 2654435761u + 7) {}
    std::uint64_t next() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    }
    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

/// Whether the process can bypass permission bits (root): chmod 000 then denies nothing.
inline bool running_as_root() {
    return ::geteuid() == 0;
}

/// How many descriptors this process has open (the entries of /proc/self/fd, less the one
/// the listing itself holds while it runs).
inline std::size_t open_fd_count() {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        (void)e;
        ++n;
    }
    return n - 1;
}

/// Whether `fd` is an open descriptor.
inline bool fd_is_open(int fd) {
    return fd >= 0 && ::fcntl(fd, F_GETFD) != -1;
}

} // namespace fs_test
