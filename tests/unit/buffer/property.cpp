// Property tests of costream::buffer against plain reference models (std::vector, shifts,
// std::lexicographical_compare, naive search), over many seeded random cases. Each failure
// prints the seed; the seeds are fixed, so every run is the same.
#include <costream/buffer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

using costream::buffer;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes random_bytes(std::mt19937& rng, std::size_t max_len, int alphabet = 256) {
    std::uniform_int_distribution<std::size_t> len(0, max_len);
    std::uniform_int_distribution<int> byte(0, alphabet - 1);
    bytes out(len(rng));
    for (auto& b : out)
        b = static_cast<std::uint8_t>(byte(rng));
    return out;
}

bytes to_vector(const buffer& b) {
    return bytes(b.begin(), b.end());
}

// node: adjustOffset, restated.
std::size_t clamp_index(std::int64_t i, std::size_t len) {
    const auto n = static_cast<std::int64_t>(len);
    if (i < 0) i += n;
    return static_cast<std::size_t>(std::clamp<std::int64_t>(i, 0, n));
}

int sign(int v) {
    return (v > 0) - (v < 0);
}

int reference_compare(const bytes& a, const bytes& b) {
    if (std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end())) return -1;
    if (std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end())) return 1;
    return 0;
}

// Node's indexOf / lastIndexOf rules for a byte needle, restated naively.
std::int64_t reference_find(const bytes& hay, const bytes& needle, std::int64_t off, bool forward) {
    const auto len = static_cast<std::int64_t>(hay.size());
    const auto n = static_cast<std::int64_t>(needle.size());
    auto match = [&](std::int64_t i) {
        return i >= 0 && i + n <= len && std::equal(needle.begin(), needle.end(), hay.begin() + i);
    };
    if (n == 0) return std::clamp<std::int64_t>(off < 0 ? len + off : off, 0, len);
    if (forward) {
        for (std::int64_t i = off < 0 ? std::max<std::int64_t>(len + off, 0) : off; i < len; ++i)
            if (match(i)) return i;
        return -1;
    }
    std::int64_t start;
    if (off < 0) {
        if (len + off < 0) return -1;
        start = len + off;
    } else {
        start = off + n <= len ? off : len - 1;
    }
    for (std::int64_t i = start; i >= 0; --i)
        if (match(i)) return i;
    return -1;
}

template <class T>
T random_value(std::mt19937_64& rng) {
    return static_cast<T>(rng());
}

// Reference encoders: bytes by shifting, no memcpy, no byteswap.
bytes encode_le(std::uint64_t v, std::size_t n) {
    bytes out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return out;
}
bytes encode_be(std::uint64_t v, std::size_t n) {
    bytes out = encode_le(v, n);
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("property: slices share bytes both ways, buffer::from copies") {
    for (unsigned seed = 1; seed <= 400; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        bytes model = random_bytes(rng, 80);
        auto b = buffer::from(model);
        const auto len = static_cast<std::int64_t>(model.size());
        std::uniform_int_distribution<std::int64_t> idx(-len - 5, len + 5);
        const std::int64_t start = idx(rng), end = idx(rng);
        auto s = b.slice(start, end);
        const std::size_t s0 = clamp_index(start, model.size());
        const std::size_t s1 = std::max(s0, clamp_index(end, model.size()));
        REQUIRE(s.size() == s1 - s0);
        CHECK(to_vector(s) == bytes(model.begin() + static_cast<std::ptrdiff_t>(s0),
                                    model.begin() + static_cast<std::ptrdiff_t>(s1)));
        auto copy = buffer::from(s);
        if (!s.empty()) {
            const std::size_t at = rng() % s.size();
            const auto value = static_cast<std::uint8_t>(rng());
            s[at] = value; // visible through the parent, not through the copy
            model[s0 + at] = value;
            CHECK(to_vector(b) == model);
            CHECK(copy[at] == to_vector(buffer::from(std::span<const std::uint8_t>(copy)))[at]);
            copy[at] = static_cast<std::uint8_t>(value + 1);
            CHECK(b[s0 + at] == value);
        }
        if (!model.empty()) {
            const std::size_t at = rng() % model.size();
            b[at] ^= 0xFF; // a parent write shows in the slice when it covers the index
            model[at] ^= 0xFF;
            if (at >= s0 && at < s1) CHECK(s[at - s0] == model[at]);
        }
    }
}

TEST_CASE("property: concat equals the joined bytes, truncated or zero-padded") {
    for (unsigned seed = 1; seed <= 300; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        std::vector<buffer> list;
        bytes joined;
        const std::size_t count = rng() % 6;
        for (std::size_t i = 0; i < count; ++i) {
            bytes part = random_bytes(rng, seed % 3 == 0 ? 3000 : 40);
            joined.insert(joined.end(), part.begin(), part.end());
            list.push_back(buffer::from(part));
        }
        if (rng() % 2) {
            CHECK(to_vector(buffer::concat(list)) == joined);
        } else {
            const std::size_t total = rng() % (joined.size() + 20);
            bytes want = joined;
            want.resize(total, 0);
            if (list.empty()) want.clear(); // Buffer.concat([], n) is empty
            CHECK(to_vector(buffer::concat(list, total)) == want);
        }
    }
}

TEST_CASE("property: compare and equals agree with std::lexicographical_compare") {
    for (unsigned seed = 1; seed <= 1000; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const bytes a = random_bytes(rng, 6, 3); // small alphabet: ties and prefixes happen
        const bytes b = random_bytes(rng, 6, 3);
        const auto ba = buffer::from(a), bb = buffer::from(b);
        CHECK(buffer::compare(ba, bb) == reference_compare(a, b));
        CHECK(ba.compare(bb) == reference_compare(a, b));
        CHECK(ba.equals(bb) == (a == b));
        CHECK((ba == bb) == (a == b));
        CHECK(((ba <=> bb) < 0) == (reference_compare(a, b) < 0));
        // Ranges: compare this[ss, se) with target[ts, te).
        const std::size_t ts = rng() % (b.size() + 1), te = rng() % (b.size() + 1);
        const std::size_t ss = rng() % (a.size() + 1), se = rng() % (a.size() + 1);
        const bytes src = ss < se ? bytes(a.begin() + static_cast<std::ptrdiff_t>(ss),
                                          a.begin() + static_cast<std::ptrdiff_t>(se))
                                  : bytes();
        const bytes dst = ts < te ? bytes(b.begin() + static_cast<std::ptrdiff_t>(ts),
                                          b.begin() + static_cast<std::ptrdiff_t>(te))
                                  : bytes();
        CHECK(sign(ba.compare(bb, ts, te, ss, se)) == reference_compare(src, dst));
    }
}

TEST_CASE("property: index_of and last_index_of follow Node's offset rules") {
    for (unsigned seed = 1; seed <= 2000; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const bytes hay = random_bytes(rng, 24, 3);
        const bytes needle = random_bytes(rng, 3, 3);
        const auto h = buffer::from(hay);
        const auto len = static_cast<std::int64_t>(hay.size());
        std::uniform_int_distribution<std::int64_t> off(-len - 3, len + 3);
        const std::int64_t o = off(rng);
        CAPTURE(o);
        CHECK(h.index_of(needle, o) == reference_find(hay, needle, o, true));
        CHECK(h.last_index_of(needle, o) == reference_find(hay, needle, o, false));
        CHECK(h.includes(needle, o) == (reference_find(hay, needle, o, true) != -1));
        if (!needle.empty()) {
            const bytes one(needle.begin(), needle.begin() + 1);
            CHECK(h.index_of(needle[0], o) == reference_find(hay, one, o, true));
            CHECK(h.last_index_of(needle[0], o) == reference_find(hay, one, o, false));
        }
    }
}

TEST_CASE("property: integer writes match a shift-based reference and read back") {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 2000; ++round) {
        CAPTURE(round);
        auto b = buffer::alloc(16);
        const std::size_t off = rng() % 9;
        const std::uint64_t raw = rng();
        auto bytes_at = [&](std::size_t n) {
            return bytes(b.begin() + static_cast<std::ptrdiff_t>(off),
                         b.begin() + static_cast<std::ptrdiff_t>(off + n));
        };
        const auto u16 = static_cast<std::uint16_t>(raw);
        CHECK(b.write_uint16_le(u16, off) == off + 2);
        CHECK(bytes_at(2) == encode_le(u16, 2));
        CHECK(b.read_uint16_le(off) == u16);
        CHECK(b.write_uint16_be(u16, off) == off + 2);
        CHECK(bytes_at(2) == encode_be(u16, 2));
        CHECK(b.read_uint16_be(off) == u16);
        CHECK(b.read_int16_be(off) == static_cast<std::int16_t>(u16));

        const auto i32 = static_cast<std::int32_t>(raw >> 7);
        CHECK(b.write_int32_le(i32, off) == off + 4);
        CHECK(bytes_at(4) == encode_le(static_cast<std::uint32_t>(i32), 4));
        CHECK(b.read_int32_le(off) == i32);
        CHECK(b.write_int32_be(i32, off) == off + 4);
        CHECK(bytes_at(4) == encode_be(static_cast<std::uint32_t>(i32), 4));
        CHECK(b.read_int32_be(off) == i32);
        CHECK(b.read_uint32_be(off) == static_cast<std::uint32_t>(i32));

        CHECK(b.write_big_uint64_le(raw, off) == off + 8);
        CHECK(bytes_at(8) == encode_le(raw, 8));
        CHECK(b.read_big_uint64_le(off) == raw);
        CHECK(b.read_big_int64_le(off) == static_cast<std::int64_t>(raw));
        CHECK(b.write_big_int64_be(static_cast<std::int64_t>(raw), off) == off + 8);
        CHECK(bytes_at(8) == encode_be(raw, 8));
        CHECK(b.read_big_int64_be(off) == static_cast<std::int64_t>(raw));

        for (std::size_t n = 1; n <= 6; ++n) {
            CAPTURE(n);
            const std::uint64_t mask = (std::uint64_t(1) << (8 * n)) - 1;
            const std::uint64_t u = raw & mask;
            // The same value as a signed n-byte integer.
            const std::int64_t s = static_cast<std::int64_t>(u << (64 - 8 * n)) >> (64 - 8 * n);
            CHECK(b.write_uint_le(u, off, n) == off + n);
            CHECK(bytes_at(n) == encode_le(u, n));
            CHECK(b.read_uint_le(off, n) == u);
            CHECK(b.read_int_le(off, n) == s);
            CHECK(b.write_int_be(s, off, n) == off + n);
            CHECK(bytes_at(n) == encode_be(u, n));
            CHECK(b.read_uint_be(off, n) == u);
            CHECK(b.read_int_be(off, n) == s);
            // One past the range is refused, in both directions.
            CHECK_THROWS_AS(b.write_uint_le(mask + 1, off, n), costream::range_error);
            CHECK_THROWS_AS(b.write_int_le(-(static_cast<std::int64_t>(mask >> 1)) - 2, off, n),
                            costream::range_error);
        }

        const double d = std::bit_cast<double>(raw);
        if (d == d) { // not NaN: compare values
            CHECK(b.write_double_be(d, off) == off + 8);
            CHECK(bytes_at(8) == encode_be(raw, 8));
            CHECK(b.read_double_be(off) == d);
        }
        const float f = std::bit_cast<float>(static_cast<std::uint32_t>(raw));
        if (f == f) {
            CHECK(b.write_float_le(f, off) == off + 4);
            CHECK(bytes_at(4) == encode_le(static_cast<std::uint32_t>(raw), 4));
            CHECK(b.read_float_le(off) == f);
        }
    }
}

TEST_CASE("property: fill repeats the pattern over exactly the range") {
    for (unsigned seed = 1; seed <= 500; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        bytes model(rng() % 40, 0xEE);
        auto b = buffer::from(model);
        bytes pattern = random_bytes(rng, 7);
        if (pattern.empty()) pattern.push_back(1);
        const std::size_t o = rng() % (model.size() + 1);
        const std::size_t e = rng() % (model.size() + 1);
        b.fill(pattern, o, e);
        for (std::size_t i = o, k = 0; i < e; ++i, ++k)
            model[i] = pattern[k % pattern.size()];
        CHECK(to_vector(b) == model);
    }
}

TEST_CASE("property: copy equals memmove on the reference, also onto itself") {
    for (unsigned seed = 1; seed <= 500; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        bytes model = random_bytes(rng, 30);
        auto b = buffer::from(model);
        const std::size_t len = model.size();
        const std::size_t ts = rng() % (len + 3), ss = rng() % (len + 1), se = rng() % (len + 3);
        const std::size_t copied = b.copy(b, ts, ss, se);
        std::size_t want = 0;
        if (ts < len && ss < se) {
            want = std::min({se - ss, len - ts, len - ss});
            bytes tmp(model.begin() + static_cast<std::ptrdiff_t>(ss),
                      model.begin() + static_cast<std::ptrdiff_t>(ss + want));
            std::copy(tmp.begin(), tmp.end(), model.begin() + static_cast<std::ptrdiff_t>(ts));
        }
        CHECK(copied == want);
        CHECK(to_vector(b) == model);
    }
}
