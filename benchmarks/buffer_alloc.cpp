// Buffer allocation, string creation, slicing and integer access: costream::buffer against a
// hand-written baseline and Node's Buffer (benchmarks/node/buffer_alloc.js), in M ops/s.
//  - alloc_unsafe(64): Buffer.allocUnsafe(64) (pooled) vs `new std::uint8_t[64]`.
//  - from("short"): Buffer.from('short') (pooled, utf8) vs std::vector<std::uint8_t>(s).
//  - subarray: buf.subarray(a, 40) of a 64-byte buffer (a shared view) vs a
//    std::shared_ptr copy plus pointer/length (the same ownership done by hand).
//  - read_uint32_be / write_uint32_le: per call over 1 MiB vs memcpy + bswap by hand.
// Results go to a ring of 256 slots on both sides, so each object lives a little while and
// is then released (as a stream's chunks are), and nothing is optimised away.
#include <costream/buffer.hpp>

#include "bench.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace costream_bench;
constexpr std::size_t ring_size = 256;
constexpr int runs = 5;

double mops(double ops, double sec) {
    return ops / sec / 1e6;
}

struct owned_view { // the baseline for a shared slice
    std::shared_ptr<std::uint8_t[]> owner;
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

} // namespace

int main() {
    auto node = run_node("buffer_alloc.js");
    auto node_value = [&](const char* key) -> std::optional<double> {
        auto it = node.find(key);
        if (it == node.end()) return std::nullopt;
        return it->second;
    };
    const std::size_t n = 2'000'000;

    { // alloc_unsafe(64)
        std::vector<costream::buffer> ring(ring_size);
        double c = best_seconds(runs, [&] {
            for (std::size_t i = 0; i < n; ++i) {
                auto b = costream::buffer::alloc_unsafe(64);
                b[0] = static_cast<std::uint8_t>(i);
                ring[i & (ring_size - 1)] = std::move(b);
            }
        });
        std::vector<std::unique_ptr<std::uint8_t[]>> base_ring(ring_size);
        double b = best_seconds(runs, [&] {
            for (std::size_t i = 0; i < n; ++i) {
                std::unique_ptr<std::uint8_t[]> p(new std::uint8_t[64]);
                p[0] = static_cast<std::uint8_t>(i);
                keep(p.get());
                base_ring[i & (ring_size - 1)] = std::move(p);
            }
        });
        report({"buffer", "alloc_unsafe(64)", "M ops/s", true, mops(n, c), mops(n, b),
                node_value("alloc_unsafe_64"), "new[]"});
    }
    { // from("short")
        std::vector<costream::buffer> ring(ring_size);
        double c = best_seconds(runs, [&] {
            for (std::size_t i = 0; i < n; ++i)
                ring[i & (ring_size - 1)] = costream::buffer::from("short");
        });
        std::vector<std::vector<std::uint8_t>> base_ring(ring_size);
        const std::string_view text = "short";
        double b = best_seconds(runs, [&] {
            for (std::size_t i = 0; i < n; ++i) {
                keep(text.data());
                base_ring[i & (ring_size - 1)] =
                    std::vector<std::uint8_t>(text.begin(), text.end());
            }
        });
        report({"buffer", "from(\"short\")", "M ops/s", true, mops(n, c), mops(n, b),
                node_value("from_short"), "vector"});
    }
    { // subarray
        const std::size_t m = 2 * n;
        const auto base = costream::buffer::alloc(64, 1);
        std::vector<costream::buffer> ring(ring_size);
        double c = best_seconds(runs, [&] {
            for (std::size_t i = 0; i < m; ++i)
                ring[i & (ring_size - 1)] = base.subarray(1 + static_cast<std::int64_t>(i & 7), 40);
        });
        std::shared_ptr<std::uint8_t[]> owner(new std::uint8_t[64]());
        std::vector<owned_view> base_ring(ring_size);
        double b = best_seconds(runs, [&] {
            for (std::size_t i = 0; i < m; ++i) {
                const std::size_t start = 1 + (i & 7);
                base_ring[i & (ring_size - 1)] = owned_view{owner, owner.get() + start, 40 - start};
            }
        });
        report({"buffer", "subarray (shared view)", "M ops/s", true, mops(m, c), mops(m, b),
                node_value("subarray"), "shared_ptr"});
    }
    { // read_uint32_be over 1 MiB, 8 passes
        auto big = costream::buffer::alloc(1 << 20);
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<std::uint8_t>(i * 7);
        const double ops = 8.0 * (big.size() / 4);
        std::uint32_t sink = 0;
        double c = best_seconds(runs, [&] {
            for (int rep = 0; rep < 8; ++rep) {
                std::uint32_t s = 0;
                for (std::size_t off = 0; off < big.size(); off += 4)
                    s += big.read_uint32_be(off);
                sink ^= s;
                keep(sink);
            }
        });
        double b = best_seconds(runs, [&] {
            const std::uint8_t* p = big.data();
            for (int rep = 0; rep < 8; ++rep) {
                std::uint32_t s = 0;
                for (std::size_t off = 0; off < big.size(); off += 4) {
                    std::uint32_t v;
                    std::memcpy(&v, p + off, 4);
                    s += __builtin_bswap32(v);
                }
                sink ^= s;
                keep(sink);
            }
        });
        report({"buffer", "read_uint32_be (1 MiB)", "M ops/s", true, mops(ops, c), mops(ops, b),
                node_value("read_uint32_be"), "memcpy+bswap"});
    }
    { // write_uint32_le over 1 MiB, 8 passes
        auto out = costream::buffer::alloc(1 << 20);
        const double ops = 8.0 * (out.size() / 4);
        double c = best_seconds(runs, [&] {
            for (std::uint32_t rep = 0; rep < 8; ++rep) {
                std::uint32_t v = rep;
                for (std::size_t off = 0; off < out.size(); off += 4, ++v)
                    out.write_uint32_le(v, off);
                keep(out.data());
            }
        });
        double b = best_seconds(runs, [&] {
            std::uint8_t* p = out.data();
            for (std::uint32_t rep = 0; rep < 8; ++rep) {
                std::uint32_t v = rep;
                for (std::size_t off = 0; off < out.size(); off += 4, ++v)
                    std::memcpy(p + off, &v, 4);
                keep(p);
            }
        });
        report({"buffer", "write_uint32_le (1 MiB)", "M ops/s", true, mops(ops, c), mops(ops, b),
                node_value("write_uint32_le"), "memcpy"});
    }
    return 0;
}
