// A child program for the zlib tests (out_of_memory.cpp): runs one zlib stream under an
// address-space limit (setrlimit RLIMIT_AS) so that the output buffer a pool job allocates
// does not fit, and prints what the stream reported. A separate process because the limit
// would break the test runner (and a sanitizer runtime: this program is built without one).
// Named .cc so that the test executable's *.cpp glob leaves it out.
//
//   zlib_oom_child gunzip|parallel  ->  "<bytes out> <node_code> <message>" on stdout
#include <costream/buffer.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/thread_pool.hpp>
#include <costream/zlib.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr std::size_t mib = 1024 * 1024;

// The process's current address-space size (VmSize in /proc/self/status), in bytes.
std::size_t vm_size() {
    std::ifstream f("/proc/self/status");
    std::string key;
    std::size_t kib = 0;
    while (f >> key) {
        if (key == "VmSize:") {
            f >> kib;
            break;
        }
    }
    return kib * 1024;
}

template <class Stream>
int run(costream::loop& l, Stream& s, const costream::buffer& input, std::size_t headroom) {
    std::size_t out = 0;
    std::vector<costream::buffer> kept; // freed output would make room for the next buffer
    std::string result = "no error";
    s->on("data", [&](const costream::buffer& b) {
        out += b.size();
        kept.push_back(b);
    });
    s->on("error", [&](const boost::system::error_code& ec) {
        result = std::string(costream::node_code(ec)) + " " + ec.message();
    });
    // From here on, a new chunk-sized buffer does not fit.
    const rlimit lim{vm_size() + headroom, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_AS, &lim) != 0) {
        std::perror("setrlimit");
        return 2;
    }
    s->write(input);
    s->end();
    l.run();
    std::printf("%zu %s\n", out, result.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    costream::loop l;
    // Start the pool's threads (their stacks) before the limit.
    costream::offload([] {}, [](std::exception_ptr) {});
    l.run();
    if (std::strcmp(argv[1], "gunzip") == 0) {
        // 256 MiB of zeros, compressed (about 256 KiB), inflated into 64 MiB output buffers:
        // the first is made by create_gunzip (before the limit), the second on the pool.
        costream::buffer input;
        {
            costream::buffer zeros = costream::buffer::alloc(256 * mib);
            input = costream::zlib::gzip_sync(zeros);
        }
        auto s = costream::zlib::create_gunzip({.chunk_size = 64 * mib});
        return run(l, s, input, 32 * mib);
    }
    if (std::strcmp(argv[1], "parallel") == 0) {
        // One 64 MiB block: write() copies it into the stream's block buffer (the headroom
        // has room for that), then its output buffer (deflateBound: a little over 64 MiB),
        // allocated on the pool, does not fit.
        costream::buffer input = costream::buffer::alloc(64 * mib, 'x');
        auto s = costream::zlib::create_parallel_gzip({.block_size = 64 * mib});
        return run(l, s, input, 96 * mib);
    }
    return 2;
}
