// pipeline(): file -> transform function stage -> file, awaited; then a failing stage.
//
// Mirrors examples/stream/pipeline.js:
//
//     await pipeline(
//       fs.createReadStream(src),
//       async function* (source) {
//         for await (const chunk of source) yield
//         Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1');
//       },
//       fs.createWriteStream(dst));
//     ...
//     try {
//       await pipeline(rs, async function* (source) {
//         for await (const chunk of source) { yield chunk; throw new Error('stage failed'); }
//       }, ws);
//     } catch (e) { console.log(`pipeline failed: ${e.message}; ...destroyed...`); }
//
// costream's fs module does not exist yet, so the files are POSIX file descriptors wrapped
// by the Asio adapters (stream/asio_readable.hpp, asio_writable.hpp over
// boost::asio::posix::stream_descriptor; regular files are read and written at once on the
// loop thread). The async generator stage is a coroutine function stage of pipeline():
// `co_await in.next()` is its for-await, `co_await out.write(x)` its yield. Node's
// `new Error('stage failed')` is a boost::system::system_error whose code's message is
// that text (function stages fail by throwing system_error).
//
// Output (examples/stream/pipeline.expected): the copy is upper-cased; the failing pipeline
// destroyed its source and its sink and reported the stage's error once.
#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/asio_readable.hpp>
#include <costream/stream/asio_writable.hpp>
#include <costream/stream/pipeline.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/system_error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace cs = costream::stream;
using file_stream = boost::asio::posix::stream_descriptor;
using file_reader = cs::asio_readable<file_stream>;
using file_writer = cs::asio_writable<file_stream>;

namespace {

// Node's `new Error(message)` as an error_code: a category whose message is the text.
class example_category : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "example"; }
    std::string message(int) const override { return "stage failed"; }
};
const example_category stage_failed_category;

cs::ptr<file_reader> open_reader(costream::loop& loop, const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) std::exit(1);
    return cs::make<file_reader>(file_stream(loop.get_executor(), fd));
}
cs::ptr<file_writer> open_writer(costream::loop& loop, const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) std::exit(1);
    return cs::make<file_writer>(file_stream(loop.get_executor(), fd));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

costream::promise<> run(costream::loop& loop, std::filesystem::path dir, std::string text) {
    const std::string src = (dir / "in.txt").string(), dst = (dir / "out.txt").string();
    auto upper = [](cs::stage_reader<costream::buffer> in,
                    cs::stage_writer<costream::buffer> out) -> costream::promise<> {
        while (auto chunk = co_await in.next()) {
            std::string s = chunk->to_string(costream::encoding::latin1);
            for (auto& c : s)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            auto b = costream::buffer::from(s, costream::encoding::latin1);
            co_await out.write(std::move(b));
        }
    };
    co_await cs::pipeline(open_reader(loop, src), upper, open_writer(loop, dst));
    std::string out = read_file(dst);
    std::string expect = text;
    for (auto& c : expect)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::printf("pipeline done: %zu bytes, upper-cased: %s\n", out.size(),
                out == expect ? "true" : "false");

    auto rs = open_reader(loop, src);
    auto ws = open_writer(loop, (dir / "partial.txt").string());
    auto failing = [](cs::stage_reader<costream::buffer> in,
                      cs::stage_writer<costream::buffer> out) -> costream::promise<> {
        while (auto chunk = co_await in.next()) {
            co_await out.write(std::move(*chunk));
            throw boost::system::system_error(boost::system::error_code(1, stage_failed_category));
        }
    };
    try {
        co_await cs::pipeline(rs, failing, ws);
    } catch (const boost::system::system_error& e) {
        std::printf("pipeline failed: %s; source destroyed: %s, sink destroyed: %s\n",
                    e.code().message().c_str(), rs->destroyed() ? "true" : "false",
                    ws->destroyed() ? "true" : "false");
    }
    std::filesystem::remove_all(dir);
}

} // namespace

int main() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "costream-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    std::string text;
    for (int i = 0; i < 50000; ++i)
        text += "the quick brown fox jumps over the lazy dog\n";
    {
        std::ofstream out(std::filesystem::path(tmpl) / "in.txt", std::ios::binary);
        out << text;
    }
    costream::loop loop;
    auto done = run(loop, tmpl, text);
    loop.run();
    if (!done.is_fulfilled()) return 1;
    return 0;
}
