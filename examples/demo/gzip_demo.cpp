// The main demo: stream a large file through gzip without loading it, while the loop stays
// responsive (a timer prints live progress), verify the result, and compare with Node.
//
//     gzip_demo [MiB=256] [--no-node] [--keep]
//
// 1. writes MiB of deterministic log-like text to a temp directory;
// 2. gzips it with pipeline(fs::create_read_stream, zlib::create_gzip,
//    fs::create_write_stream) while a set_interval timer prints bytes done and MB/s;
// 3. verifies by streaming it back through create_gunzip and comparing size and sha256 with
//    the original's (also streamed);
// 4. prints elapsed time and peak memory (getrusage maxrss), next to Node doing the same
//    work (examples/demo/gzip_demo.js) when `node` is installed.
//
// The Node program it mirrors (gzip_demo.js):
//
//     await pipeline(fs.createReadStream(log), zlib.createGzip(), fs.createWriteStream(gz));
//     const orig = await sha256Of(fs.createReadStream(log));
//     const back = await sha256Of(fs.createReadStream(gz), zlib.createGunzip());
#include <costream/crypto.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/transform.hpp>
#include <costream/timers.hpp>
#include <costream/zlib.hpp>

#include "log_text.hpp" // write_log_file

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double mib(std::uint64_t bytes) {
    return double(bytes) / 1048576.0;
}

/// Counts the bytes passing through (a Transform that hands chunks on unchanged).
class byte_counter final : public costream::stream::transform {
public:
    std::uint64_t bytes = 0;

protected:
    using costream::stream::transform::do_transform;
    void do_transform(costream::buffer&& chunk, transform_callback cb) override {
        bytes += chunk.size();
        cb({}, std::move(chunk));
    }
};

struct digest_result {
    std::uint64_t bytes = 0;
    std::string sha256;
};

/// Size and sha256 of what `source` (a readable, or a readable then a transform) produces.
template <class... Stages>
costream::promise<digest_result> digest_of(Stages... stages) {
    auto counter = costream::stream::make<byte_counter>();
    auto hash = costream::crypto::create_hash("sha256");
    digest_result r;
    hash->on("data", [&r](costream::buffer d) { r.sha256 = d.to_string("hex"); });
    co_await costream::stream::pipeline(stages..., counter, hash);
    r.bytes = counter->bytes;
    co_return r;
}

struct run_summary {
    double gzip_s = 0, total_s = 0, max_rss_mib = 0;
};

costream::promise<run_summary> demo(const std::string& log, const std::string& gz,
                                    std::uint64_t total) {
    run_summary s;
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    auto t0 = clock_type::now();

    auto source = costream::fs::create_read_stream(log);
    auto sink = costream::fs::create_write_stream(gz);
    auto* rs = source.get();
    auto last_print = clock_type::now() - std::chrono::seconds(10);
    auto progress = [&](bool final) {
        const std::uint64_t done = rs->bytes_read();
        const double secs = since(t0);
        const double rate = secs > 0 ? double(done) / 1e6 / secs : 0;
        const int width = 30,
                  filled = total ? int(double(width) * double(done) / double(total)) : 0;
        std::string bar(std::size_t(filled), '#');
        bar.resize(width, '.');
        if (tty)
            std::printf("\r  gzip [%s] %7.1f / %.1f MiB  %6.1f MB/s%s", bar.c_str(), mib(done),
                        mib(total), rate, final ? "\n" : "");
        else if (final || since(last_print) >= 1.0) {
            std::printf("  gzip [%s] %7.1f / %.1f MiB  %6.1f MB/s\n", bar.c_str(), mib(done),
                        mib(total), rate);
            last_print = clock_type::now();
        }
        std::fflush(stdout);
    };
    // The loop stays free while the pool compresses: this timer keeps firing.
    auto ticker = costream::set_interval([&] { progress(false); }, 100);
    std::exception_ptr failure;
    try {
        co_await costream::stream::pipeline(source, costream::zlib::create_gzip(), sink);
    } catch (...) {
        failure = std::current_exception();
    }
    costream::clear_interval(ticker); // also on failure: the timer refers to this frame
    if (failure) std::rethrow_exception(failure);
    progress(true);
    s.gzip_s = since(t0);
    const std::uint64_t gz_bytes = std::filesystem::file_size(gz);
    std::printf("  gzip done: %.1f MiB -> %.1f MiB (%.2fx) in %.2f s\n", mib(total), mib(gz_bytes),
                double(total) / double(gz_bytes ? gz_bytes : 1), s.gzip_s);

    std::printf("  verify: gunzip and sha256 of both sides (streamed) ...\n");
    auto t1 = clock_type::now();
    digest_result orig = co_await digest_of(costream::fs::create_read_stream(log));
    digest_result back =
        co_await digest_of(costream::fs::create_read_stream(gz), costream::zlib::create_gunzip());
    if (orig.bytes != back.bytes || orig.sha256 != back.sha256 || orig.bytes != total)
        throw std::runtime_error("verification failed: " + std::to_string(orig.bytes) + " " +
                                 orig.sha256 + " vs " + std::to_string(back.bytes) + " " +
                                 back.sha256);
    std::printf("  verified: %llu bytes, sha256 %s (%.2f s)\n", (unsigned long long)back.bytes,
                back.sha256.c_str(), since(t1));
    s.total_s = since(t0);
    co_return s;
}

/// Runs node on the same work; its "name<TAB>value" lines and its peak RSS (wait4).
bool run_node(const std::string& script, const std::string& log, const std::string& gz,
              std::map<std::string, double>& values, double& max_rss_mib) {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execlp("node", "node", script.c_str(), log.c_str(), gz.c_str(), (char*)nullptr);
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        out.append(buf, std::size_t(n));
    ::close(fds[0]);
    int status = 0;
    struct rusage ru {};
    if (::wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return false;
    max_rss_mib = double(ru.ru_maxrss) / 1024.0;
    std::size_t at = 0;
    while (at < out.size()) {
        std::size_t eol = out.find('\n', at);
        if (eol == std::string::npos) eol = out.size();
        std::string line = out.substr(at, eol - at);
        if (auto tab = line.find('\t'); tab != std::string::npos)
            values[line.substr(0, tab)] = std::strtod(line.c_str() + tab + 1, nullptr);
        at = eol + 1;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t size_mib = 256;
    bool with_node = true, keep = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--no-node") == 0)
            with_node = false;
        else if (std::strcmp(argv[i], "--keep") == 0)
            keep = true;
        else if (std::strtoull(argv[i], nullptr, 10) > 0)
            size_mib = std::strtoull(argv[i], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: %s [MiB=256] [--no-node] [--keep]\n", argv[0]);
            return 2;
        }
    }
    const std::uint64_t total = size_mib << 20;

    std::string tmpl = (std::filesystem::temp_directory_path() / "costream-demo-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::filesystem::path dir = tmpl;
    const std::string log = (dir / "app.log").string(), gz = (dir / "app.log.gz").string(),
                      node_gz = (dir / "node.log.gz").string();
    int rc = 0;
    try {
        std::printf("costream gzip demo: %llu MiB of log text in %s\n",
                    (unsigned long long)size_mib, dir.c_str());
        auto tg = clock_type::now();
        write_log_file(log, total);
        std::printf("  generated in %.2f s\n", since(tg));

        costream::loop loop;
        auto result = demo(log, gz, total);
        loop.run();
        run_summary s = result.get();
        struct rusage ru {};
        ::getrusage(RUSAGE_SELF, &ru);
        s.max_rss_mib = double(ru.ru_maxrss) / 1024.0;

        std::printf("\n%-9s %10s %10s %12s %14s\n", "", "gzip", "gzip MB/s", "gzip+verify",
                    "peak memory");
        std::printf("%-9s %9.2fs %10.1f %11.2fs %10.1f MiB\n", "costream", s.gzip_s,
                    double(total) / 1e6 / s.gzip_s, s.total_s, s.max_rss_mib);

        const std::string script =
            (std::filesystem::path(__FILE__).parent_path() / "gzip_demo.js").string();
        if (with_node && std::system("command -v node >/dev/null 2>&1") == 0 &&
            std::filesystem::exists(script)) {
            std::map<std::string, double> v;
            double node_rss = 0;
            if (run_node(script, log, node_gz, v, node_rss) && v.count("gzip_s")) {
                std::printf("%-9s %9.2fs %10.1f %11.2fs %10.1f MiB\n", "node", v["gzip_s"],
                            double(total) / 1e6 / v["gzip_s"], v["total_s"], node_rss);
                std::printf("\ncostream: %.2fx Node's speed (gzip+verify), %.1fx less memory\n",
                            v["total_s"] / s.total_s, node_rss / s.max_rss_mib);
            } else {
                std::printf("node: failed to run %s\n", script.c_str());
            }
        } else if (with_node) {
            std::printf("(node not installed, or %s missing: no comparison)\n", script.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\ngzip_demo: %s\n", e.what());
        rc = 1;
    }
    if (!keep)
        std::filesystem::remove_all(dir);
    else
        std::printf("kept %s\n", dir.c_str());
    return rc;
}
