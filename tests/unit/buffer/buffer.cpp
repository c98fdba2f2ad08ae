// Unit tests of costream::buffer's model: shared views, ownership and lifetime, the
// per-thread pool, external memory, the argument types, and thread-safe reference counts.
// Node's behaviour for each method is checked against recorded Node output in
// tests/node/buffer/ (the oracle ports and buffer_edges).
#include <costream/buffer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <numeric>
#include <ranges>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using costream::buffer;
using costream::encoding;

namespace {

/// A buffer over memory whose release the test can observe.
struct tracked {
    std::vector<std::uint8_t> bytes;
    int frees = 0;
    buffer make() {
        return buffer::wrap(bytes.data(), bytes.size(), [this](std::uint8_t* p) {
            CHECK(p == bytes.data());
            ++frees;
        });
    }
};

} // namespace

TEST_CASE("a buffer is a 24-byte contiguous range of bytes") {
    static_assert(sizeof(buffer) == 24);
    static_assert(std::ranges::contiguous_range<buffer>);
    static_assert(std::ranges::sized_range<buffer>);
    static_assert(std::is_nothrow_move_constructible_v<buffer>);
    static_assert(std::is_nothrow_copy_constructible_v<buffer>);
    auto b = buffer::from("abc");
    std::span<const std::uint8_t> s = b;
    CHECK(s.data() == b.data());
    CHECK(s.size() == 3);
    std::span<std::uint8_t> m = b;
    m[0] = 'x';
    CHECK(b.to_string() == "xbc");
    CHECK(std::accumulate(b.begin(), b.end(), 0) == 'x' + 'b' + 'c');
    CHECK(b.length() == b.size());
    CHECK(buffer().empty());
    CHECK(buffer().data() == nullptr);
}

TEST_CASE("copies share the bytes, as JavaScript references do") {
    auto a = buffer::from("hello");
    buffer b = a;
    b[0] = 'j';
    CHECK(a.to_string() == "jello");
    CHECK(a.data() == b.data());
    buffer c;
    c = a;
    c[1] = 'u';
    CHECK(b.to_string() == "jullo");
    const buffer& alias = c;
    c = alias; // self-assignment keeps the view
    CHECK(c.to_string() == "jullo");
}

TEST_CASE("a move transfers the view and leaves the source empty") {
    auto a = buffer::from("hello");
    const auto* p = a.data();
    buffer b = std::move(a);
    CHECK(b.data() == p);
    CHECK(a.empty()); // NOLINT(bugprone-use-after-move): moved-from state is specified
    CHECK(a.data() == nullptr);
    buffer c;
    c = std::move(b);
    CHECK(c.data() == p);
    CHECK(b.empty());
    swap(b, c);
    CHECK(b.data() == p);
    CHECK(c.empty());
}

TEST_CASE("the last view releases the storage, exactly once") {
    tracked mem{{1, 2, 3, 4, 5, 6}};
    {
        auto whole = mem.make();
        auto part = whole.subarray(2, 4);
        auto copy = part;
        whole = buffer();
        CHECK(mem.frees == 0);
        part = buffer();
        CHECK(mem.frees == 0);
        CHECK(copy[0] == 3);
        auto moved = std::move(copy);
        CHECK(mem.frees == 0);
    }
    CHECK(mem.frees == 1);
}

TEST_CASE("slice and subarray share storage and never copy") {
    auto b = buffer::alloc(16);
    auto s = b.slice(4, 12);
    CHECK(s.shares_storage_with(b));
    CHECK(s.data() == b.data() + 4);
    CHECK(s.byte_offset() == b.byte_offset() + 4);
    auto nested = s.subarray(-2);
    CHECK(nested.data() == b.data() + 10);
    CHECK(nested.size() == 2);
    nested.fill(7);
    CHECK(b[10] == 7);
    CHECK(b[11] == 7);
    CHECK(b[12] == 0);
    // Empty and clamped views still point into the buffer.
    CHECK(b.subarray(5, 2).size() == 0);
    CHECK(b.subarray(100).data() == b.data() + 16);
    CHECK(b.subarray(-100, 3).data() == b.data());
}

TEST_CASE("buffer::from of a buffer copies, as Buffer.from(buf) does") {
    auto a = buffer::from("abc");
    auto b = buffer::from(a);
    CHECK(b == a);
    CHECK_FALSE(b.data() == a.data());
    b[0] = 'z';
    CHECK(a.to_string() == "abc");
}

TEST_CASE("small alloc_unsafe requests are carved from one 8 KiB slab at 8-byte steps") {
    auto first = buffer::alloc_unsafe(3000);
    auto next = buffer::alloc_unsafe(1);
    auto third = buffer::alloc_unsafe(13);
    if (!next.shares_storage_with(first)) {
        // `first` used the end of a slab; try again on the new one.
        first = buffer::alloc_unsafe(3000);
        next = buffer::alloc_unsafe(1);
        third = buffer::alloc_unsafe(13);
    }
    REQUIRE(next.shares_storage_with(first));
    CHECK(third.shares_storage_with(first));
    CHECK(next.byte_offset() == first.byte_offset() + 3000);
    CHECK(third.byte_offset() == next.byte_offset() + 8);
    CHECK(first.byte_offset() % 8 == 0);
    CHECK(third.byte_offset() % 8 == 0);
    // Writes to one pooled buffer never touch its neighbours.
    first.fill(1);
    next.fill(2);
    third.fill(3);
    CHECK(std::all_of(first.begin(), first.end(), [](auto v) { return v == 1; }));
    CHECK(next[0] == 2);
    CHECK(std::all_of(third.begin(), third.end(), [](auto v) { return v == 3; }));
}

TEST_CASE("a request that does not fit the rest of the slab starts a new slab") {
    auto a = buffer::alloc_unsafe(4000);
    auto b = buffer::alloc_unsafe(4000);
    auto c = buffer::alloc_unsafe(4000);
    // Three 4000-byte pieces cannot share one 8192-byte slab.
    CHECK_FALSE((a.shares_storage_with(b) && b.shares_storage_with(c)));
    CHECK(c.byte_offset() + c.size() <= buffer::pool_size);
}

TEST_CASE("large, zeroed and slow allocations are never pooled") {
    auto big = buffer::alloc_unsafe(4096);
    auto big2 = buffer::alloc_unsafe(4096);
    CHECK(big.byte_offset() == 0);
    CHECK_FALSE(big.shares_storage_with(big2));
    auto z1 = buffer::alloc(8);
    auto z2 = buffer::alloc(8);
    CHECK(z1.byte_offset() == 0);
    CHECK_FALSE(z1.shares_storage_with(z2));
    CHECK(std::all_of(z1.begin(), z1.end(), [](auto v) { return v == 0; }));
    auto s1 = buffer::alloc_unsafe_slow(8);
    auto s2 = buffer::alloc_unsafe_slow(8);
    CHECK(s1.byte_offset() == 0);
    CHECK_FALSE(s1.shares_storage_with(s2));
    CHECK(buffer::alloc(0).data() == nullptr);
    CHECK(buffer::alloc_unsafe(0).empty());
}

TEST_CASE("from(string) and from(bytes) use the pool and advance it by the bytes written") {
    auto a = buffer::from("short");
    auto b = buffer::from({1, 2, 3});
    if (!b.shares_storage_with(a)) { // a was the last piece of a slab
        a = buffer::from("short");
        b = buffer::from({1, 2, 3});
    }
    REQUIRE(b.shares_storage_with(a));
    CHECK(b.byte_offset() == a.byte_offset() + 8);
    // 'abzz' is estimated at 2 bytes but decodes to 1: the pool advances by 1 (then aligns).
    auto h = buffer::from("abzz", "hex");
    auto after = buffer::alloc_unsafe(1);
    CHECK(h.size() == 1);
    if (after.shares_storage_with(h)) CHECK(after.byte_offset() == h.byte_offset() + 8);
    // Large strings get their own allocation.
    auto large = buffer::from(std::string(5000, 'x'));
    CHECK(large.byte_offset() == 0);
    CHECK(large.size() == 5000);
    // Nothing decoded: an empty buffer that holds no storage.
    auto none = buffer::from("zz", "hex");
    CHECK(none.empty());
    CHECK_FALSE(none.shares_storage_with(none));
}

TEST_CASE("pooled buffers outlive the thread that carved them") {
    std::vector<buffer> made;
    std::thread worker([&] {
        for (int i = 0; i < 100; ++i)
            made.push_back(buffer::from(std::string("item ").append(std::to_string(i))));
    }); // the thread exits: its pool drops its reference to the slab
    worker.join();
    for (int i = 0; i < 100; ++i)
        CHECK(made[static_cast<std::size_t>(i)].to_string() ==
              std::string("item ").append(std::to_string(i)));
}

TEST_CASE("filling whole slabs with the smallest pieces keeps the counts right") {
    // 1-byte pieces take 8 bytes each: 1024 per slab, the most a slab can hold.
    std::vector<buffer> pieces;
    for (int i = 0; i < 3000; ++i) {
        pieces.push_back(buffer::alloc_unsafe(1));
        pieces.back()[0] = static_cast<std::uint8_t>(i);
    }
    for (int i = 0; i < 3000; ++i)
        CHECK(pieces[static_cast<std::size_t>(i)][0] == static_cast<std::uint8_t>(i));
    // Release out of order (ASan and LSan check the slabs are freed once).
    for (std::size_t i = 0; i < pieces.size(); i += 2)
        pieces[i] = buffer();
    pieces.clear();
}

TEST_CASE("views are copied and released on many threads at once") {
    tracked mem{std::vector<std::uint8_t>(64, 9)};
    {
        const buffer shared = mem.make();
        std::vector<std::thread> threads;
        std::atomic<int> sum{0};
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&shared, &sum] {
                int local = 0;
                for (int i = 0; i < 20000; ++i) {
                    buffer copy = shared;
                    buffer part = copy.subarray(i % 64, i % 64 + 1);
                    local += part.empty() ? 0 : part[0];
                }
                sum += local;
            });
        }
        for (auto& th : threads)
            th.join();
        CHECK(sum == 4 * 20000 * 9);
        CHECK(mem.frees == 0);
    }
    CHECK(mem.frees == 1);
}

TEST_CASE("two threads dropping the last two views at once free the bytes exactly once") {
    // The release path frees without a locked instruction when it holds the only reference:
    // two owners racing to drop must still see each other's reference (TSan checks the order).
    constexpr int rounds = 500;
    tracked mem{{7, 7, 7}};
    for (int i = 0; i < rounds; ++i) {
        buffer a = mem.make();
        buffer b = a;
        std::atomic<int> ready{0};
        auto drop = [&ready](buffer& mine) {
            ready.fetch_add(1);
            while (ready.load() < 2) {
            }
            mine = buffer();
        };
        std::thread t1(drop, std::ref(a));
        std::thread t2(drop, std::ref(b));
        t1.join();
        t2.join();
    }
    CHECK(mem.frees == rounds);
}

TEST_CASE("a buffer handed to another thread is freed there when it holds the last view") {
    tracked mem{{1, 2, 3}};
    auto b = mem.make();
    std::thread([moved = std::move(b)]() mutable { moved = buffer(); }).join();
    CHECK(mem.frees == 1);
}

TEST_CASE("wrap shares external memory without copying and runs the deleter once") {
    std::array<std::uint8_t, 4> raw{};
    int calls = 0;
    {
        auto view = buffer::wrap(raw.data(), raw.size(), [&](std::uint8_t* p) {
            CHECK(p == raw.data());
            ++calls;
        });
        raw[1] = 0x41;
        CHECK(view[1] == 0x41);
        view[2] = 0x42;
        CHECK(raw[2] == 0x42);
        CHECK(view.byte_offset() == 0);
        CHECK(view.subarray(1).byte_offset() == 1);
    }
    CHECK(calls == 1);
}

TEST_CASE("adopt takes a container's storage without copying") {
    std::vector<std::uint8_t> v(1000, 5);
    const auto* p = v.data();
    auto b = buffer::adopt(std::move(v));
    CHECK(b.data() == p);
    CHECK(b.size() == 1000);
    std::string small = "tiny"; // small-string storage moves with the object
    auto s = buffer::adopt(std::move(small));
    CHECK(s.to_string() == "tiny");
    auto copy = s.subarray(1);
    s = buffer();
    CHECK(copy.to_string() == "iny");
    std::string large(100, 'q');
    const auto* lp = large.data();
    auto l = buffer::adopt(std::move(large));
    CHECK(reinterpret_cast<const char*>(l.data()) == lp);
}

TEST_CASE("integer arguments accept any integer type and reject floating point") {
    auto b = buffer::from("abcdef");
    const std::size_t two = 2;
    const unsigned char one = 1;
    const long long minus = -2;
    CHECK(b.slice(two).to_string() == "cdef");
    CHECK(b.slice(one, minus).to_string() == "bcd");
    CHECK(b.read_uint8(std::uint16_t(5)) == 'f');
    static_assert(!std::is_constructible_v<costream::index_arg, double>);
    static_assert(!std::is_constructible_v<costream::index_arg, float>);
    static_assert(!std::is_constructible_v<costream::index_arg, bool>);
    static_assert(!std::is_constructible_v<costream::index_arg, const char*>);
    // An unsigned value past INT64_MAX saturates: still out of range, never wrapped.
    const std::uint64_t huge = ~std::uint64_t(0);
    CHECK_THROWS_WITH_AS(b.read_uint8(huge),
                         "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. "
                         "It must be >= 0 and <= 5. Received 9_223_372_036_854_775_807",
                         costream::range_error);
    CHECK(b.slice(huge).empty());
    CHECK(b.index_of('c') == 2);
}

TEST_CASE("encoding arguments are an encoding or a name, checked when the method runs") {
    auto b = buffer::from("hi");
    const std::string name = "HEX";
    const char* cname = "base64";
    CHECK(b.to_string(encoding::hex) == "6869");
    CHECK(b.to_string(name) == "6869");
    CHECK(b.to_string(std::string_view("Hex")) == "6869");
    CHECK(b.to_string(cname) == "aGk=");
    CHECK(b.to_string("latin1") == "hi");
    try {
        (void)b.to_string("nope");
        FAIL("no throw");
    } catch (const costream::type_error& e) {
        CHECK(e.code() == costream::errc::unknown_encoding);
        CHECK(e.node_code() == "ERR_UNKNOWN_ENCODING");
        CHECK(std::string(e.what()) == "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope");
    }
    // The encoding is checked only where Node checks it: after the offset, and not at all
    // for an empty range.
    CHECK_THROWS_AS(b.write("x", 5, "nope"), costream::range_error);
    CHECK(buffer().to_string("nope").empty());
    // The caller's spelling, for messages that quote it (Node: `Received 'HEX'`).
    CHECK(costream::encoding_arg(name).name() == "HEX");
    CHECK(costream::encoding_arg("Hex").name() == "Hex");
    CHECK(costream::encoding_arg(cname).name() == "base64");
    CHECK(costream::encoding_arg(encoding::hex).name().empty());
    CHECK(costream::encoding_arg().name().empty());
}

TEST_CASE("errors are range_error or type_error with Node's code reachable") {
    auto b = buffer::alloc(4);
    try {
        (void)b.read_uint32_le(1);
        FAIL("no throw");
    } catch (const std::out_of_range& e) { // range_error is a std::out_of_range
        const auto* r = dynamic_cast<const costream::range_error*>(&e);
        REQUIRE(r != nullptr);
        CHECK(r->code() == costream::errc::out_of_range);
        CHECK(r->node_code() == "ERR_OUT_OF_RANGE");
    }
    try {
        (void)b.read_big_uint64_be(0);
        FAIL("no throw");
    } catch (const costream::range_error& e) {
        CHECK(e.code() == costream::errc::buffer_out_of_bounds);
    }
    try {
        b.fill("zz", "hex");
        FAIL("no throw");
    } catch (const std::invalid_argument& e) { // type_error is a std::invalid_argument
        const auto* t = dynamic_cast<const costream::type_error*>(&e);
        REQUIRE(t != nullptr);
        CHECK(t->code() == costream::errc::invalid_arg_value);
    }
    CHECK_THROWS_AS(buffer::alloc(3).swap16(), costream::range_error);
    CHECK_THROWS_AS(buffer::alloc({}), costream::type_error);
}

TEST_CASE("reads and writes round-trip every width, order and sign") {
    auto b = buffer::alloc(16);
    CHECK(b.write_uint16_be(0xBEEF, 1) == 3);
    CHECK(b[1] == 0xBE);
    CHECK(b[2] == 0xEF);
    CHECK(b.read_uint16_be(1) == 0xBEEF);
    CHECK(b.read_uint16_le(1) == 0xEFBE);
    CHECK(b.write_int32_le(-123456789, 3) == 7);
    CHECK(b.read_int32_le(3) == -123456789);
    CHECK(b.write_big_int64_be(-2, 8) == 16);
    CHECK(b.read_big_int64_be(8) == -2);
    CHECK(b.read_big_uint64_be(8) == 0xFFFFFFFFFFFFFFFEULL);
    CHECK(b.write_uint_be(0x123456789ABC, 0, 6) == 6);
    CHECK(b.to_string("hex", 0, 6) == "123456789abc");
    CHECK(b.read_uint_be(0, 6) == 0x123456789ABCULL);
    CHECK(b.read_uint_le(0, 6) == 0xBC9A78563412ULL);
    CHECK(b.write_int_le(-5, 0, 5) == 5);
    CHECK(b.read_int_le(0, 5) == -5);
    CHECK(b.read_uint_le(0, 5) == 0xFFFFFFFFFBULL);
    CHECK(b.write_double_le(3.25, 4) == 12);
    CHECK(b.read_double_le(4) == 3.25);
    CHECK(b.write_float_be(-0.5, 0) == 4);
    CHECK(b.read_float_be(0) == -0.5f);
    CHECK(b.write_uint8(true) == 1); // JS coerces true to 1; bool is an integer type here
    CHECK(b[0] == 1);
    CHECK(b.write_uint8('A', 2) == 3);
    CHECK(b[2] == 'A');
    // Reads through a slice use the slice's offsets.
    b.write_big_int64_be(-2, 8);
    auto s = b.subarray(8);
    CHECK(s.read_big_int64_be() == -2);
}

TEST_CASE("fill, copy and write return what Node returns") {
    auto b = buffer::alloc(6);
    CHECK(&b.fill('a') == &b);
    CHECK(&b.fill("xy", 1, 5) == &b);
    CHECK(b.to_string() == "axyxya");
    CHECK(b.write("hi", 4) == 2);
    CHECK(b.to_string() == "axyxhi");
    auto target = buffer::alloc(4);
    CHECK(b.copy(target.subarray(1), 0, 3) == 3);
    CHECK(target.to_string("hex") == "00786869");
    std::vector<std::uint8_t> plain(3);
    CHECK(b.copy(plain) == 3);
    CHECK(plain[0] == 'a');
}

TEST_CASE("UTF-16 text is accepted wherever text is") {
    const std::u16string lone(1, char16_t(0xD800));
    auto b = buffer::alloc(6);
    CHECK(b.write(lone) == 3);
    CHECK(b.to_string("hex", 0, 3) == "efbfbd");
    CHECK(buffer::from(u"ab", "utf16le").to_string("hex") == "61006200");
    CHECK(buffer::from(u"€").to_u16string() == u"€");
    CHECK(b.fill(u"é", "latin1").to_string("hex") == "e9e9e9e9e9e9");
    CHECK(b.index_of(u"é", "latin1") == 0);
    CHECK(buffer::from({0x61, 0, 0x62, 0}).to_u16string("ucs2") == u"ab");
    CHECK(buffer::byte_length(u"𝄞") == 4);
}

TEST_CASE("equality and ordering compare contents, for sorting and containers") {
    auto a = buffer::from("abc");
    auto b = buffer::from("abd");
    auto a2 = buffer::from(std::string("abc"));
    CHECK(a == a2);
    CHECK(a != b);
    CHECK(a < b);
    CHECK((a <=> b) == std::strong_ordering::less);
    CHECK((buffer::from("ab") <=> a) == std::strong_ordering::less);
    CHECK((buffer() <=> buffer()) == std::strong_ordering::equal);
    std::vector<buffer> v{b, a, buffer::from("a")};
    std::ranges::sort(v);
    CHECK(v[0].to_string() == "a");
    CHECK(v[2].to_string() == "abd");
}

TEST_CASE("concat takes any range of byte ranges") {
    std::deque<buffer> parts{buffer::from("ab"), buffer::from("cd")};
    CHECK(buffer::concat(parts).to_string() == "abcd");
    std::vector<std::vector<std::uint8_t>> raw{{1, 2}, {3}};
    CHECK(buffer::concat(raw).to_string("hex") == "010203");
    CHECK(buffer::concat(raw, 5).to_string("hex") == "0102030000");
    CHECK(buffer::concat(raw, 1).to_string("hex") == "01");
    auto one = buffer::concat({parts[0]});
    CHECK_FALSE(one.data() == parts[0].data()); // a copy, even of one element
    CHECK(buffer::concat(std::vector<buffer>{}, 10).empty());
}
