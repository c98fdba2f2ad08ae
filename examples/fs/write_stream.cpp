// A file write stream driven from a coroutine: each co_await async_write() waits while the
// stream is above its high_water_mark (Node: `if (!ws.write(x)) await once(ws, 'drain')`).
//
// Mirrors this Node program:
//
//     const ws = fs.createWriteStream(file);
//     ws.on('open', () => console.log('open'));
//     ws.on('ready', () => console.log('ready'));
//     ws.on('finish', () => console.log('finish'));
//     ws.on('close', () => console.log(`close: bytesWritten=${ws.bytesWritten}`));
//     for (let i = 0; i < 50000; i++)
//       if (!ws.write(`record ${i}\n`)) await once(ws, 'drain');
//     ws.end();
//     await once(ws, 'close');
//     console.log(`file: ${fs.statSync(file).size} bytes`);
//
// Output: examples/fs/write_stream.expected.
#include <costream/buffer.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = costream::fs;

int main() {
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string file = dir + "/records.txt";

    costream::loop loop;
    auto ws = fs::create_write_stream(file);
    auto* w = ws.get();
    ws->on("open", [] { std::puts("open"); });
    ws->on("ready", [] { std::puts("ready"); });
    ws->on("finish", [] { std::puts("finish"); });
    ws->on("close", [w] {
        std::printf("close: bytesWritten=%llu\n",
                    static_cast<unsigned long long>(w->bytes_written()));
    });
    auto writer = [&]() -> costream::promise<void> {
        for (int i = 0; i < 50000; ++i) {
            auto line = costream::buffer::from("record " + std::to_string(i) + "\n");
            co_await ws->async_write(std::move(line));
        }
        co_await ws->async_end();
    };
    auto p = writer();
    loop.run();
    p.get();
    std::printf("file: %llu bytes\n", static_cast<unsigned long long>(fs::stat_sync(file).size));
    fs::rm_sync(dir, {.recursive = true});
    return 0;
}
