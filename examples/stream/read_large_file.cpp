// Read a large file in chunks with 'data' and 'end'.
//
// Mirrors examples/stream/read_large_file.js:
//
//     fs.createReadStream(file, { highWaterMark: 64 * 1024 })
//       .on('data', (chunk) => { chunks++; bytes += chunk.length; ... })
//       .on('end', () => console.log(`end: ${chunks} chunks, ${bytes} bytes, ...`))
//       .on('close', () => console.log('close'));
//
// costream's fs module does not exist yet, so the file is read through the Asio adapter
// (stream/asio_readable.hpp) over a POSIX file descriptor: a
// boost::asio::posix::stream_descriptor on the open() file. A regular file cannot be
// registered with epoll; Asio then performs each read directly (a read on a regular file
// does not block), so this reads on the loop thread, not on the thread pool as fs will.
// Each async_read_some asks for 64 KiB, which is Node's chunk size here too.
//
// Output (examples/stream/read_large_file.expected): 128 chunks of 65536 bytes, the sum,
// then 'close' (auto_destroy after 'end' closes the descriptor).
#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/stream/asio_readable.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace cs = costream::stream;
using file_stream = boost::asio::posix::stream_descriptor;

int main() {
    // a temp dir with an 8 MiB file of a known pattern (fs.mkdtempSync + writeFileSync)
    std::string tmpl = (std::filesystem::temp_directory_path() / "costream-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    const std::filesystem::path dir = tmpl;
    const std::string file = (dir / "big.bin").string();
    const std::size_t size = 8 * 1024 * 1024;
    {
        std::vector<unsigned char> data(size);
        for (std::size_t i = 0; i < size; ++i)
            data[i] = static_cast<unsigned char>((i * 31 + (i >> 12)) & 0xff);
        std::FILE* f = std::fopen(file.c_str(), "wb");
        if (!f || std::fwrite(data.data(), 1, size, f) != size) return 1;
        std::fclose(f);
    }

    costream::loop loop;
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    cs::asio_readable_options opts;
    opts.read_size = 64 * 1024;
    auto r = cs::make<cs::asio_readable<file_stream>>(file_stream(loop.get_executor(), fd), opts);

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
        std::filesystem::remove_all(dir);
    });
    r->on("error", [](const boost::system::error_code& ec) {
        std::printf("error %s\n", ec.message().c_str());
    });
    loop.run();
    return 0;
}
