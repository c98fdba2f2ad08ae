// pipe(): a read stream piped into a write stream.
//
// Mirrors examples/stream/pipe.js:
//
//     const rs = fs.createReadStream(src);
//     const ws = fs.createWriteStream(dst);
//     ws.on('pipe', () => console.log('pipe'));
//     rs.on('end', () => console.log('end'));
//     ws.on('finish', () => console.log('finish'));
//     ws.on('close', () => { /* compare the copy */ });
//     rs.pipe(ws);
//
// costream's fs module does not exist yet, so both files are opened as POSIX file
// descriptors and wrapped by the Asio adapters (stream/asio_readable.hpp and
// asio_writable.hpp over boost::asio::posix::stream_descriptor; a regular file cannot be
// registered with epoll, so Asio reads and writes at once on the loop thread). pipe() moves
// the read buffers to the writer without copying them and pauses the reader while the
// writer is above its high_water_mark. pipeline() had not landed when this was written.
//
// Output (examples/stream/pipe.expected): pipe, end, finish, close with the comparison.
#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/stream/asio_readable.hpp>
#include <costream/stream/asio_writable.hpp>
#include <costream/stream/pipe.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cs = costream::stream;
using file_stream = boost::asio::posix::stream_descriptor;

int main() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "costream-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    const std::filesystem::path dir = tmpl;
    const std::string src = (dir / "src.bin").string(), dst = (dir / "dst.bin").string();
    const std::size_t size = 5 * 1024 * 1024 + 123;
    std::vector<char> data(size);
    for (std::size_t i = 0; i < size; ++i)
        data[i] = static_cast<char>((i * 13 + (i >> 10)) & 0xff);
    {
        std::ofstream out(src, std::ios::binary);
        out.write(data.data(), static_cast<std::streamsize>(size));
    }

    costream::loop loop;
    int in_fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    int out_fd = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in_fd < 0 || out_fd < 0) return 1;
    auto rs = cs::make<cs::asio_readable<file_stream>>(file_stream(loop.get_executor(), in_fd));
    auto ws = cs::make<cs::asio_writable<file_stream>>(file_stream(loop.get_executor(), out_fd));

    ws->on("pipe", [](cs::stream_base*) { std::puts("pipe"); });
    rs->on("end", [] { std::puts("end"); });
    ws->on("finish", [] { std::puts("finish"); });
    ws->on("close", [&] {
        std::ifstream in(dst, std::ios::binary);
        std::vector<char> copy((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        std::printf("close: copied %zu bytes, identical: %s\n", copy.size(),
                    copy == data ? "true" : "false");
        std::filesystem::remove_all(dir);
    });
    cs::pipe(*rs, *ws);
    loop.run();
    return 0;
}
