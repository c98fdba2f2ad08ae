// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/fault_injection.hpp: costream::fs::fault_injection, a test hook that makes chosen
// file-system calls fail (a full disk, an I/O error) or transfer fewer bytes.
#pragma once

#include <costream/config.hpp>

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace costream::fs {

class fault_injection;

namespace detail {
inline std::atomic<fault_injection*>& active_injection() noexcept {
    static std::atomic<fault_injection*> p{nullptr};
    return p;
}
} // namespace detail

/// A test hook for costream::fs: while an instance is alive, every file-system call that
/// costream::fs makes (on the loop thread, the pool threads, or in a *_sync function) first
/// asks it whether to fail. Calls are named by Node's `syscall` strings: "open", "close",
/// "read" (read, pread), "write" (write, pwrite, writev, pwritev), "fstat", "stat",
/// "lstat", "fsync", "unlink", "rename", "mkdir", "rmdir", "scandir", "mkdtemp",
/// "copyfile", "access", "ftruncate"; and "readdir", each read of a directory's next entry
/// (readdir(3), one per entry and one for the end), which fails the listing with syscall
/// "scandir" as libuv's scandir(3) does. Counting starts when the instance is made.
///
/// Only one instance may be alive at a time (a second one throws std::logic_error). Make
/// and destroy it while no costream::fs operation is in flight; the rules themselves are
/// thread-safe (pool threads consult them). Without an instance the cost is one atomic
/// load per system call.
///
///     costream::fs::fault_injection disk;
///     disk.fail("write", 3, ENOSPC);   // the 3rd write fails: "a full disk"
///     disk.fail("read", 1, EIO, 1000); // reads 1..1000 fail with EIO
///     disk.short_io("write", 7);       // every write transfers at most 7 bytes
///
/// Node has no equivalent (its tests mock the fs binding); this is what lets costream test
/// that a full disk surfaces as 'error' (ENOSPC, syscall 'write') and closes the file.
class fault_injection {
public:
    fault_injection() {
        fault_injection* expected = nullptr;
        if (!detail::active_injection().compare_exchange_strong(expected, this))
            throw std::logic_error("costream::fs::fault_injection: one is already active");
    }
    fault_injection(const fault_injection&) = delete;
    fault_injection& operator=(const fault_injection&) = delete;
    ~fault_injection() { detail::active_injection().store(nullptr); }

    /// Makes calls number nth .. nth+count-1 (1-based) of `syscall` fail with `err` (a
    /// positive errno value such as ENOSPC or EIO).
    fault_injection& fail(std::string_view syscall, std::size_t nth, int err,
                          std::size_t count = 1) {
        std::lock_guard lock(mutex_);
        rules_[std::string(syscall)].failures.push_back({nth, nth + count, err});
        return *this;
    }
    /// Makes every later call of `syscall` fail with `err`.
    fault_injection& fail_always(std::string_view syscall, int err) {
        return fail(syscall, 1, err, static_cast<std::size_t>(-1) / 2);
    }
    /// Limits every read or write of `syscall` ("read" or "write") to `max_bytes` bytes
    /// (short reads and writes, which callers must loop over). 0 removes the limit.
    fault_injection& short_io(std::string_view syscall, std::size_t max_bytes) {
        std::lock_guard lock(mutex_);
        rules_[std::string(syscall)].max_bytes = max_bytes;
        return *this;
    }
    /// How many times `syscall` was called (attempts, failed ones included).
    std::size_t calls(std::string_view syscall) const {
        std::lock_guard lock(mutex_);
        auto it = rules_.find(std::string(syscall));
        return it == rules_.end() ? 0 : it->second.calls;
    }

    /// Called by costream::fs before a system call: counts it and returns the errno to
    /// fail it with (0: perform it). `len` may be lowered for a short transfer.
    int on_call(std::string_view syscall, std::size_t* len = nullptr) {
        std::lock_guard lock(mutex_);
        rule& r = rules_[std::string(syscall)];
        std::size_t n = ++r.calls;
        for (const auto& f : r.failures)
            if (n >= f.from && n < f.to) return f.err;
        if (len && r.max_bytes && *len > r.max_bytes) *len = r.max_bytes;
        return 0;
    }

private:
    struct failure {
        std::size_t from, to;
        int err;
    };
    struct rule {
        std::size_t calls = 0;
        std::size_t max_bytes = 0;
        std::vector<failure> failures;
    };
    mutable std::mutex mutex_;
    std::map<std::string, rule, std::less<>> rules_;
};

namespace detail {
/// The errno to fail `syscall` with (0 when there is no injection or no rule for it).
inline int injected(std::string_view syscall, std::size_t* len = nullptr) {
    fault_injection* f = active_injection().load(std::memory_order_acquire);
    return f ? f->on_call(syscall, len) : 0;
}
} // namespace detail

} // namespace costream::fs
