// Helpers shared by the file benchmarks (fs, zlib, crypto): a temp directory removed at
// exit, deterministic log-like text, timing of a shell command, and peak RSS of a child.
#pragma once

#include "../examples/demo/log_text.hpp" // write_log_file: the demo's input, also the benchmarks'
#include "bench.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace costream_bench {

/// A directory under $TMPDIR (or /tmp), removed with everything in it when destroyed.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "costream-bench-XXXXXX");
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

/// Random bytes (incompressible), deterministic.
inline void write_random_file(const std::string& path, std::uint64_t bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot create " + path);
    std::vector<std::uint64_t> buf(1 << 17);
    std::uint64_t x = 88172645463325252ull, written = 0;
    while (written < bytes) {
        for (auto& w : buf) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w = x;
        }
        std::size_t n = std::size_t(std::min<std::uint64_t>(buf.size() * 8, bytes - written));
        std::fwrite(buf.data(), 1, n, f);
        written += n;
    }
    std::fclose(f);
}

/// True when `tool` is on PATH.
inline bool have_tool(const std::string& tool) {
    return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

/// Runs `argv` as a child (stdout to `out_path` unless empty, stdin from `in_path` unless
/// empty); returns {seconds, peak RSS of the child in MiB}. Throws if it fails, or if it runs
/// longer than `timeout_s` seconds (killed by SIGALRM; 0: no limit), so that a stalled
/// program under test cannot hang the benchmark run.
struct child_result {
    double seconds = 0;
    double max_rss_mib = 0;
};
inline child_result run_child(const std::vector<std::string>& argv, const std::string& in_path = "",
                              const std::string& out_path = "", unsigned timeout_s = 0) {
    std::fflush(nullptr); // or the child's freopen() writes our buffered output a second time
    auto t0 = clock::now();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (timeout_s) ::alarm(timeout_s); // survives exec
        if (!in_path.empty()) {
            if (!std::freopen(in_path.c_str(), "rb", stdin)) ::_exit(126);
        }
        if (!out_path.empty()) {
            if (!std::freopen(out_path.c_str(), "wb", stdout)) ::_exit(126);
        }
        std::vector<char*> args;
        for (auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    struct rusage ru {};
    if (::wait4(pid, &status, 0, &ru) < 0) throw std::runtime_error("wait4 failed");
    child_result r;
    r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    r.max_rss_mib = double(ru.ru_maxrss) / 1024.0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("child failed: " + argv[0]);
    return r;
}

/// Best of `runs` timings of a child; the RSS of the last run.
inline child_result best_child(int runs, const std::vector<std::string>& argv,
                               const std::string& in_path = "", const std::string& out_path = "") {
    child_result best{1e300, 0};
    for (int i = 0; i < runs; ++i) {
        child_result r = run_child(argv, in_path, out_path);
        best.seconds = std::min(best.seconds, r.seconds);
        best.max_rss_mib = r.max_rss_mib;
    }
    return best;
}

/// A report row (bench.hpp's row) for `topic`/`workload` in `unit`.
inline row make_row(std::string topic, std::string workload, std::string unit,
                    bool higher_is_better = true) {
    row r;
    r.topic = std::move(topic);
    r.workload = std::move(workload);
    r.unit = std::move(unit);
    r.higher_is_better = higher_is_better;
    return r;
}

/// MB/s (10^6 bytes per second, as the CLI tools and Node report) for `bytes` in `s` seconds.
inline double mbps(std::uint64_t bytes, double s) {
    return double(bytes) / 1e6 / s;
}

/// This process's anonymous RSS now, MiB (RssAnon in /proc/self/status; 0 if unreadable):
/// what a forked child starts with in its own peak RSS (file-backed pages are not copied).
inline double self_anon_rss_mib() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    double kib = 0;
    char line[256];
    while (f && std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "RssAnon: %lf", &kib) == 1) break;
    if (f) std::fclose(f);
    return kib / 1024.0;
}

/// This process's peak RSS so far, MiB.
inline double self_max_rss_mib() {
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_maxrss) / 1024.0;
}

/// The value at quantile q (0..1) of `v` (sorted in place).
inline double quantile(std::vector<double>& v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t i = std::min(v.size() - 1, std::size_t(q * double(v.size() - 1) + 0.5));
    return v[i];
}

} // namespace costream_bench
