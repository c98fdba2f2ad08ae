// event_emitter: emit of 'data' with one and three listeners, and on/off churn, measured
// against a plain std::vector<std::function> call loop (the floor for type-erased callbacks)
// and Node's EventEmitter (benchmarks/node/events.js) in the same run. Unit: ns per emit
// (or per on+off pair).
#include <costream/events.hpp>

#include "bench.hpp"

#include <functional>
#include <string>
#include <vector>

namespace {

constexpr long n = 20'000'000;

struct chunk {
    char bytes[16] = {};
    std::size_t size() const { return sizeof bytes; }
};

double ns_per_op(double seconds, long ops) {
    return seconds * 1e9 / static_cast<double>(ops);
}

double emitter_emit(int listeners) {
    costream::event_emitter e;
    std::size_t sink = 0;
    // A stream's emitter knows a few events; 'data' is not the first one it finds.
    e.on("end", [] {});
    e.on("error", [](const boost::system::error_code&) {});
    for (int i = 0; i < listeners; ++i)
        e.on("data", [&sink](const chunk& c) { sink += c.size(); });
    chunk c;
    double s = costream_bench::best_seconds(5, [&] {
        for (long i = 0; i < n; ++i) {
            costream_bench::keep(c);
            e.emit("data", c);
        }
    });
    costream_bench::keep(sink);
    return ns_per_op(s, n);
}

double plain_emit(int listeners) {
    std::vector<std::function<void(const chunk&)>> fns;
    std::size_t sink = 0;
    for (int i = 0; i < listeners; ++i)
        fns.emplace_back([&sink](const chunk& c) { sink += c.size(); });
    chunk c;
    double s = costream_bench::best_seconds(5, [&] {
        for (long i = 0; i < n; ++i) {
            costream_bench::keep(c);
            for (auto& f : fns)
                f(c);
        }
    });
    costream_bench::keep(sink);
    return ns_per_op(s, n);
}

double emitter_churn() {
    costream::event_emitter e;
    e.on("end", [] {});
    std::size_t sink = 0;
    auto f = [&sink](const chunk& c) { sink += c.size(); };
    const long m = n / 4;
    double s = costream_bench::best_seconds(5, [&] {
        for (long i = 0; i < m; ++i)
            e.off("data", e.on("data", f));
    });
    costream_bench::keep(sink);
    return ns_per_op(s, m);
}

double plain_churn() {
    std::vector<std::function<void(const chunk&)>> fns;
    fns.reserve(4);
    std::size_t sink = 0;
    auto f = [&sink](const chunk& c) { sink += c.size(); };
    const long m = n / 4;
    double s = costream_bench::best_seconds(5, [&] {
        for (long i = 0; i < m; ++i) {
            fns.emplace_back(f);
            costream_bench::keep(fns);
            fns.pop_back();
        }
    });
    costream_bench::keep(sink);
    return ns_per_op(s, m);
}

costream_bench::row make(const char* workload, double costream, double baseline,
                         const std::map<std::string, double>& node, const char* key) {
    costream_bench::row r;
    r.topic = "events";
    r.workload = workload;
    r.unit = "ns/op";
    r.higher_is_better = false;
    r.costream = costream;
    r.baseline = baseline;
    r.baseline_name = "vector<function>";
    if (auto it = node.find(key); it != node.end()) r.node = it->second;
    return r;
}

} // namespace

int main() {
    auto node = costream_bench::run_node("events.js");
    costream_bench::report(
        make("emit 'data', 1 listener", emitter_emit(1), plain_emit(1), node, "emit_1"));
    costream_bench::report(
        make("emit 'data', 3 listeners", emitter_emit(3), plain_emit(3), node, "emit_3"));
    costream_bench::report(
        make("on + off of one listener", emitter_churn(), plain_churn(), node, "on_off"));
}
