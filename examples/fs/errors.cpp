// File-system errors as Node reports them: code, syscall, path and message, from a thrown
// *Sync error, a rejected promise, and a stream's 'error' event.
//
// Mirrors this Node program (the temp dir printed as D):
//
//     try { fs.readFileSync(`${dir}/missing`); } catch (e) { console.log(`sync: ${e.message}`); }
//     try { await fs.promises.mkdir(`${dir}/sub`); await fs.promises.mkdir(`${dir}/sub`); }
//     catch (e) { console.log(`promise: code=${e.code} syscall=${e.syscall} errno=${e.errno}
//     ${e.message}`); } fs.createWriteStream(`${dir}/sub`).on('error', (e) => console.log(`stream:
//     ${e.message}`));
//
// Output: examples/fs/errors.expected.
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = costream::fs;

int main() {
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    auto hide = [&](std::string s) {
        for (std::size_t p; (p = s.find(dir)) != std::string::npos;)
            s.replace(p, dir.size(), "D");
        return s;
    };
    try {
        fs::read_file_sync(dir + "/missing");
    } catch (const fs::error& e) {
        std::printf("sync: %s\n", hide(e.what()).c_str());
    }

    costream::loop loop;
    auto task = [&]() -> costream::promise<void> {
        try {
            co_await fs::mkdir(dir + "/sub");
            co_await fs::mkdir(dir + "/sub");
        } catch (const fs::error& e) {
            std::printf("promise: code=%s syscall=%s errno=%d %s\n",
                        std::string(e.node_code()).c_str(), std::string(e.syscall()).c_str(),
                        e.errno_value(), hide(e.what()).c_str());
        }
        auto ws = fs::create_write_stream(dir + "/sub");
        auto* w = ws.get();
        ws->on("error", [&, w](const boost::system::error_code&) {
            std::printf("stream: %s\n", hide(w->errored_info().message()).c_str());
        });
        ws->on("close", [&] { fs::rm_sync(dir, {.recursive = true}); });
    };
    auto p = task();
    loop.run();
    p.get();
    return 0;
}
