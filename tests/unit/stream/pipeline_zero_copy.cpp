// Zero copy through pipeline(): the sink sees the very bytes the source pushed, and the path
// allocates nothing per chunk in steady state (counted with a replaced global operator new,
// which applies to the whole test program but is only read here).
#include <costream/stream/pipeline.hpp>

#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>

namespace {
std::atomic<std::size_t> g_allocs{0};
}

// Number of operator new / new[] calls so far in this program (all threads). Other test
// files of costream_stream_tests declare and read it (a program has one replacement).
std::size_t costream_test_allocations() noexcept;
std::size_t costream_test_allocations() noexcept {
    return g_allocs.load(std::memory_order_relaxed);
}

void* operator new(std::size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

using namespace stream_test;

namespace {
// Pushes the same buffer `n` times, then ends; the sink checks every chunk's data pointer.
std::size_t run_chunks(std::size_t n, const costream::buffer& chunk, std::size_t& same) {
    costream::loop l;
    auto src = cs::make<fn_readable<>>(
        cs::readable_options{},
        [&chunk, n, i = std::size_t(0)](fn_readable<>& r, std::size_t) mutable {
            if (i++ < n)
                r.push(chunk);
            else
                r.push(nullptr);
        });
    auto dst =
        cs::make<fn_writable<>>(cs::writable_options{}, [&](fn_writable<>&, costream::buffer& c,
                                                            std::optional<costream::encoding>,
                                                            fn_writable<>::write_callback cb) {
            if (c.data() == chunk.data() && c.size() == chunk.size()) ++same;
            cb();
        });
    bool ok = false;
    const std::size_t before = g_allocs.load();
    cs::pipeline(src, dst, [&](const error_code& ec) { ok = !ec; });
    l.run();
    const std::size_t used = g_allocs.load() - before;
    CHECK(ok);
    return used;
}
} // namespace

TEST_CASE("pipeline passes the source's buffer to the sink unchanged, without allocating per "
          "chunk") {
    auto chunk = costream::buffer::alloc(1024, std::uint8_t('z'));
    std::size_t same_small = 0, same_big = 0;
    const std::size_t small = run_chunks(1000, chunk, same_small);
    const std::size_t big = run_chunks(5000, chunk, same_big);
    CHECK(same_small == 1000);
    CHECK(same_big == 5000);
    // Setup costs the same in both runs; 4000 more chunks may only add amortised growth.
    MESSAGE("allocations: 1000 chunks " << small << ", 5000 chunks " << big);
    // Unsigned counts: compare without subtracting (the second run may allocate one less).
    CHECK(big < small + 40);
}

TEST_CASE("chunk_traits: a std::string chunk is never null, an empty optional or null pointer is") {
    using costream::stream::chunk_traits;
    CHECK_FALSE(chunk_traits<std::string>::is_null(std::string("x")));
    CHECK_FALSE(chunk_traits<std::string>::is_null(std::string()));
    CHECK(chunk_traits<std::optional<int>>::is_null(std::nullopt));
    CHECK(chunk_traits<std::shared_ptr<int>>::is_null(nullptr));
    CHECK_FALSE(chunk_traits<std::shared_ptr<int>>::is_null(std::make_shared<int>(1)));
}
