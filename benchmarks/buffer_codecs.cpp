// Buffer string conversions: hex, base64 and UTF-8 at 64 bytes (per-call overhead) and 1 MiB
// (throughput). Each row is measured for costream (encoding.hpp), for a plain hand-written
// table-driven loop (what one writes without thinking about speed) and for Node's Buffer
// (benchmarks/node/buffer_codecs.js: buf.toString(enc) / Buffer.from(string, enc)) on the
// same inputs. MB/s counts the binary side: the bytes of the Buffer.
//  - "encode" is bytes -> text (buf.toString(enc)): costream::decode(bytes, enc), a new string.
//  - "decode" is text -> bytes (Buffer.from(text, enc)): byte_length + encode_into a buffer.
//  - "utf8" is buf.toString('utf8') of valid text: validation plus copy.
#include <costream/encoding.hpp>

#include "bench.hpp"

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;

// The generator of buffer_codecs.js (xorshift32), so both sides measure identical inputs.
struct xorshift32 {
    std::uint32_t s;
    std::uint32_t operator()() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        return s;
    }
};

bytes random_bytes(std::size_t n) {
    xorshift32 r{12345};
    bytes b(n);
    for (auto& x : b)
        x = static_cast<std::uint8_t>(r() & 0xff);
    return b;
}

bytes ascii_text(std::size_t n) {
    xorshift32 r{777};
    bytes b(n);
    for (auto& x : b)
        x = static_cast<std::uint8_t>(0x20 + r() % 95);
    return b;
}

bytes mixed_text(std::size_t n) {
    xorshift32 r{4242};
    bytes b(n);
    std::size_t i = 0;
    while (i < n) {
        std::uint32_t k = r() % 10, cp;
        if (k < 7)
            cp = 0x20 + r() % 95;
        else if (k == 7)
            cp = 0xa0 + r() % (0x800 - 0xa0);
        else if (k == 8) {
            cp = 0x800 + r() % (0x10000 - 0x800 - 0x800);
            if (cp >= 0xd800) cp += 0x800;
        } else
            cp = 0x10000 + r() % 0x100000;
        std::uint8_t tmp[4];
        std::size_t len = costream::detail::utf8_put(tmp, cp);
        if (i + len > n) {
            b[i++] = 0x20;
            continue;
        }
        std::memcpy(b.data() + i, tmp, len);
        i += len;
    }
    return b;
}

// ------------------------------------------------------------------------------------------
// The hand-written baseline: straightforward table-driven loops, output sized once.

std::string baseline_hex_encode(std::span<const std::uint8_t> in) {
    static const char digits[] = "0123456789abcdef";
    std::string out(in.size() * 2, '\0');
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    return out;
}

struct tables {
    std::uint8_t unhex[256], unb64[256];
    tables() {
        std::memset(unhex, 0xff, sizeof unhex);
        std::memset(unb64, 0xff, sizeof unb64);
        for (int c = 0; c < 10; ++c)
            unhex['0' + c] = static_cast<std::uint8_t>(c);
        for (int c = 0; c < 6; ++c)
            unhex['a' + c] = unhex['A' + c] = static_cast<std::uint8_t>(10 + c);
        const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i)
            unb64[static_cast<std::uint8_t>(a[i])] = static_cast<std::uint8_t>(i);
    }
};
const tables tab;

std::size_t baseline_hex_decode(std::string_view in, bytes& out) {
    out.resize(in.size() / 2);
    std::size_t i = 0;
    for (; i < out.size(); ++i) {
        std::uint8_t a = tab.unhex[static_cast<std::uint8_t>(in[2 * i])];
        std::uint8_t b = tab.unhex[static_cast<std::uint8_t>(in[2 * i + 1])];
        if ((a | b) == 0xff) break;
        out[i] = static_cast<std::uint8_t>(a << 4 | b);
    }
    return i;
}

std::string baseline_base64_encode(std::span<const std::uint8_t> in) {
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out((in.size() + 2) / 3 * 4, '=');
    std::size_t i = 0, o = 0;
    for (; i + 3 <= in.size(); i += 3, o += 4) {
        std::uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
        out[o] = a[v >> 18];
        out[o + 1] = a[v >> 12 & 63];
        out[o + 2] = a[v >> 6 & 63];
        out[o + 3] = a[v & 63];
    }
    if (in.size() - i >= 1) {
        std::uint32_t v = in[i] << 16 | (in.size() - i == 2 ? in[i + 1] << 8 : 0);
        out[o] = a[v >> 18];
        out[o + 1] = a[v >> 12 & 63];
        if (in.size() - i == 2) out[o + 2] = a[v >> 6 & 63];
    }
    return out;
}

std::size_t baseline_base64_decode(std::string_view in, bytes& out) {
    out.resize(in.size() / 4 * 3 + 3);
    std::size_t k = 0;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char ch : in) {
        std::uint8_t v = tab.unb64[static_cast<std::uint8_t>(ch)];
        if (v == 0xff) break; // '=' or junk ends it
        acc = acc << 6 | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = static_cast<std::uint8_t>(acc >> bits);
        }
    }
    return k;
}

/// Straightforward UTF-8 validation (one byte at a time, no ASCII fast path), then a copy;
/// replacement characters are not needed for the valid inputs measured here.
std::string baseline_utf8(std::span<const std::uint8_t> in) {
    std::size_t i = 0, n = in.size();
    bool ok = true;
    while (i < n && ok) {
        std::uint8_t c = in[i];
        std::size_t len = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
        if (len == 0 || i + len > n) ok = false;
        for (std::size_t k = 1; ok && k < len; ++k)
            ok = (in[i + k] & 0xC0) == 0x80;
        i += len;
    }
    return std::string(reinterpret_cast<const char*>(in.data()), ok ? n : 0);
}

// ------------------------------------------------------------------------------------------

constexpr std::size_t total = 64u << 20; // bytes per timed run, as in the Node script

template <class F>
double rate(std::size_t bytes_per_op, F&& op) {
    std::size_t iters = std::max<std::size_t>(1, total / bytes_per_op);
    op();
    double s = costream_bench::best_seconds(5, [&] {
        for (std::size_t i = 0; i < iters; ++i)
            op();
    });
    return static_cast<double>(bytes_per_op * iters) / s / 1e6;
}

struct measured {
    std::string key, workload;
    double costream = 0, baseline = 0;
};

} // namespace

/// Every C++ row, measured once.
static std::vector<measured> measure_all(std::size_t& sink) {
    std::vector<measured> rows;
    for (auto [label, size] : {std::pair<const char*, std::size_t>{"64", 64}, {"1m", 1u << 20}}) {
        const std::string sz = std::string(label) == "64" ? " 64 B" : " 1 MiB";
        const bytes bin = random_bytes(size);
        const std::string hex = costream::decode(bin, costream::encoding::hex);
        const std::string b64 = costream::decode(bin, costream::encoding::base64);
        const bytes mixed = mixed_text(size), ascii = ascii_text(size);
        bytes out;

        auto to_text = [&](costream::encoding enc, std::span<const std::uint8_t> in) {
            return rate(size, [&] {
                std::string s = costream::decode(in, enc);
                costream_bench::keep(s.data());
                sink += s.size();
            });
        };
        auto from_text = [&](costream::encoding enc, std::string_view text) {
            return rate(size, [&] {
                out.resize(costream::byte_length(text, enc));
                std::size_t n = costream::encode_into(text, enc, out);
                costream_bench::keep(out.data());
                sink += n;
            });
        };
        auto base_to_text = [&](auto fn, std::span<const std::uint8_t> in) {
            return rate(size, [&] {
                std::string s = fn(in);
                costream_bench::keep(s.data());
                sink += s.size();
            });
        };
        auto base_from_text = [&](auto fn, std::string_view text) {
            return rate(size, [&] {
                std::size_t n = fn(text, out);
                costream_bench::keep(out.data());
                sink += n;
            });
        };
        auto add = [&](std::string key, std::string workload, double c, double b) {
            rows.push_back({key + label, workload + sz, c, b});
        };
        using costream::encoding;
        add("hex_encode_", "hex encode (toString)", to_text(encoding::hex, bin),
            base_to_text(baseline_hex_encode, bin));
        add("hex_decode_", "hex decode (Buffer.from)", from_text(encoding::hex, hex),
            base_from_text(baseline_hex_decode, hex));
        add("base64_encode_", "base64 encode (toString)", to_text(encoding::base64, bin),
            base_to_text(baseline_base64_encode, bin));
        add("base64_decode_", "base64 decode (Buffer.from)", from_text(encoding::base64, b64),
            base_from_text(baseline_base64_decode, b64));
        add("utf8_mixed_", "utf8 toString, mixed text", to_text(encoding::utf8, mixed),
            base_to_text(baseline_utf8, mixed));
        add("utf8_ascii_", "utf8 toString, ASCII", to_text(encoding::utf8, ascii),
            base_to_text(baseline_utf8, ascii));
    }
    return rows;
}

int main() {
    // The machine is shared and noisy: measure the C++ rows before and after Node and keep
    // the better of the two, so that Node is not compared with a moment of heavier load.
    std::size_t sink = 0;
    std::vector<measured> rows = measure_all(sink);
    auto node = costream_bench::run_node("buffer_codecs.js");
    std::vector<measured> again = measure_all(sink);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        costream_bench::row r;
        r.topic = "buffer";
        r.workload = rows[i].workload;
        r.unit = "MB/s";
        r.costream = std::max(rows[i].costream, again[i].costream);
        r.baseline = std::max(rows[i].baseline, again[i].baseline);
        r.baseline_name = "plain C++";
        if (auto it = node.find(rows[i].key); it != node.end()) r.node = it->second;
        costream_bench::report(r);
    }
    costream_bench::keep(sink);
}
