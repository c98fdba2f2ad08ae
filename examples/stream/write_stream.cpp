// A write stream: write() with backpressure ('drain'), end(), 'finish', then 'close'.
//
// Mirrors examples/stream/write_stream.js:
//
//     const ws = fs.createWriteStream(file);
//     function writeMore() {
//       while (i < 100000) {
//         if (!ws.write(`line ${i++}\n`)) { drains++; ws.once('drain', writeMore); return; }
//       }
//       ws.end('done\n');
//     }
//     ws.on('finish', () => console.log(`finish: ${i} lines written, waited for drain: ...`));
//     ws.on('close', () => { /* read the file back */ });
//
// The file is written by costream::fs::create_write_stream: each write is a pwrite on
// costream's thread pool; while one is in flight the writable queues the next lines, which
// then go out together in one pwritev.
//
// Output (examples/stream/write_stream.expected): finish, then close with the file's size.
#include <costream/buffer.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace fs = costream::fs;

int main() {
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string file = dir + "/out.txt";

    costream::loop loop;
    auto ws = fs::create_write_stream(file);

    int i = 0;
    int drains = 0;
    std::function<void()> write_more = [&] {
        while (i < 100000) {
            bool ok = ws->write("line " + std::to_string(i++) + "\n");
            if (!ok) {
                ++drains;
                ws->once("drain", [&] { write_more(); });
                return;
            }
        }
        ws->end("done\n");
    };
    ws->on("finish", [&] {
        std::printf("finish: %d lines written, waited for drain: %s\n", i,
                    drains > 0 ? "true" : "false");
    });
    ws->on("close", [&] {
        std::string text = fs::read_file_sync(file, costream::encoding::utf8);
        std::string last;
        auto end = text.rfind('\n');
        auto start = text.rfind('\n', end - 1);
        last = text.substr(start + 1, end - start - 1);
        std::printf("close: file has %zu bytes, last line %s\n", text.size(), last.c_str());
        fs::rm_sync(dir, {.recursive = true});
    });
    ws->on("error", [](const boost::system::error_code& ec) {
        std::printf("error %s\n", ec.message().c_str());
    });
    write_more();
    loop.run();
    return 0;
}
