// Read a large file in chunks with 'data' and 'end'.
//
// Mirrors examples/stream/read_large_file.js:
//
//     fs.createReadStream(file, { highWaterMark: 64 * 1024 })
//       .on('data', (chunk) => { chunks++; bytes += chunk.length; ... })
//       .on('end', () => console.log(`end: ${chunks} chunks, ${bytes} bytes, ...`))
//       .on('close', () => console.log('close'));
//
// The file is read by costream::fs::create_read_stream: each 64 KiB read is a pread on
// costream's thread pool (Node's libuv threadpool), completing on the loop; every chunk is the
// buffer the pool thread filled, pushed without a copy.
//
// Output (examples/stream/read_large_file.expected): 128 chunks of 65536 bytes, the sum,
// then 'close' (auto_destroy after 'end' closes the descriptor).
#include <costream/buffer.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace fs = costream::fs;

int main() {
    // a temp dir with an 8 MiB file of a known pattern (fs.mkdtempSync + writeFileSync)
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string file = dir + "/big.bin";
    const std::size_t size = 8 * 1024 * 1024;
    {
        auto data = costream::buffer::alloc_unsafe(size);
        for (std::size_t i = 0; i < size; ++i)
            data[i] = static_cast<unsigned char>((i * 31 + (i >> 12)) & 0xff);
        fs::write_file_sync(file, data);
    }

    costream::loop loop;
    auto r = fs::create_read_stream(file, {.high_water_mark = 64 * 1024});

    std::size_t chunks = 0, bytes = 0;
    std::uint64_t sum = 0;
    std::set<std::size_t> sizes;
    r->on("data", [&](const costream::buffer& chunk) {
        ++chunks;
        bytes += chunk.size();
        sizes.insert(chunk.size());
        for (std::size_t i = 0; i < chunk.size(); ++i)
            sum = (sum + chunk[i]) % 1000000007;
    });
    r->on("end", [&] {
        std::string s;
        for (auto n : sizes)
            s += (s.empty() ? "" : ",") + std::to_string(n);
        std::printf("end: %zu chunks, %zu bytes, chunk sizes %s, sum %llu\n", chunks, bytes,
                    s.c_str(), static_cast<unsigned long long>(sum));
    });
    r->on("close", [&] {
        std::puts("close");
        fs::rm_sync(dir, {.recursive = true});
    });
    r->on("error", [](const boost::system::error_code& ec) {
        std::printf("error %s\n", ec.message().c_str());
    });
    loop.run();
    return 0;
}
