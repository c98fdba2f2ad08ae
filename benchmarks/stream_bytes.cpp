// Benchmark: bytes through 0 and 3 stages to a null sink: 4 GiB as 64 KiB chunks and 1 GiB
// as 1 KiB chunks (chunks/s and GB/s), and the peak RSS of each size measured in a fresh
// child process (fork + wait4), so that 1 GiB and 4 GiB can be compared.
//
// costream: a source readable pushing shared views of one buffer (no copy, as a file or
// socket source hands its read buffers on) -> 0 or 3 stream::pass_through -> a null
// writable, joined by stream::pipeline() (pipe() between consecutive streams). Baseline:
// hand-written C++20 coroutines on Asio with own ring buffers and a FIFO of coroutine handles
// (ring_baseline.hpp, PERFORMANCE.md). Node: the same workload with PassThrough stages and
// pipeline() (benchmarks/node/stream_bytes.js).
//
// One more row: 1 KiB chunks through 3 function stages (`co_await in.next()` then
// `co_await out.write(chunk)`: Node's `async function* (s) { for await (const c of s) yield
// c; }`) instead of pass_through streams; the baseline is the same 3-stage ring pipeline.
#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/pass_through.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>

#include "bench.hpp"
#include "ring_baseline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace cs = costream::stream;

namespace {

constexpr std::uint64_t GiB = 1ull << 30;

// ---- costream ------------------------------------------------------------------------

struct byte_source : cs::readable {
    costream::buffer block;
    std::uint64_t left;
    byte_source(std::size_t chunk, std::uint64_t total)
        : block(costream::buffer::alloc(chunk, 0x5a)), left(total / chunk) {}
    void do_read(std::size_t) override {
        while (left > 0) {
            --left;
            if (!push(block)) return; // a shared view: no copy, no allocation
        }
        push(nullptr);
    }
};

struct null_sink : cs::writable {
    std::uint64_t bytes = 0, chunks = 0;
    void do_write(costream::buffer&& b, write_callback cb) override {
        bytes += b.size();
        ++chunks;
        cb();
    }
};

// A function stage passing every chunk on (Node: an async generator stage).
const auto pass_fn = [](cs::stage_reader<costream::buffer> in,
                        cs::stage_writer<costream::buffer> out) -> costream::promise<void> {
    while (auto c = co_await in.next())
        co_await out.write(std::move(*c));
};

double run_costream(std::size_t chunk, std::uint64_t total, int stages, bool functions = false) {
    costream::loop l;
    auto sink = cs::make<null_sink>();
    auto src = cs::make<byte_source>(chunk, total);
    auto done = [](const boost::system::error_code& ec) {
        if (ec) std::fprintf(stderr, "pipeline: %s\n", ec.message().c_str());
    };
    if (stages == 0) {
        cs::pipeline(src, sink, done);
    } else if (functions) {
        cs::pipeline(src, pass_fn, pass_fn, pass_fn, sink, done);
    } else {
        auto p1 = cs::make<cs::pass_through>(), p2 = cs::make<cs::pass_through>(),
             p3 = cs::make<cs::pass_through>();
        cs::pipeline(src, p1, p2, p3, sink, done);
    }
    double secs = costream_bench::seconds([&] { l.run(); });
    if (sink->bytes != total)
        std::fprintf(stderr, "costream: %llu bytes\n", (unsigned long long)sink->bytes);
    return secs;
}

// ---- hand-written Asio coroutines (PERFORMANCE.md: own ring buffers, own FIFO) --------

using costream_bench::ring_channel;
using costream_bench::scheduler;
using costream_bench::task;
using bytes_ring = ring_channel<costream::buffer>;

task produce(bytes_ring& out, costream::buffer block, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
        co_await out.wait_space();
        out.put(block);
    }
    out.close();
}
task pass(bytes_ring& in, bytes_ring& out) {
    for (;;) {
        bool more = co_await in.wait_item();
        if (!more) break;
        costream::buffer b = in.take();
        co_await out.wait_space();
        out.put(std::move(b));
    }
    out.close();
}
task sink(bytes_ring& in, std::uint64_t& bytes) {
    for (;;) {
        bool more = co_await in.wait_item();
        if (!more) break;
        bytes += in.take().size();
    }
}

double run_asio(std::size_t chunk, std::uint64_t total, int stages) {
    boost::asio::io_context io(1);
    scheduler sched;
    std::vector<bytes_ring> rings(static_cast<std::size_t>(stages) + 1, bytes_ring(&sched));
    std::uint64_t bytes = 0;
    boost::asio::post(io, [&] {
        sink(rings.back(), bytes);
        for (int i = stages - 1; i >= 0; --i)
            pass(rings[static_cast<std::size_t>(i)], rings[static_cast<std::size_t>(i) + 1]);
        produce(rings.front(), costream::buffer::alloc(chunk, 0x5a), total / chunk);
        sched.run();
    });
    double secs = costream_bench::seconds([&] { io.run(); });
    if (bytes != total) std::fprintf(stderr, "asio: %llu bytes\n", (unsigned long long)bytes);
    return secs;
}

// Runs this program again as `--rss <costream|asio> <total>` in a fresh process (fork +
// exec, so nothing of this process's heap is counted) and returns its peak RSS in KiB.
long child_rss_kib(const char* self, const char* which, std::uint64_t total) {
    std::fflush(stdout);
    const std::string t = std::to_string(total);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execl(self, self, "--rss", which, t.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    int status = 0;
    struct rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    return ru.ru_maxrss;
}

// Best of `runs` for costream and the ring, Node once: reports the M chunks/s row of `total`
// bytes as `chunk`-byte chunks through `stages` pass_through streams (or function stages)
// and returns it.
costream_bench::row chunk_rate_row(int runs, std::size_t chunk, std::uint64_t total, int stages,
                                   bool functions, const std::string& workload) {
    double c = 1e300, a = 1e300;
    for (int i = 0; i < runs; ++i) {
        c = std::min(c, run_costream(chunk, total, stages, functions));
        a = std::min(a, run_asio(chunk, total, stages));
    }
    const double chunks = static_cast<double>(total / chunk);
    auto node = costream_bench::run_node("stream_bytes.js",
                                         std::to_string(chunk) + " " + std::to_string(total) + " " +
                                             std::to_string(stages) + (functions ? " fn" : ""));
    costream_bench::row r;
    r.topic = "stream";
    r.workload = "bytes: " + workload;
    r.unit = "M chunks/s";
    r.costream = chunks / c / 1e6;
    r.baseline = chunks / a / 1e6;
    r.baseline_name = "asio ring+FIFO";
    if (node.count("seconds")) r.node = chunks / node["seconds"] / 1e6;
    costream_bench::report(r);
    return r;
}

const char* size_name(std::uint64_t total) {
    return total >= 4 * GiB ? "4 GiB" : "1 GiB";
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--rss") {
        const std::uint64_t total = std::strtoull(argv[3], nullptr, 10);
        if (std::string(argv[2]) == "asio")
            run_asio(64 * 1024, total, 3);
        else
            run_costream(64 * 1024, total, 3);
        return 0;
    }
    // usage: bench_stream_bytes [runs]
    //        bench_stream_bytes 1 --one <chunk bytes> <stages> [chunks] [costream|asio|fn]
    //        (one run of one shape, 200000 chunks by default: for callgrind)
    const int runs = argc > 1 ? std::atoi(argv[1]) : 2;
    if (argc >= 5 && std::string(argv[2]) == "--one") {
        const std::size_t chunk = std::strtoull(argv[3], nullptr, 10);
        const int stages = std::atoi(argv[4]);
        const std::uint64_t n = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 200000;
        const bool asio = argc > 6 && std::string(argv[6]) == "asio";
        const bool fn = argc > 6 && std::string(argv[6]) == "fn";
        const std::uint64_t total = chunk * n;
        double c = asio ? run_asio(chunk, total, stages) : run_costream(chunk, total, stages, fn);
        std::printf("%s %.3f M chunks/s\n", asio ? "asio" : "costream",
                    static_cast<double>(n) / c / 1e6);
        return 0;
    }
    struct shape {
        std::size_t chunk;
        std::uint64_t total;
        const char* name;
    };
    const shape shapes[] = {{64 * 1024, 4 * GiB, "4 GiB as 64 KiB"},
                            {1024, 1 * GiB, "1 GiB as 1 KiB"}};
    for (const shape& sh : shapes) {
        for (int stages : {0, 3}) {
            const std::string wl = std::string(sh.name) + ", " + std::to_string(stages) + " stages";
            costream_bench::row r = chunk_rate_row(runs, sh.chunk, sh.total, stages, false, wl);
            // the same runs in GB/s
            costream_bench::row g = r;
            g.workload = "bytes GB/s: " + wl;
            g.unit = "GB/s";
            const double gb_per_m_chunks = static_cast<double>(sh.chunk) / 1e3;
            g.costream = r.costream * gb_per_m_chunks;
            g.baseline = *r.baseline * gb_per_m_chunks;
            if (r.node) g.node = *r.node * gb_per_m_chunks;
            costream_bench::report(g);
        }
    }
    chunk_rate_row(runs, 1024, 1 * GiB, 3, true,
                   "1 GiB as 1 KiB, 3 function stages (Node: async generators)");
    // Peak RSS: 64 KiB chunks through 3 stages, 1 GiB and 4 GiB, each in a fresh process.
    for (std::uint64_t total : {1 * GiB, 4 * GiB}) {
        long c = child_rss_kib("/proc/self/exe", "costream", total);
        long a = child_rss_kib("/proc/self/exe", "asio", total);
        auto node =
            costream_bench::run_node("stream_bytes.js", "65536 " + std::to_string(total) + " 3");
        costream_bench::row r;
        r.topic = "stream";
        r.workload = std::string("peak RSS: 64 KiB chunks, 3 stages, ") + size_name(total);
        r.unit = "MiB";
        r.higher_is_better = false;
        r.costream = static_cast<double>(c) / 1024.0;
        r.baseline = static_cast<double>(a) / 1024.0;
        r.baseline_name = "asio ring+FIFO";
        if (node.count("max_rss_kib")) r.node = node["max_rss_kib"] / 1024.0;
        costream_bench::report(r);
    }
}
