// Copy a file to another file: readable.pipe(writable), and the same with pipeline(), which
// also tears both streams down on an error.
//
// Mirrors this Node program:
//
//     const rs = fs.createReadStream(src), ws = fs.createWriteStream(dst);
//     ws.on('pipe', () => console.log('pipe'));
//     rs.on('end', () => console.log('end'));
//     ws.on('finish', () => console.log('finish'));
//     ws.on('close', () => {
//       console.log(`close: copied ${fs.statSync(dst).size} bytes, identical: ${same(src, dst)}`);
//       stream.pipeline(fs.createReadStream(dst), fs.createWriteStream(dst2), (err) =>
//         console.log(`pipeline: err=${err}, identical: ${same(src, dst2)}`));
//     });
//     rs.pipe(ws);
//
// Chunks go from the reader to the writer as they are (no copy); the reader pauses while the
// writer is above its high_water_mark. Output: examples/fs/pipe_file.expected.
#include <costream/buffer.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipe.hpp>
#include <costream/stream/pipeline.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = costream::fs;
namespace cs = costream::stream;

int main() {
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string src = dir + "/src.bin", dst = dir + "/dst.bin", dst2 = dir + "/dst2.bin";
    auto data = costream::buffer::alloc_unsafe(5 * 1024 * 1024 + 123);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>((i * 13 + (i >> 10)) & 0xff);
    fs::write_file_sync(src, data);
    auto same = [&](const std::string& path) { return fs::read_file_sync(path) == data; };

    costream::loop loop;
    auto rs = fs::create_read_stream(src);
    auto ws = fs::create_write_stream(dst);
    ws->on("pipe", [] { std::puts("pipe"); });
    rs->on("end", [] { std::puts("end"); });
    ws->on("finish", [] { std::puts("finish"); });
    ws->on("close", [&] {
        std::printf("close: copied %llu bytes, identical: %s\n",
                    static_cast<unsigned long long>(fs::stat_sync(dst).size),
                    same(dst) ? "true" : "false");
        auto r2 = fs::create_read_stream(dst);
        auto w2 = fs::create_write_stream(dst2);
        cs::pipeline(r2, w2, [&](boost::system::error_code ec) {
            std::printf("pipeline: err=%s, identical: %s\n",
                        ec ? std::string(costream::node_code(ec)).c_str() : "undefined",
                        same(dst2) ? "true" : "false");
            fs::rm_sync(dir, {.recursive = true});
        });
    });
    cs::pipe(*rs, *ws);
    loop.run();
    return 0;
}
