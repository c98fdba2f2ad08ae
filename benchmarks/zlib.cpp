// zlib: gzip and gunzip of 256 MiB of log text, file to file through
// pipeline(fs::create_read_stream, zlib::create_gzip / create_gunzip, fs::create_write_stream),
// against hand-written zlib (read + deflate/inflate + write), the gzip CLI, pigz and Node;
// costream's parallel gzip against pigz on all cores; the loop's timer lag (p99 lateness of
// a 10 ms interval) while compressing; and the peak RSS of streaming gzip of 1 GiB and 4 GiB
// (each in a child process, so every figure is that run's own maximum). The sides of each
// comparison run in turns, 2-3 rounds, best of each: ratios come from the same minutes.
// The gzip and gunzip comparisons also run with 64 KiB buffers on every side (rows marked
// "64 KiB buffers": zlib chunk_size / chunkSize 65536 and a write stream high_water_mark /
// highWaterMark of 65536, as the raw loop's buffers), besides Node's default options (16 KiB
// zlib chunks, 16 KiB write stream buffer; the read streams read 64 KiB in both).
// Single sides for profiling: bench_zlib --gzip|--gunzip|--gzip64|--gunzip64|--raw-gzip|
// --raw-gunzip IN OUT (--gzip64/--gunzip64: the 64 KiB-buffer variants).
#include "bench.hpp"
#include "io_common.hpp"

#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/timers.hpp>
#include <costream/zlib.hpp>

#include <zlib.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace costream_bench;
namespace czlib = costream::zlib;
namespace cfs = costream::fs;

namespace {

const std::uint64_t log_bytes = std::uint64_t(256) << 20;

struct gzip_run {
    double seconds = 0;
    std::vector<double> lags_ms;
};

/// The zlib chunk_size and write stream high_water_mark of the "64 KiB buffers" rows.
constexpr std::size_t big_buffers = 64 * 1024;

czlib::options big_chunks() {
    czlib::options o;
    o.chunk_size = big_buffers;
    return o;
}

/// file -> gzip/gunzip -> file, with a 10 ms interval measuring its own lateness meanwhile.
/// `write_hwm`: the write stream's high_water_mark (0: Node's default, 16 KiB).
template <class MakeStage>
gzip_run costream_file_to_file(const std::string& in, const std::string& out, MakeStage make,
                               std::size_t write_hwm = 0) {
    costream::loop l;
    gzip_run r;
    auto last = clock::now();
    auto probe = costream::set_interval(
        [&] {
            auto now = clock::now();
            double late = std::chrono::duration<double, std::milli>(now - last).count() - 10.0;
            r.lags_ms.push_back(late > 0 ? late : 0);
            last = now;
        },
        10);
    bool ok = false;
    auto t0 = clock::now();
    cfs::write_stream_options wo;
    if (write_hwm > 0) wo.high_water_mark = double(write_hwm);
    costream::stream::pipeline(
        cfs::create_read_stream(in), make(), cfs::create_write_stream(out, wo),
        [&](boost::system::error_code ec) {
            ok = !ec;
            r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
            costream::clear_interval(probe);
        });
    l.run();
    if (!ok) throw std::runtime_error("costream pipeline failed");
    return r;
}

/// Hand-written zlib: read 64 KiB, deflate (gzip wrapper) or inflate, write.
void raw_zlib(const std::string& in, const std::string& out, bool compress, int level = 6) {
    int ifd = ::open(in.c_str(), O_RDONLY);
    int ofd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    z_stream z{};
    if (compress)
        deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    else
        inflateInit2(&z, 15 + 16);
    std::vector<unsigned char> ib(64 * 1024), ob(64 * 1024);
    bool eof = false;
    int ret = Z_OK;
    while (ret != Z_STREAM_END) {
        if (z.avail_in == 0 && !eof) {
            ssize_t n = ::read(ifd, ib.data(), ib.size());
            if (n <= 0) eof = true;
            z.next_in = ib.data();
            z.avail_in = n > 0 ? unsigned(n) : 0;
        }
        z.next_out = ob.data();
        z.avail_out = unsigned(ob.size());
        ret = compress ? deflate(&z, eof ? Z_FINISH : Z_NO_FLUSH) : inflate(&z, Z_NO_FLUSH);
        if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
            throw std::runtime_error("raw zlib failed");
        if (::write(ofd, ob.data(), ob.size() - z.avail_out) < 0)
            throw std::runtime_error("write failed");
        if (!compress && eof && z.avail_in == 0 && ret == Z_BUF_ERROR) break;
    }
    compress ? deflateEnd(&z) : inflateEnd(&z);
    ::close(ifd);
    ::close(ofd);
}

/// The first `bytes` of a file, in memory.
costream::buffer read_prefix(const std::string& path, std::size_t bytes) {
    costream::buffer b = costream::buffer::alloc_unsafe_slow(bytes);
    int fd = ::open(path.c_str(), O_RDONLY);
    std::size_t got = 0;
    while (fd >= 0 && got < bytes) {
        ssize_t n = ::read(fd, b.data() + got, bytes - got);
        if (n <= 0) break;
        got += std::size_t(n);
    }
    if (fd >= 0) ::close(fd);
    if (got != bytes) throw std::runtime_error("cannot read " + path);
    return b;
}

/// Hand-written zlib in memory: one deflate(Z_FINISH) of the whole buffer (gzip wrapper),
/// no I/O at all: the speed of the zlib library itself. Returns the compressed size.
std::size_t raw_deflate_in_memory(const costream::buffer& in, int level) {
    z_stream z{};
    deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::vector<unsigned char> out(deflateBound(&z, uLong(in.size())) + 64);
    z.next_in = const_cast<unsigned char*>(in.data());
    z.avail_in = unsigned(in.size());
    z.next_out = out.data();
    z.avail_out = unsigned(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("raw deflate failed");
    deflateEnd(&z);
    return z.total_out;
}

/// costream's one-shot zlib::gzip(buffer) (the work on the pool, the result on the loop).
double costream_one_shot_gzip(const costream::buffer& in) {
    costream::loop l;
    bool ok = false;
    auto t0 = clock::now();
    double secs = 0;
    czlib::gzip(in, [&](std::exception_ptr e, costream::buffer out) {
        secs = std::chrono::duration<double>(clock::now() - t0).count();
        ok = !e && !out.empty();
    });
    l.run();
    if (!ok) throw std::runtime_error("costream zlib::gzip failed");
    return secs;
}

/// A readable of `total` bytes of log text: 64 KiB slices of one 1 MiB block (no copy).
class log_source final : public costream::stream::readable {
public:
    explicit log_source(std::uint64_t total) : total_(total) {
        std::string text;
        for (unsigned i = 0; text.size() < (1u << 20); ++i)
            text += "1763820" + std::to_string(i % 1000) + ".123 INFO  [worker-" +
                    std::to_string(i % 8) + "] GET /api/v1/items/" +
                    std::to_string((i * 7919u) % 100000) + " 200 " +
                    std::to_string((i * 31u) % 65536) + "B 1." + std::to_string(i % 10) +
                    "ms req=" + std::to_string(i * 2654435761u) + "\n";
        block_ = costream::buffer::from(std::string_view(text).substr(0, 1u << 20));
    }

protected:
    void do_read(std::size_t) override {
        if (sent_ >= total_) {
            push(nullptr);
            return;
        }
        std::size_t off = std::size_t(sent_ % block_.size());
        std::size_t n = std::size_t(std::min<std::uint64_t>(65536, total_ - sent_));
        n = std::min(n, block_.size() - off);
        sent_ += n;
        push(block_.subarray(off, off + n));
    }

public:
    std::uint64_t sent() const noexcept { return sent_; }

private:
    costream::buffer block_;
    std::uint64_t total_, sent_ = 0;
};

/// The --rss child: streams `bytes` of log text through create_gzip({level 1}) to /dev/null.
int rss_child(std::uint64_t bytes) {
    costream::loop l;
    bool ok = false;
    czlib::options o;
    o.level = 1;
    auto source = costream::stream::make<log_source>(bytes);
    costream::stream::pipeline(source, czlib::create_gzip(o), cfs::create_write_stream("/dev/null"),
                               [&](boost::system::error_code ec) {
                                   ok = !ec;
                                   if (ec)
                                       std::fprintf(stderr, "bench_zlib --rss: %s\n",
                                                    ec.message().c_str());
                               });
    l.run();
    if (!ok)
        std::fprintf(stderr,
                     "bench_zlib --rss: the loop ran out of work after %llu of %llu bytes\n",
                     (unsigned long long)source->sent(), (unsigned long long)bytes);
    return ok ? 0 : 1;
}

/// Reports a row of 256 MiB through costream against the raw zlib loop and Node (MB/s; a
/// node_mbps of 0: Node did not run).
row report_vs_raw(const std::string& name, double cs_seconds, double raw_seconds,
                  double node_mbps) {
    row r = make_row("zlib", name, "MB/s");
    r.costream = mbps(log_bytes, cs_seconds);
    r.baseline = mbps(log_bytes, raw_seconds);
    r.baseline_name = "raw zlib";
    if (node_mbps > 0) r.node = node_mbps;
    report(r);
    return r;
}

std::uint64_t file_size(const std::string& p) {
    return std::filesystem::file_size(p);
}

void same_bytes(const std::string& a, const std::string& b) {
    if (std::system(("cmp -s '" + a + "' '" + b + "'").c_str()) != 0)
        throw std::runtime_error("round trip differs: " + b);
}

} // namespace

int run(int argc, char** argv);

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_zlib: %s\n", e.what());
        return 1;
    }
}

int run(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--rss") == 0) return rss_child(std::stoull(argv[2]));
    if (argc == 5 && std::strcmp(argv[1], "--oneshot") == 0) {
        // prints the seconds of one in-memory gzip -6 of the first BYTES of IN
        const costream::buffer text = read_prefix(argv[2], std::stoull(argv[3]));
        const bool raw = std::strcmp(argv[4], "raw") == 0;
        const double t =
            raw ? seconds([&] { raw_deflate_in_memory(text, 6); }) : costream_one_shot_gzip(text);
        std::printf("%.9f\n", t);
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--parallel") == 0) {
        costream_file_to_file(argv[2], argv[3], [] { return czlib::create_parallel_gzip(); });
        return 0;
    }
    // One side of one comparison, for profiling (perf stat, strace -c, callgrind).
    if (argc == 4 && std::strcmp(argv[1], "--gzip") == 0) {
        costream_file_to_file(argv[2], argv[3], [] { return czlib::create_gzip(); });
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--gunzip") == 0) {
        costream_file_to_file(argv[2], argv[3], [] { return czlib::create_gunzip(); });
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--gzip64") == 0) {
        costream_file_to_file(
            argv[2], argv[3], [] { return czlib::create_gzip(big_chunks()); }, big_buffers);
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--gunzip64") == 0) {
        costream_file_to_file(
            argv[2], argv[3], [] { return czlib::create_gunzip(big_chunks()); }, big_buffers);
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--raw-gzip") == 0) {
        raw_zlib(argv[2], argv[3], true, 6);
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--raw-gunzip") == 0) {
        raw_zlib(argv[2], argv[3], false);
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--make-log") == 0) {
        write_log_file(argv[2], std::stoull(argv[3]));
        return 0;
    }
    if (argc != 1) {
        std::fprintf(stderr,
                     "usage: bench_zlib [--rss BYTES | --parallel IN OUT | --gzip IN OUT | "
                     "--gunzip IN OUT | --gzip64 IN OUT | --gunzip64 IN OUT | --raw-gzip IN OUT | "
                     "--raw-gunzip IN OUT | --oneshot IN BYTES costream|raw | "
                     "--make-log OUT BYTES]\n");
        return 2;
    }

    temp_dir dir;
    const std::string log = dir.file("app.log"), gz = dir.file("app.log.gz"),
                      back = dir.file("back.log"), tmp = dir.file("tmp.out");
    write_log_file(log, log_bytes);
    raw_zlib(log, tmp, true, 1); // warm the page cache

    // Each comparison runs its sides in turns (costream, baseline, ..., costream, baseline,
    // ...) and keeps each side's best run: this machine's speed drifts over minutes, and a
    // ratio of two runs minutes apart measures the drift as much as the code.
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    const bool node = have_tool("node");

    // gzip -6, single stream: costream, raw zlib, the gzip CLI and Node, with default
    // options and with 64 KiB buffers, 2 rounds.
    gzip_run cs_best{1e300, {}};
    double t_raw = 1e300, t_cli = 1e300, node_gzip_mbps = 0, node_lag = 0, t_cs64 = 1e300,
           node_gzip64_mbps = 0;
    for (int round = 0; round < 2; ++round) {
        gzip_run cs = costream_file_to_file(log, gz, [] { return czlib::create_gzip(); });
        if (cs.seconds < cs_best.seconds) cs_best = std::move(cs);
        t_raw = std::min(t_raw, seconds([&] { raw_zlib(log, tmp, true, 6); }));
        t_cs64 = std::min(
            t_cs64, costream_file_to_file(
                        log, tmp, [] { return czlib::create_gzip(big_chunks()); }, big_buffers)
                        .seconds);
        if (node) {
            auto n = run_node("zlib.js",
                              "gzip '" + log + "' '" + tmp + "' 6 " + std::to_string(big_buffers));
            if (n.count("gzip_mbps")) node_gzip64_mbps = std::max(node_gzip64_mbps, n["gzip_mbps"]);
        }
        t_cli = std::min(t_cli, run_child({"gzip", "-6", "-c", log}, "", tmp).seconds);
        if (node) {
            auto n = run_node("zlib.js", "gzip '" + log + "' '" + tmp + "' 6");
            if (n.count("gzip_mbps") && n["gzip_mbps"] > node_gzip_mbps) {
                node_gzip_mbps = n["gzip_mbps"];
                node_lag = n.count("lag_p99_ms") ? n["lag_p99_ms"] : 0; // of the best run
            }
        }
    }
    const std::uint64_t gz_bytes = file_size(gz);
    const row g =
        report_vs_raw("gzip -6 of 256 MiB log text", cs_best.seconds, t_raw, node_gzip_mbps);
    // (the raw loop's buffers are 64 KiB: the same baseline)
    report_vs_raw("gzip -6 of 256 MiB, 64 KiB buffers", t_cs64, t_raw, node_gzip64_mbps);
    row gc = make_row("zlib", "gzip -6 of 256 MiB vs gzip CLI", "MB/s");
    gc.costream = g.costream;
    gc.baseline = mbps(log_bytes, t_cli);
    gc.baseline_name = "gzip -6";
    report(gc);
    std::printf("  (compressed %.1f MiB, ratio %.2f)\n", double(gz_bytes) / 1048576.0,
                double(log_bytes) / double(gz_bytes));

    row lag = make_row("zlib", "timer lag p99 while gzip (10 ms interval)", "ms");
    lag.higher_is_better = false;
    lag.costream = quantile(cs_best.lags_ms, 0.99); // of the best run, as Node's
    if (node_gzip_mbps > 0) lag.node = node_lag;
    report(lag);

    // The zlib library's own speed: one-shot gzip -6 of 64 MiB in memory (no file I/O, no
    // stream): costream's zlib::gzip and raw deflate() use Debian's zlib, Node's zlib.gzip its
    // bundled one. The gzip rows above cannot beat the raw deflate of this row. 3 rounds.
    // Each side runs in a child (`--oneshot`): this process stays small, as the peak RSS rows
    // at the end need (a forked child's peak RSS counts its parent's at the fork).
    {
        const std::size_t mem_bytes = std::size_t(64) << 20;
        auto child_seconds = [&](const char* side) {
            const std::string out = dir.file("oneshot.txt");
            run_child({self, "--oneshot", log, std::to_string(mem_bytes), side}, "", out, 120);
            std::FILE* f = std::fopen(out.c_str(), "r");
            double t = 0;
            if (!f || std::fscanf(f, "%lf", &t) != 1 || t <= 0)
                throw std::runtime_error("bench_zlib --oneshot printed no time");
            std::fclose(f);
            return t;
        };
        double t_cs = 1e300, t_mem = 1e300, node_mem_mbps = 0;
        for (int round = 0; round < 3; ++round) {
            t_cs = std::min(t_cs, child_seconds("costream"));
            t_mem = std::min(t_mem, child_seconds("raw"));
            if (node) {
                auto n = run_node("zlib.js",
                                  "oneshot '" + log + "' " + std::to_string(mem_bytes) + " 6");
                if (n.count("oneshot_mbps"))
                    node_mem_mbps = std::max(node_mem_mbps, n["oneshot_mbps"]);
            }
        }
        row m = make_row("zlib", "one-shot gzip -6 of 64 MiB in memory", "MB/s");
        m.costream = mbps(mem_bytes, t_cs);
        m.baseline = mbps(mem_bytes, t_mem);
        m.baseline_name = "raw deflate";
        if (node_mem_mbps > 0) m.node = node_mem_mbps;
        report(m);
    }

    // Parallel gzip on every core, against pigz on every core, 3 rounds (5 s each: the two
    // were within 1-4% of each other in every run, less than the drift between rounds).
    try {
        double t_par = 1e300, t_pigz = 1e300;
        const bool pigz = have_tool("pigz");
        for (int round = 0; round < 3; ++round) {
            // In a child with a time limit: a stalled stage must not hang the whole run.
            t_par = std::min(t_par, run_child({self, "--parallel", log, tmp}, "", "", 120).seconds);
            if (round == 0) {
                // a standard gzip stream: gzip -d gives the input back
                run_child({"gzip", "-dc", tmp}, "", back);
                same_bytes(log, back);
            }
            if (pigz)
                t_pigz = std::min(
                    t_pigz,
                    run_child({"pigz", "-6", "-p", std::to_string(cores), "-c", log}, "", tmp)
                        .seconds);
        }
        if (pigz) {
            row p = make_row(
                "zlib", "parallel gzip -6 of 256 MiB, " + std::to_string(cores) + " cores", "MB/s");
            p.costream = mbps(log_bytes, t_par);
            p.baseline = mbps(log_bytes, t_pigz);
            p.baseline_name = "pigz";
            report(p);
        }
    } catch (const std::exception& e) {
        std::printf("zlib         parallel gzip: FAILED (%s)\n", e.what());
        std::fflush(stdout);
    }

    // gunzip of the costream-made file: costream, raw zlib, gzip -d and Node, with default
    // options and with 64 KiB buffers, 3 rounds.
    double t_gu = 1e300, t_raw_in = 1e300, t_cli_d = 1e300, node_gunzip_mbps = 0, t_gu64 = 1e300,
           node_gunzip64_mbps = 0;
    for (int round = 0; round < 3; ++round) {
        t_gu = std::min(
            t_gu, costream_file_to_file(gz, back, [] { return czlib::create_gunzip(); }).seconds);
        if (round == 0) same_bytes(log, back);
        t_gu64 = std::min(
            t_gu64, costream_file_to_file(
                        gz, back, [] { return czlib::create_gunzip(big_chunks()); }, big_buffers)
                        .seconds);
        if (round == 0) same_bytes(log, back);
        if (node) {
            auto n = run_node("zlib.js", "gunzip '" + gz + "' '" + tmp + "' " +
                                             std::to_string(log_bytes) + " " +
                                             std::to_string(big_buffers));
            if (n.count("gunzip_mbps"))
                node_gunzip64_mbps = std::max(node_gunzip64_mbps, n["gunzip_mbps"]);
        }
        t_raw_in = std::min(t_raw_in, seconds([&] { raw_zlib(gz, tmp, false); }));
        t_cli_d = std::min(t_cli_d, run_child({"gzip", "-dc", gz}, "", tmp).seconds);
        if (node) {
            auto n = run_node("zlib.js",
                              "gunzip '" + gz + "' '" + tmp + "' " + std::to_string(log_bytes));
            if (n.count("gunzip_mbps"))
                node_gunzip_mbps = std::max(node_gunzip_mbps, n["gunzip_mbps"]);
        }
    }
    const row d = report_vs_raw("gunzip of 256 MiB log text", t_gu, t_raw_in, node_gunzip_mbps);
    report_vs_raw("gunzip of 256 MiB, 64 KiB buffers", t_gu64, t_raw_in, node_gunzip64_mbps);
    row dc = make_row("zlib", "gunzip of 256 MiB vs gzip -d", "MB/s");
    dc.costream = d.costream;
    dc.baseline = mbps(log_bytes, t_cli_d);
    dc.baseline_name = "gzip -d";
    report(dc);

    // Peak RSS of streaming gzip (level 1 to keep the run short), each in its own process.
    // A forked child's peak RSS (wait4) also counts the anonymous pages it shared with this
    // process at the fork, so no figure can be below this process's anonymous RSS (printed).
    const double gzip_cli_rss = run_child({"gzip", "-1", "-c", log}, "", "/dev/null").max_rss_mib;
    std::printf("  (anonymous RSS of this process, counted in every child's peak: %.1f MiB)\n",
                self_anon_rss_mib());
    for (std::uint64_t gib : {1, 4}) {
        const std::uint64_t bytes = gib << 30;
        child_result c = run_child({self, "--rss", std::to_string(bytes)}, "", "", 600);
        row m =
            make_row("zlib", "peak RSS, streaming gzip of " + std::to_string(gib) + " GiB", "MiB");
        m.higher_is_better = false;
        m.costream = c.max_rss_mib;
        m.baseline = gzip_cli_rss; // the CLI's memory does not depend on the size
        m.baseline_name = "gzip -1";
        if (gib == 1 && node)
            m.node = run_child({"node", std::string(COSTREAM_BENCH_NODE_DIR) + "/zlib.js", "rss",
                                std::to_string(bytes)},
                               "", "/dev/null")
                         .max_rss_mib;
        report(m);
    }
    return 0;
}
