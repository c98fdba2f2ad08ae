// Helper of copy_file_oom.cpp: fs::copy_file_sync from /proc/self/status (copy_file_range
// refuses procfs with EXDEV, so the copy takes the read/write fallback and its 256 KiB
// buffer) while every allocation of 256 KiB or more fails, as when memory is exhausted.
// Prints "<outcome> fds <descriptors left open by the call> dest <exists|gone>".
#include <costream/fs/error.hpp>
#include <costream/fs/sync.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>

namespace {
bool fail_big = false;

std::size_t open_fds() {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        (void)e;
        ++n;
    }
    return n;
}
} // namespace

// The replaced allocation functions: malloc/free, failing big blocks while fail_big is set.
void* operator new(std::size_t n) {
    if (fail_big && n >= 256 * 1024) throw std::bad_alloc();
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string dest = argv[1];
    const std::size_t before = open_fds();
    std::string outcome = "copied";
    fail_big = true;
    try {
        costream::fs::copy_file_sync("/proc/self/status", dest);
    } catch (const costream::fs::error& e) {
        outcome = std::string(costream::node_code(e.code())) + " " + e.info().syscall;
    } catch (const std::bad_alloc&) {
        outcome = "bad_alloc";
    }
    fail_big = false;
    const long left = static_cast<long>(open_fds()) - static_cast<long>(before);
    std::printf("%s fds %ld dest %s\n", outcome.c_str(), left,
                std::filesystem::exists(dest) ? "exists" : "gone");
    return 0;
}
