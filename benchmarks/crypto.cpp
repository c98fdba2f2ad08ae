// crypto: sha256 of a 1 GiB file streamed from disk (page cache) into create_hash, against a
// hand-written read()+EVP loop, sha256sum, and Node (fs.createReadStream().pipe(createHash));
// and pbkdf2 jobs on the thread pool against the same jobs on raw std::threads and Node.
#include "bench.hpp"
#include "io_common.hpp"

#include <costream/crypto.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

using namespace costream_bench;

namespace {

const std::uint64_t file_bytes = std::uint64_t(1) << 30;

std::string costream_sha256(const std::string& path) {
    costream::loop l;
    auto h = costream::crypto::create_hash("sha256");
    std::string hex;
    h->on("data", [&](costream::buffer d) { hex = d.to_string("hex"); });
    bool ok = false;
    costream::stream::pipeline(costream::fs::create_read_stream(path), h,
                               [&](boost::system::error_code ec) { ok = !ec; });
    l.run();
    if (!ok) throw std::runtime_error("costream sha256 pipeline failed");
    return hex;
}

std::string raw_sha256(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    std::vector<unsigned char> buf(64 * 1024);
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0)
        EVP_DigestUpdate(ctx, buf.data(), std::size_t(n));
    unsigned char md[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    ::close(fd);
    char hex[65];
    for (int i = 0; i < 32; ++i)
        std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

std::string sha256sum_of(const std::string& path) {
    std::string cmd = "sha256sum '" + path + "'";
    FILE* p = ::popen(cmd.c_str(), "r");
    char line[256] = {};
    if (!p || !std::fgets(line, sizeof line, p)) throw std::runtime_error("sha256sum failed");
    ::pclose(p);
    return std::string(line, 64);
}

} // namespace

int main() {
    temp_dir dir;
    const std::string file = dir.file("random.bin");
    write_random_file(file, file_bytes);
    raw_sha256(file); // warm the page cache

    std::string hex_costream, hex_raw;
    double t_costream = best_seconds(2, [&] { hex_costream = costream_sha256(file); });
    double t_raw = best_seconds(2, [&] { hex_raw = raw_sha256(file); });
    std::string hex_cli;
    double t_cli = best_seconds(2, [&] { hex_cli = sha256sum_of(file); });
    if (hex_costream != hex_raw || hex_costream != hex_cli) {
        std::fprintf(stderr, "digests differ: %s %s %s\n", hex_costream.c_str(), hex_raw.c_str(),
                     hex_cli.c_str());
        return 1;
    }

    const int jobs = 16, iterations = 100000;
    auto node = run_node("crypto.js", "'" + file + "' " + std::to_string(file_bytes) + " " +
                                          std::to_string(jobs) + " " + std::to_string(iterations));
    if (node.count("sha256_prefix") &&
        node["sha256_prefix"] != double(std::stoull(hex_costream.substr(0, 12), nullptr, 16))) {
        std::fprintf(stderr, "node's digest differs\n");
        return 1;
    }

    row r = make_row("crypto", "sha256 of a 1 GiB file (stream)", "MB/s");
    r.costream = mbps(file_bytes, t_costream);
    r.baseline = mbps(file_bytes, t_raw);
    r.baseline_name = "read+EVP";
    if (node.count("sha256_mbps")) r.node = node["sha256_mbps"];
    report(r);
    row c = make_row("crypto", "sha256 of a 1 GiB file vs sha256sum", "MB/s");
    c.costream = r.costream;
    c.baseline = mbps(file_bytes, t_cli);
    c.baseline_name = "sha256sum";
    report(c);

    // pbkdf2: `jobs` derivations at once on the pool (4 threads, like libuv's).
    double t_pool = best_seconds(2, [&] {
        costream::loop l;
        int left = jobs;
        for (int i = 0; i < jobs; ++i)
            costream::crypto::pbkdf2("password", "salt" + std::to_string(i), iterations, 32,
                                     "sha256",
                                     [&](std::exception_ptr, costream::buffer) { --left; });
        l.run();
        if (left != 0) throw std::runtime_error("pbkdf2 jobs lost");
    });
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    double t_threads = best_seconds(2, [&] {
        std::atomic<int> next{0};
        std::vector<std::thread> ts;
        for (unsigned t = 0; t < hw; ++t)
            ts.emplace_back([&] {
                for (int i; (i = next++) < jobs;) {
                    std::string salt = "salt" + std::to_string(i);
                    unsigned char key[32];
                    PKCS5_PBKDF2_HMAC("password", 8, (const unsigned char*)salt.data(),
                                      int(salt.size()), iterations, EVP_sha256(), 32, key);
                }
                OPENSSL_thread_stop();
            });
        for (auto& t : ts)
            t.join();
    });
    row p = make_row("crypto", "pbkdf2-sha256 100k iterations, 16 jobs", "jobs/s");
    p.costream = jobs / t_pool;
    p.baseline = jobs / t_threads;
    p.baseline_name = "std::thread x" + std::to_string(hw);
    if (node.count("pbkdf2_per_s")) p.node = node["pbkdf2_per_s"];
    report(p);
    return 0;
}
