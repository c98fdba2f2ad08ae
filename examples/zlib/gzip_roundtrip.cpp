// Gzip a stream of text and gunzip it back while a timer keeps ticking on the loop: the
// compression runs on the thread pool. Then the one-shot API, a corrupt input, and the
// parallel gzip (beyond Node).
//
// Mirrors this Node program:
//
//     const zlib = require('zlib');
//     const { pipeline, Readable, Writable } = require('stream');
//     const lines = [];
//     for (let i = 0; i < 200000; i++) lines.push(`GET /item/${i} 200 ${i % 977}\n`);
//     const input = Buffer.from(lines.join(''));
//     let ticks = 0;
//     const timer = setInterval(() => ticks++, 1);
//     const parts = [];
//     pipeline(Readable.from([input]), zlib.createGzip({ level: 6 }),
//              new Writable({ write(c, e, cb) { parts.push(c); cb(); } }), (err) => {
//       clearInterval(timer);
//       const gz = Buffer.concat(parts);
//       console.log(`gzip: ${input.length} -> ${gz.length} bytes, round trip ok: ${
//         zlib.gunzipSync(gz).equals(input)}`);
//       zlib.gunzip(Buffer.from('not gzip'), (err) => console.log(`corrupt: ${err.code}
//       ${err.message}`));
//     });
//
// Output:
//     gzip: 5287780 -> <n> bytes, round trip ok: true
//     corrupt: Z_DATA_ERROR incorrect header check
//     parallel gzip: <n> bytes, round trip ok: true
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>
#include <costream/zlib.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace zlib = costream::zlib;
namespace cs = costream::stream;
using costream::buffer;

namespace {

// Readable.from([input]) for one buffer.
struct one_chunk : cs::basic_readable<buffer> {
    buffer b;
    explicit one_chunk(buffer x) : b(std::move(x)) {}
    void do_read(std::size_t) override {
        if (!b.empty())
            push(std::exchange(b, buffer()));
        else
            push(nullptr);
    }
};

// new Writable({ write(c, e, cb) { parts.push(c); cb(); } })
struct collect : cs::basic_writable<buffer> {
    std::vector<buffer>& parts;
    explicit collect(std::vector<buffer>& p) : parts(p) {}
    void do_write(buffer&& c, write_callback cb) override {
        parts.push_back(std::move(c));
        cb();
    }
};

} // namespace

int main() {
    costream::loop loop;
    std::string lines;
    for (int i = 0; i < 200000; ++i)
        lines += "GET /item/" + std::to_string(i) + " 200 " + std::to_string(i % 977) + "\n";
    const buffer input = buffer::from(lines);

    int ticks = 0;
    auto timer = costream::set_interval([&] { ++ticks; }, 1);
    std::vector<buffer> parts;
    int status = 0;
    cs::pipeline(cs::make<one_chunk>(input), zlib::create_gzip({.level = 6}),
                 cs::make<collect>(parts), [&](const boost::system::error_code& err) {
                     costream::clear_interval(timer);
                     if (err) status = 1;
                     const buffer gz = buffer::concat(parts);
                     const bool ok = zlib::gunzip_sync(gz) == input;
                     std::printf("gzip: %zu -> %zu bytes, round trip ok: %s\n", input.size(),
                                 gz.size(), ok ? "true" : "false");
                     if (!ok) status = 1;
                     zlib::gunzip(buffer::from("not gzip"), [](std::exception_ptr e, buffer) {
                         try {
                             std::rethrow_exception(e);
                         } catch (const boost::system::system_error& x) {
                             std::printf("corrupt: %s %s\n",
                                         std::string(costream::node_code(x.code())).c_str(),
                                         x.code().message().c_str());
                         }
                     });
                 });
    loop.run();

    // Beyond Node: the same input compressed on every pool thread at once.
    parts.clear();
    cs::pipeline(cs::make<one_chunk>(input), zlib::create_parallel_gzip({.level = 6}),
                 cs::make<collect>(parts), [&](const boost::system::error_code& err) {
                     if (err) status = 1;
                     const buffer gz = buffer::concat(parts);
                     const bool ok = zlib::gunzip_sync(gz) == input;
                     std::printf("parallel gzip: %zu bytes, round trip ok: %s\n", gz.size(),
                                 ok ? "true" : "false");
                     if (!ok) status = 1;
                 });
    loop.run();
    return status;
}
