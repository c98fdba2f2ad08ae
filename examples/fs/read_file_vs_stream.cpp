// fs.readFile of a file vs reading it as a stream: the same bytes, but readFile holds the whole
// file in memory at once while the stream holds one 64 KiB chunk at a time.
//
// Mirrors this Node program:
//
//     const data = await fs.promises.readFile(file);            // one buffer of the whole file
//     console.log(`readFile: ${data.length} bytes, sum ${sum(data)}`);
//     let chunks = 0, bytes = 0, s = 0, largest = 0;
//     fs.createReadStream(file)                                  // 64 KiB chunks
//       .on('data', (c) => { chunks++; bytes += c.length; s = add(s, c); largest = max(largest,
//       c.length); }) .on('end', () => console.log(`stream: ${chunks} chunks, ${bytes} bytes, sum
//       ${s}, largest chunk ${largest}`)) .on('close', () => console.log('same bytes: true'));
//
// Both read on costream's thread pool and complete on the loop. Output:
// examples/fs/read_file_vs_stream.expected.
#include <costream/buffer.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace fs = costream::fs;

namespace {
std::uint64_t add(std::uint64_t s, const costream::buffer& b) {
    for (std::uint8_t c : b)
        s = (s * 31 + c) % 1000000007;
    return s;
}
} // namespace

int main() {
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string file = dir + "/data.bin";
    auto data = costream::buffer::alloc_unsafe(5 * 1024 * 1024 + 7);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>((i * 7 + (i >> 9)) & 0xff);
    fs::write_file_sync(file, data);

    costream::loop loop;
    std::uint64_t whole_sum = 0;
    auto main_task = [&]() -> costream::promise<void> {
        costream::buffer all = co_await fs::read_file(file);
        whole_sum = add(0, all);
        std::printf("readFile: %zu bytes, sum %llu\n", all.size(),
                    static_cast<unsigned long long>(whole_sum));

        // Node: for await (const c of fs.createReadStream(file)) — one chunk at a time.
        std::size_t chunks = 0, bytes = 0, largest = 0;
        std::uint64_t s = 0;
        auto rs = fs::create_read_stream(file);
        auto it = rs->iterate();
        for (;;) {
            std::optional<costream::buffer> c = co_await it.next();
            if (!c) break;
            ++chunks;
            bytes += c->size();
            largest = std::max(largest, c->size());
            s = add(s, *c);
        }
        std::printf("stream: %zu chunks, %zu bytes, sum %llu, largest chunk %zu\n", chunks, bytes,
                    static_cast<unsigned long long>(s), largest);
        std::printf("same bytes: %s\n", s == whole_sum ? "true" : "false");
        fs::rm_sync(dir, {.recursive = true});
    };
    auto p = main_task();
    loop.run();
    p.get(); // rethrows a failure
    return 0;
}
