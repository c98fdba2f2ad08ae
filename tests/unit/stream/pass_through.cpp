// basic_pass_through beyond oracle 47: chunks pass through a chain of pass_through stages
// without a copy (the sink sees the source's data pointer) and without an allocation per
// chunk, and a long synchronous flow does not grow the stack.
#include <costream/stream/pass_through.hpp>

#include <costream/stream/pipe.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

// Number of operator new / new[] calls so far in this program: the replacement in
// tests/unit/stream/pipeline_zero_copy.cpp (one per program).
std::size_t costream_test_allocations() noexcept;

using namespace stream_test;

namespace {

/// Pushes `chunk` n times (synchronously, one per do_read), then ends.
template <class Chunk>
struct repeat_source : cs::basic_readable<Chunk> {
    Chunk chunk;
    std::size_t left;
    repeat_source(Chunk c, std::size_t n, cs::readable_options o = {})
        : cs::basic_readable<Chunk>(o), chunk(std::move(c)), left(n) {}

protected:
    void do_read(std::size_t) override {
        if (left == 0) {
            this->push(nullptr);
            return;
        }
        --left;
        this->push(chunk);
    }
};

/// Counts chunks whose bytes are `want`'s (same pointer and size), completing at once, and
/// records the stack span seen in do_write.
struct checking_sink : cs::writable {
    const std::uint8_t* want_data;
    std::size_t want_size;
    std::size_t chunks = 0, same = 0;
    std::uintptr_t lo = UINTPTR_MAX, hi = 0;
    checking_sink(const costream::buffer& want) : want_data(want.data()), want_size(want.size()) {}

protected:
    void do_write(costream::buffer&& c, write_callback cb) override {
        auto p = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        lo = std::min(lo, p);
        hi = std::max(hi, p);
        ++chunks;
        if (c.data() == want_data && c.size() == want_size) ++same;
        cb();
    }
};

/// The readable side of a pass_through: pipe() takes a source with one `chunk_type`, which
/// basic_duplex does not have yet (requested from perf by streamrest).
cs::readable& out(cs::pass_through& p) {
    return p;
}

/// source -> 3 pass_through -> sink, joined by pipe(); runs the loop to the end.
struct chain {
    cs::ptr<repeat_source<costream::buffer>> src;
    cs::ptr<cs::pass_through> p1, p2, p3;
    cs::ptr<checking_sink> sink;
    bool finished = false;
    chain(const costream::buffer& chunk, std::size_t n)
        : src(cs::make<repeat_source<costream::buffer>>(chunk, n)),
          p1(cs::make<cs::pass_through>()), p2(cs::make<cs::pass_through>()),
          p3(cs::make<cs::pass_through>()), sink(cs::make<checking_sink>(chunk)) {
        sink->on("finish", [this] { finished = true; });
        cs::pipe(*src, *p1);
        cs::pipe(out(*p1), *p2);
        cs::pipe(out(*p2), *p3);
        cs::pipe(out(*p3), *sink);
    }
};

} // namespace

TEST_CASE("chunks pass through 3 pass_through stages without a copy") {
    costream::loop l;
    auto chunk = costream::buffer::alloc(1024, std::uint8_t('z'));
    chain c(chunk, 1000);
    l.run();
    CHECK(c.finished);
    CHECK(c.sink->chunks == 1000);
    CHECK(c.sink->same == 1000); // the sink saw the source's own bytes every time
}

TEST_CASE("3 pass_through stages allocate nothing per chunk") {
    // The same chain with 1000 and with 3000 chunks: the 2000 extra chunks must not cost
    // allocations (a few for queues reaching a larger steady size are allowed).
    auto chunk = costream::buffer::alloc(1024, std::uint8_t('z'));
    auto count = [&](std::size_t n) {
        costream::loop l;
        const std::size_t before = costream_test_allocations();
        {
            chain c(chunk, n);
            l.run();
            CHECK(c.finished);
            CHECK(c.sink->same == n);
        }
        return costream_test_allocations() - before;
    };
    const std::size_t small = count(1000);
    const std::size_t big = count(3000);
    INFO("allocations: 1000 chunks " << small << ", 3000 chunks " << big);
    CHECK(big <= small + 20);
}

TEST_CASE("1 M chunks through a pass_through do not grow the stack") {
    costream::loop l;
    constexpr std::size_t n = 1'000'000;
    auto chunk = costream::buffer::alloc(16, std::uint8_t('a'));
    auto src = cs::make<repeat_source<costream::buffer>>(chunk, n);
    auto pt = cs::make<cs::pass_through>();
    auto sink = cs::make<checking_sink>(chunk);
    bool finished = false;
    sink->on("finish", [&] { finished = true; });
    cs::pipe(*src, *pt);
    cs::pipe(out(*pt), *sink);
    l.run();
    CHECK(finished);
    CHECK(sink->chunks == n);
    CHECK(sink->same == n);
    CHECK(sink->hi - sink->lo < 64 * 1024);
}
