// Helpers shared by the zlib tests: the inputs of the Node vector generators, a collector
// of a stream's output and events, and a runner for the gzip CLI.
#pragma once

#include <costream/buffer.hpp>
#include <costream/error.hpp>
#include <costream/stream/readable.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace zlib_test {

/// The log-like text of oracle scenario 61 (and gen_node_vectors.js), cut to n bytes.
inline costream::buffer text(std::size_t n) {
    std::string s;
    for (int i = 0; s.size() < n; ++i)
        s += "line " + std::to_string(i) + ": " + std::string(std::size_t(i % 50), 'x') +
             " \xc3\xa9\xe2\x82\xac\n";
    s.resize(n);
    return costream::buffer::from(s);
}

/// Bytes of the 32-bit LCG of gen_node_vectors.js.
inline costream::buffer lcg(std::size_t n, std::uint32_t seed) {
    auto b = costream::buffer::alloc(n);
    std::uint32_t x = seed;
    for (std::size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        b[i] = static_cast<std::uint8_t>(x >> 24);
    }
    return b;
}

/// Records a readable's output chunks, 'end', 'error' (count and code) and 'close'.
struct collector {
    std::vector<costream::buffer> chunks;
    std::vector<std::string> events;
    boost::system::error_code error;
    int errors = 0;
    bool ended = false;
    bool closed = false;

    template <class Stream>
    void attach(Stream& s) {
        s.on("data", [this](const costream::buffer& b) { chunks.push_back(b); });
        s.on("end", [this] {
            ended = true;
            events.push_back("end");
        });
        s.on("finish", [this] { events.push_back("finish"); });
        s.on("error", [this](const boost::system::error_code& ec) {
            ++errors;
            error = ec;
            events.push_back("error");
        });
        s.on("close", [this] {
            closed = true;
            events.push_back("close");
        });
    }
    costream::buffer all() const { return costream::buffer::concat(chunks); }
    std::vector<std::size_t> sizes() const {
        std::vector<std::size_t> v;
        for (auto& c : chunks)
            v.push_back(c.size());
        return v;
    }
};

/// Runs a shell command, returns its exit status.
inline int run(const std::string& cmd) {
    return std::system(cmd.c_str());
}

/// Writes bytes to a file.
inline void write_file(const std::string& path, const costream::buffer& b) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (b.size()) std::fwrite(b.data(), 1, b.size(), f.get());
}

/// Reads a whole file.
inline costream::buffer read_file(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    std::string s;
    if (!f) return {};
    char tmp[65536];
    for (std::size_t n; (n = std::fread(tmp, 1, sizeof tmp, f.get())) > 0;)
        s.append(tmp, n);
    return costream::buffer::from(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

/// A fresh temporary directory (removed by the destructor).
struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/costream-zlib-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() { run("rm -rf '" + path + "'"); }
};

} // namespace zlib_test
