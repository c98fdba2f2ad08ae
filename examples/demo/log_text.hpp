// examples/demo/log_text.hpp: the gzip demo's input, deterministic log-like text; the fs,
// zlib and crypto benchmarks (benchmarks/io_common.hpp) write the same text.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

/// Writes `bytes` of deterministic, log-like text (HTTP access-log lines with varying
/// fields, random ids and sizes: about 3.7x with gzip -6, harder than typical logs).
inline void write_log_file(const std::string& path, std::uint64_t bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot create " + path);
    static const char* const methods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    static const char* const paths[] = {"/api/v1/items/", "/api/v1/users/",  "/static/app.js?v=",
                                        "/health",        "/api/v2/orders/", "/login?next=/cart/"};
    static const char* const levels[] = {"INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"};
    static const int statuses[] = {200, 200, 200, 200, 201, 204, 304, 404, 500};
    std::uint64_t x = 0x9E3779B97F4A7C15ull, t = 1763820000000ull;
    auto next = [&] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    std::vector<char> buf(1 << 20);
    std::uint64_t written = 0;
    while (written < bytes) {
        std::size_t used = 0;
        while (used + 256 < buf.size()) {
            std::uint64_t r = next();
            t += r % 50;
            int n = std::snprintf(
                buf.data() + used, 256,
                "%llu.%03llu %s [worker-%u] %s %s%llu %d %lluB %llu.%llums req=%08llx\n",
                (unsigned long long)(t / 1000), (unsigned long long)(t % 1000), levels[r % 6],
                unsigned(r >> 8) % 8, methods[(r >> 12) % 6], paths[(r >> 16) % 6],
                (unsigned long long)((r >> 20) % 100000), statuses[(r >> 40) % 9],
                (unsigned long long)((r >> 24) % 65536), (unsigned long long)((r >> 44) % 300),
                (unsigned long long)((r >> 52) % 10), (unsigned long long)(next() & 0xffffffff));
            used += std::size_t(n);
        }
        std::size_t n = std::size_t(std::min<std::uint64_t>(used, bytes - written));
        std::fwrite(buf.data(), 1, n, f);
        written += n;
    }
    std::fclose(f);
}
