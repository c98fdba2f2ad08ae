// Shared harness for costream's benchmarks. Each benchmark program measures one workload
// three ways in one run: costream, hand-written Asio (or plain C++: our overhead), and Node
// (our advantage), and prints the ratios. benchmarks/run collects the machine-readable lines
// ("@@bench\t...") from every program into a markdown table and a chart.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#ifndef COSTREAM_BENCH_NODE_DIR
#define COSTREAM_BENCH_NODE_DIR ""
#endif

namespace costream_bench {

using clock = std::chrono::steady_clock;

/// Seconds taken by fn().
template <class F>
double seconds(F&& fn) {
    auto t0 = clock::now();
    fn();
    return std::chrono::duration<double>(clock::now() - t0).count();
}

/// Best (smallest) of `runs` timings of fn(): the least disturbed run on a noisy machine.
template <class F>
double best_seconds(int runs, F&& fn) {
    double best = 1e300;
    for (int i = 0; i < runs; ++i)
        best = std::min(best, seconds(fn));
    return best;
}

/// Keeps the optimizer from discarding a value.
template <class T>
inline void keep(T const& value) {
    asm volatile("" : : "r,m"(value) : "memory");
}

/// Runs `node benchmarks/node/<script> args...` and returns the "name<TAB>value" lines it
/// printed, or an empty map when node is not installed or the script failed.
inline std::map<std::string, double> run_node(const std::string& script,
                                              const std::string& args = "") {
    std::map<std::string, double> out;
    std::filesystem::path path = std::filesystem::path(COSTREAM_BENCH_NODE_DIR) / script;
    if (std::system("command -v node >/dev/null 2>&1") != 0) return out;
    std::string cmd = "node '" + path.string() + "' " + args;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        std::string s(line);
        auto tab = s.find('\t');
        if (tab == std::string::npos) continue;
        out[s.substr(0, tab)] = std::strtod(s.c_str() + tab + 1, nullptr);
    }
    if (::pclose(p) != 0) out.clear();
    return out;
}

/// One workload measured up to three ways. `unit` names the value ("MB/s", "M ops/s", "ns/op");
/// higher_is_better says which way the ratios read.
struct row {
    std::string topic, workload, unit;
    bool higher_is_better = true;
    double costream = 0;
    std::optional<double> baseline; ///< hand-written Asio / plain C++ doing the same work
    std::optional<double> node;
    std::string baseline_name = "asio";
};

/// costream's advantage over `other`: >1 means costream is better, whichever way the unit reads.
inline double advantage(const row& r, double other) {
    return r.higher_is_better ? r.costream / other : other / r.costream;
}

/// Prints the row for people and a tab-separated "@@bench" line for benchmarks/run.
inline void report(const row& r) {
    std::printf("%-12s %-40s costream %10.3f %-8s", r.topic.c_str(), r.workload.c_str(), r.costream,
                r.unit.c_str());
    if (r.baseline)
        std::printf(" | %s %10.3f (costream %.2fx)", r.baseline_name.c_str(), *r.baseline,
                    advantage(r, *r.baseline));
    if (r.node) std::printf(" | node %10.3f (costream %.2fx)", *r.node, advantage(r, *r.node));
    std::printf("\n@@bench\t%s\t%s\t%s\t%d\t%.6g\t%s\t%.6g\t%s\t%.6g\n", r.topic.c_str(),
                r.workload.c_str(), r.unit.c_str(), r.higher_is_better ? 1 : 0, r.costream,
                r.baseline_name.c_str(), r.baseline ? *r.baseline : -1.0, "node",
                r.node ? *r.node : -1.0);
    std::fflush(stdout);
}

} // namespace costream_bench
