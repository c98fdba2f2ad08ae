// Benchmark: object mode, generator -> transform -> counting writable, 5 M small structs.
// costream: stream::from(generator) (Node's Readable.from(generator): pushes until push()
// returns false) -> a stream::basic_transform (synchronous do_transform) -> a counting
// basic_writable, joined by stream::pipeline().
// Baseline: hand-written C++20 coroutines on Asio with own ring buffers and a FIFO of coroutine
// handles (ring_baseline.hpp, PERFORMANCE.md). Node: pipeline(Readable.from(gen), Transform,
// Writable) in benchmarks/node/stream_objects.js.
#include <costream/loop.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/transform.hpp>
#include <costream/stream/writable.hpp>

#include "bench.hpp"
#include "ring_baseline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace cs = costream::stream;

namespace {

struct item {
    std::uint64_t id;
    double value;
};
std::uint64_t n_items = 5'000'000; // argv[2] overrides (profiling runs)

// The source's highWaterMark, the same on the Node side (stream_objects.js): 16, Node's
// object-mode default, which the Transform and the Writable use too, so that every stage has
// the same buffer as the hand-written ring's 16 slots. (Readable.from()'s default is 1; in
// this synchronous flowing pipeline each item goes straight to 'data' and the source's buffer
// stays empty, so 1 measured the same: 875 Ir per item with callgrind.)
constexpr double source_hwm = 16;

// ---- costream ------------------------------------------------------------------------

struct counting_sink : cs::basic_writable<item> {
    std::uint64_t count = 0;
    double sum = 0;
    counting_sink()
        : cs::basic_writable<item>(
              cs::writable_options{.high_water_mark = 16, .object_mode = true}) {}
    void do_write(item&& o, write_callback cb) override {
        ++count;
        sum += o.value;
        cb();
    }
};

struct doubler : cs::basic_transform<item> {
    doubler() : cs::basic_transform<item>(cs::duplex_options{.object_mode = true}) {}
    void do_transform(item&& o, transform_callback cb) override { cb({}, item{o.id, o.value * 2}); }
};

double run_costream() {
    costream::loop l;
    auto src = cs::from(
        [i = std::uint64_t(0)]() mutable -> std::optional<item> {
            if (i == n_items) return std::nullopt;
            const std::uint64_t k = i++;
            return item{k, static_cast<double>(k) * 0.5};
        },
        cs::from_options{.high_water_mark = source_hwm});
    auto tr = cs::make<doubler>();
    auto sink = cs::make<counting_sink>();
    cs::pipeline(src, tr, sink, [](const boost::system::error_code& ec) {
        if (ec) std::fprintf(stderr, "pipeline: %s\n", ec.message().c_str());
    });
    double secs = costream_bench::seconds([&] { l.run(); });
    if (sink->count != n_items)
        std::fprintf(stderr, "costream: count %llu\n", (unsigned long long)sink->count);
    costream_bench::keep(sink->sum);
    return n_items / secs;
}

// ---- hand-written Asio coroutines (PERFORMANCE.md: own ring buffers, own FIFO) --------

using costream_bench::ring_channel;
using costream_bench::scheduler;
using costream_bench::task;

task produce(ring_channel<item>& out, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
        co_await out.wait_space();
        out.put(item{i, static_cast<double>(i) * 0.5});
    }
    out.close();
}
task transform(ring_channel<item>& in, ring_channel<item>& out) {
    for (;;) {
        bool more = co_await in.wait_item();
        if (!more) break;
        item o = in.take();
        co_await out.wait_space();
        out.put(item{o.id, o.value * 2});
    }
    out.close();
}
task consume(ring_channel<item>& in, std::uint64_t& count, double& sum) {
    for (;;) {
        bool more = co_await in.wait_item();
        if (!more) break;
        item o = in.take();
        ++count;
        sum += o.value;
    }
}

double run_asio() {
    boost::asio::io_context io(1);
    scheduler sched;
    ring_channel<item> a(&sched), b(&sched);
    std::uint64_t count = 0;
    double sum = 0;
    boost::asio::post(io, [&] {
        consume(b, count, sum);
        transform(a, b);
        produce(a, n_items);
        sched.run();
    });
    double secs = costream_bench::seconds([&] { io.run(); });
    if (count != n_items) std::fprintf(stderr, "asio: count %llu\n", (unsigned long long)count);
    costream_bench::keep(sum);
    return n_items / secs;
}

} // namespace

int main(int argc, char** argv) {
    // usage: bench_stream_objects [runs] [items] [costream|asio]  (the last two for profiling)
    const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
    if (argc > 2) n_items = std::strtoull(argv[2], nullptr, 10);
    if (argc > 3) {
        const std::string only = argv[3];
        std::printf("%s: %.3f M obj/s\n", only.c_str(),
                    (only == "asio" ? run_asio() : run_costream()) / 1e6);
        return 0;
    }
    double best_c = 0, best_a = 0;
    for (int i = 0; i < runs; ++i) {
        best_c = std::max(best_c, run_costream());
        best_a = std::max(best_a, run_asio());
    }
    auto node = costream_bench::run_node("stream_objects.js", std::to_string(n_items));
    costream_bench::row r;
    r.topic = "stream";
    r.workload = "objects: gen -> transform -> sink (5 M)";
    r.unit = "M obj/s";
    r.costream = best_c / 1e6;
    r.baseline = best_a / 1e6;
    r.baseline_name = "asio ring+FIFO";
    if (node.count("objects_per_s")) r.node = node["objects_per_s"] / 1e6;
    costream_bench::report(r);
}
