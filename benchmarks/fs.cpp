// fs: copy a 1 GiB file (in the page cache) with pipeline(fs::create_read_stream,
// fs::create_write_stream), against cat, cp, a hand-written read/write loop and Node's
// pipeline(fs.createReadStream, fs.createWriteStream).
//
// This machine's speed drifts over minutes (other work, page-cache writeback of the
// gigabytes each run leaves dirty), so the sides are measured interleaved: round 1 runs
// costream, cat, cp, the loop and Node once each, round 2 again, ...; each side's best of
// the rounds is compared with the others' best from the same period. Every side overwrites
// the same destination file, so each pays the same truncation of the previous copy.
#include "bench.hpp"
#include "io_common.hpp"

#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace costream_bench;

namespace {

const std::uint64_t file_bytes = std::uint64_t(1) << 30;
const int rounds = 5;

void costream_copy(const std::string& in, const std::string& out) {
    costream::loop l;
    bool ok = false;
    costream::stream::pipeline(costream::fs::create_read_stream(in),
                               costream::fs::create_write_stream(out),
                               [&](boost::system::error_code ec) { ok = !ec; });
    l.run();
    if (!ok || std::filesystem::file_size(out) != file_bytes)
        throw std::runtime_error("costream copy failed");
}

void raw_copy(const std::string& in, const std::string& out) {
    int ifd = ::open(in.c_str(), O_RDONLY);
    int ofd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char> buf(128 * 1024); // cat's buffer size
    ssize_t n;
    while ((n = ::read(ifd, buf.data(), buf.size())) > 0)
        if (::write(ofd, buf.data(), std::size_t(n)) != n) throw std::runtime_error("write");
    ::close(ifd);
    ::close(ofd);
}

// One side of the comparison: `run` performs one copy and returns its seconds (nullopt when
// the side is unavailable, e.g. no node).
struct side {
    const char* name;
    std::function<std::optional<double>()> run;
    std::optional<double> best;
};

} // namespace

int main() {
    temp_dir dir;
    const std::string src = dir.file("src.bin"), dst = dir.file("dst.bin");
    write_random_file(src, file_bytes);
    raw_copy(src, dst); // warm up: page cache, and the destination's blocks

    costream_copy(src, dst);
    if (std::system(("cmp -s '" + src + "' '" + dst + "'").c_str()) != 0) {
        std::fprintf(stderr, "costream copy differs\n");
        return 1;
    }

    const std::string node_args =
        "'" + src + "' '" + dst + "' " + std::to_string(file_bytes) + " 1";
    std::vector<side> sides{
        {"costream",
         [&]() -> std::optional<double> { return seconds([&] { costream_copy(src, dst); }); },
         {}},
        {"cat",
         [&]() -> std::optional<double> {
             return run_child({"cat", src}, "", dst).seconds;
         },
         {}},
        {"cp",
         [&]() -> std::optional<double> {
             return run_child({"cp", src, dst}).seconds;
         },
         {}},
        {"read/write",
         [&]() -> std::optional<double> { return seconds([&] { raw_copy(src, dst); }); },
         {}},
        {"node",
         [&]() -> std::optional<double> {
             auto node = run_node("fs.js", node_args); // times the copy inside node
             if (!node.count("copy_mbps") || node["copy_mbps"] <= 0) return std::nullopt;
             return double(file_bytes) / 1e6 / node["copy_mbps"];
         },
         {}},
    };
    for (int round = 1; round <= rounds; ++round) {
        std::printf("round %d:", round);
        std::fflush(stdout);
        for (auto& s : sides) {
            std::optional<double> t = s.run();
            if (t) {
                s.best = s.best ? std::min(*s.best, *t) : *t;
                std::printf(" %s %.0f MB/s", s.name, mbps(file_bytes, *t));
                std::fflush(stdout); // before the next side forks: a child must not inherit it
            }
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    auto best_mbps = [&](const char* name) -> std::optional<double> {
        for (auto& s : sides)
            if (std::string(s.name) == name && s.best) return mbps(file_bytes, *s.best);
        return std::nullopt;
    };

    row r = make_row("fs", "copy a 1 GiB file with streams", "MB/s");
    r.costream = *best_mbps("costream");
    r.baseline = best_mbps("cat");
    r.baseline_name = "cat";
    r.node = best_mbps("node");
    report(r);
    row c = make_row("fs", "copy a 1 GiB file vs cp", "MB/s");
    c.costream = r.costream;
    c.baseline = best_mbps("cp");
    c.baseline_name = "cp";
    report(c);
    row w = make_row("fs", "copy a 1 GiB file vs read/write loop", "MB/s");
    w.costream = r.costream;
    w.baseline = best_mbps("read/write");
    w.baseline_name = "read/write";
    report(w);
    return 0;
}
