// Benchmark: bytes through 0 and 3 stages to a null sink: 4 GiB as 64 KiB chunks and 1 GiB
// as 1 KiB chunks (chunks/s and GB/s), and the peak RSS of each size measured in a fresh
// child process (fork + wait4), so that 1 GiB and 4 GiB can be compared.
//
// costream: a source readable pushing shared views of one buffer (no copy, as a file or
// socket source hands its read buffers on) -> N stages -> a null basic_writable, joined by
// stream::pipeline() (the map stages are readables over their predecessor, so pipeline()
// joins the last of them to the sink). The stages are
// identity map() operator stages: pass_through.hpp had not landed when this was written, so
// a stage here is a readable-side hop only (push + read through the readable state
// machine), not a full duplex. Baseline: hand-written C++20 coroutines on Asio with own
// ring buffers and a FIFO of coroutine handles (PERFORMANCE.md). Node: the same workload
// with PassThrough stages and pipeline() (benchmarks/node/stream_bytes.js).
#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/stream/operators.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>

#include "bench.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
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
    // object_mode for the staged runs: the map() stand-in stages read with read(), which in
    // byte mode concatenates everything buffered (Node's semantics; a copy per read), while
    // PassThrough takes chunk by chunk. Object mode keeps chunks whole, as a pipe does.
    byte_source(std::size_t chunk, std::uint64_t total, bool object_mode)
        : cs::readable(cs::readable_options{.object_mode = object_mode}),
          block(costream::buffer::alloc(chunk, 0x5a)), left(total / chunk) {}
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

double run_costream(std::size_t chunk, std::uint64_t total, int stages) {
    costream::loop l;
    auto sink = cs::make<null_sink>();
    cs::ptr<cs::readable> head = cs::make<byte_source>(chunk, total, stages > 0);
    if (stages == 0) {
        cs::pipeline(head, sink, [](const boost::system::error_code& ec) {
            if (ec) std::fprintf(stderr, "pipeline: %s\n", ec.message().c_str());
        });
        double secs = costream_bench::seconds([&] { l.run(); });
        if (sink->bytes != total)
            std::fprintf(stderr, "costream: %llu bytes\n", (unsigned long long)sink->bytes);
        return secs;
    }
    auto id = [](costream::buffer b) { return b; };
    cs::ptr<cs::basic_readable<costream::buffer>> s = head;
    head.reset();
    // separate (unfused) stages: keep a reference to each so that none is fused away
    std::vector<cs::ptr<cs::basic_readable<costream::buffer>>> keep;
    for (int i = 0; i < stages; ++i) {
        keep.push_back(s);
        auto next = cs::map(std::move(s), id);
        s = next;
    }
    cs::pipeline(s, sink, [](const boost::system::error_code& ec) {
        if (ec) std::fprintf(stderr, "pipeline: %s\n", ec.message().c_str());
    });
    double secs = costream_bench::seconds([&] { l.run(); });
    if (sink->bytes != total)
        std::fprintf(stderr, "costream: %llu bytes\n", (unsigned long long)sink->bytes);
    return secs;
}

// ---- hand-written Asio coroutines (PERFORMANCE.md: own ring buffers, own FIFO) --------

struct scheduler {
    std::deque<std::coroutine_handle<>> ready;
    void run() {
        while (!ready.empty()) {
            auto h = ready.front();
            ready.pop_front();
            h.resume();
        }
    }
};
struct task {
    struct promise_type {
        task get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() { std::terminate(); }
    };
};
// A bounded ring of refcounted buffer views (the same costream::buffer type, so both sides
// pay the same refcount per chunk); a side suspends only when it must.
template <std::size_t N = 16>
struct ring_channel {
    explicit ring_channel(scheduler* s) : sched(s) {}
    scheduler* sched;
    costream::buffer buf[N]{};
    std::size_t head = 0, size = 0;
    bool closed = false;
    std::coroutine_handle<> waiting_producer, waiting_consumer;
    struct push_awaiter {
        ring_channel& c;
        bool await_ready() const noexcept { return c.size < N; }
        void await_suspend(std::coroutine_handle<> h) noexcept { c.waiting_producer = h; }
        void await_resume() const noexcept {}
    };
    struct pop_awaiter {
        ring_channel& c;
        bool await_ready() const noexcept { return c.size > 0 || c.closed; }
        void await_suspend(std::coroutine_handle<> h) noexcept { c.waiting_consumer = h; }
        bool await_resume() const noexcept { return c.size > 0; }
    };
    push_awaiter wait_space() { return {*this}; }
    pop_awaiter wait_item() { return {*this}; }
    void put(costream::buffer v) {
        buf[(head + size) % N] = std::move(v);
        ++size;
        wake(waiting_consumer);
    }
    void close() {
        closed = true;
        wake(waiting_consumer);
    }
    costream::buffer take() {
        costream::buffer v = std::move(buf[head]);
        head = (head + 1) % N;
        --size;
        wake(waiting_producer);
        return v;
    }
    void wake(std::coroutine_handle<>& h) {
        if (h) {
            sched->ready.push_back(h);
            h = nullptr;
        }
    }
};
task produce(ring_channel<>& out, costream::buffer block, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
        co_await out.wait_space();
        out.put(block);
    }
    out.close();
}
task pass(ring_channel<>& in, ring_channel<>& out) {
    for (;;) {
        bool more = co_await in.wait_item();
        if (!more) break;
        costream::buffer b = in.take();
        co_await out.wait_space();
        out.put(std::move(b));
    }
    out.close();
}
task sink(ring_channel<>& in, std::uint64_t& bytes) {
    for (;;) {
        bool more = co_await in.wait_item();
        if (!more) break;
        bytes += in.take().size();
    }
}

double run_asio(std::size_t chunk, std::uint64_t total, int stages) {
    boost::asio::io_context io(1);
    scheduler sched;
    std::vector<ring_channel<>> rings(static_cast<std::size_t>(stages) + 1, ring_channel<>(&sched));
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
    // usage: bench_stream_bytes [runs] [only: a shape index 0/1 and a stage count] (profiling)
    const int runs = argc > 1 ? std::atoi(argv[1]) : 2;
    if (argc == 5 && std::string(argv[2]) == "--one") {
        const std::size_t chunk = std::strtoull(argv[3], nullptr, 10);
        const int stages = std::atoi(argv[4]);
        const std::uint64_t total = chunk * 200000;
        double c = run_costream(chunk, total, stages);
        std::printf("costream %.3f M chunks/s\n", 200000 / c / 1e6);
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
            double c = 1e300, a = 1e300;
            for (int i = 0; i < runs; ++i) {
                c = std::min(c, run_costream(sh.chunk, sh.total, stages));
                a = std::min(a, run_asio(sh.chunk, sh.total, stages));
            }
            const double chunks = static_cast<double>(sh.total / sh.chunk);
            auto node = costream_bench::run_node(
                "stream_bytes.js", std::to_string(sh.chunk) + " " + std::to_string(sh.total) + " " +
                                       std::to_string(stages));
            const std::string wl = std::string(sh.name) + ", " + std::to_string(stages) + " stages";
            costream_bench::row r;
            r.topic = "stream";
            r.workload = "bytes: " + wl;
            r.unit = "M chunks/s";
            r.costream = chunks / c / 1e6;
            r.baseline = chunks / a / 1e6;
            r.baseline_name = "asio ring+FIFO";
            if (node.count("seconds")) r.node = chunks / node["seconds"] / 1e6;
            costream_bench::report(r);
            costream_bench::row g = r;
            g.workload = "bytes GB/s: " + wl;
            g.unit = "GB/s";
            g.costream = static_cast<double>(sh.total) / c / 1e9;
            g.baseline = static_cast<double>(sh.total) / a / 1e9;
            if (node.count("seconds"))
                g.node = static_cast<double>(sh.total) / node["seconds"] / 1e9;
            costream_bench::report(g);
        }
    }
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
