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
// costream's fs module does not exist yet, so the file is written through the Asio adapter
// (stream/asio_writable.hpp) over a POSIX file descriptor (boost::asio::posix::
// stream_descriptor on the open() file; a regular file is always writable, so Asio writes
// at once, on the loop thread). While one write is in flight the writable queues the next
// lines; they then go out together in one gathered write (writev).
//
// Output (examples/stream/write_stream.expected): finish, then close with the file's size.
#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/stream/asio_writable.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace cs = costream::stream;
using file_stream = boost::asio::posix::stream_descriptor;
using file_writable = cs::asio_writable<file_stream>;

int main() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "costream-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    const std::filesystem::path dir = tmpl;
    const std::string file = (dir / "out.txt").string();

    costream::loop loop;
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return 1;
    auto ws = cs::make<file_writable>(file_stream(loop.get_executor(), fd));

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
        std::ifstream in(file);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        std::string last;
        auto end = text.rfind('\n');
        auto start = text.rfind('\n', end - 1);
        last = text.substr(start + 1, end - start - 1);
        std::printf("close: file has %zu bytes, last line %s\n", text.size(), last.c_str());
        std::filesystem::remove_all(dir);
    });
    ws->on("error", [](const boost::system::error_code& ec) {
        std::printf("error %s\n", ec.message().c_str());
    });
    write_more();
    loop.run();
    return 0;
}
