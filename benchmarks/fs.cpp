// fs: copy a 1 GiB file (in the page cache) with pipeline(fs::create_read_stream,
// fs::create_write_stream), against cat, cp, a hand-written read/write loop and Node's
// pipeline(fs.createReadStream, fs.createWriteStream).
#include "bench.hpp"
#include "io_common.hpp"

#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

using namespace costream_bench;

namespace {

const std::uint64_t file_bytes = std::uint64_t(1) << 30;

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

} // namespace

int main() {
    temp_dir dir;
    const std::string src = dir.file("src.bin"), dst = dir.file("dst.bin");
    write_random_file(src, file_bytes);
    raw_copy(src, dst); // warm up: page cache, and the destination's blocks

    double t_costream = best_seconds(3, [&] { costream_copy(src, dst); });
    if (std::system(("cmp -s '" + src + "' '" + dst + "'").c_str()) != 0) {
        std::fprintf(stderr, "costream copy differs\n");
        return 1;
    }
    double t_raw = best_seconds(3, [&] { raw_copy(src, dst); });
    double t_cat = best_child(3, {"cat", src}, "", dst).seconds;
    double t_cp = best_child(3, {"cp", src, dst}).seconds;
    auto node = run_node("fs.js", "'" + src + "' '" + dst + "' " + std::to_string(file_bytes));

    row r = make_row("fs", "copy a 1 GiB file with streams", "MB/s");
    r.costream = mbps(file_bytes, t_costream);
    r.baseline = mbps(file_bytes, t_cat);
    r.baseline_name = "cat";
    if (node.count("copy_mbps")) r.node = node["copy_mbps"];
    report(r);
    row c = make_row("fs", "copy a 1 GiB file vs cp", "MB/s");
    c.costream = r.costream;
    c.baseline = mbps(file_bytes, t_cp);
    c.baseline_name = "cp";
    report(c);
    row w = make_row("fs", "copy a 1 GiB file vs read/write loop", "MB/s");
    w.costream = r.costream;
    w.baseline = mbps(file_bytes, t_raw);
    w.baseline_name = "read/write";
    report(w);
    return 0;
}
