// The consumer-side concepts: costream's streams and the Asio adapters model them, unrelated
// types and one-sided streams do not.
#include <costream/stream/concepts.hpp>

#include <costream/loop.hpp>
#include <costream/stream/asio_readable.hpp>
#include <costream/stream/asio_writable.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/pass_through.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/transform.hpp>
#include <costream/stream/writable.hpp>

#include <doctest/doctest.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cs = costream::stream;
using boost::system::error_code;

namespace {

struct only_write_and_end { // the synchronous half of a Writable: not awaitable
    using chunk_type = int;
    bool write(int) { return true; }
    void end() {}
};
struct no_end { // async_write without async_end
    using chunk_type = int;
    template <class Token>
    auto async_write(int, Token&& t) {
        return boost::asio::async_initiate<Token, void(error_code)>([](auto) {}, t);
    }
};
struct wrong_read_signature { // completes with a chunk but no error_code
    using chunk_type = int;
    template <class Token>
    auto async_read(Token&& t) {
        return boost::asio::async_initiate<Token, void(std::optional<int>)>([](auto) {}, t);
    }
};
/// A minimal user type modelling readable_stream without deriving from costream's classes.
struct counting_source {
    using chunk_type = int;
    int next = 0, last = 3;
    template <class Token = costream::use_promise_t>
    auto async_read(Token&& t = {}) {
        return boost::asio::async_initiate<Token, void(error_code, std::optional<int>)>(
            [this](auto h) {
                std::optional<int> v;
                if (next < last) v = next++;
                costream::loop::current().queue_microtask(
                    [h = std::move(h), v]() mutable { std::move(h)(error_code(), v); });
            },
            t);
    }
};

using byte_duplex = cs::duplex;
using object_duplex = cs::basic_duplex<int, std::string>;

} // namespace

// costream's classes
static_assert(cs::readable_stream<cs::readable>);
static_assert(cs::readable_stream<cs::basic_readable<int>>);
static_assert(cs::readable_stream<const cs::readable&> == cs::readable_stream<cs::readable>);
static_assert(!cs::writable_stream<cs::readable>);
static_assert(cs::writable_stream<cs::writable>);
static_assert(cs::writable_stream<cs::basic_writable<std::string>>);
static_assert(!cs::readable_stream<cs::writable>);
static_assert(!cs::duplex_stream<cs::readable> && !cs::duplex_stream<cs::writable>);
static_assert(cs::duplex_stream<byte_duplex>);
static_assert(cs::duplex_stream<object_duplex>);
static_assert(std::is_same_v<cs::read_chunk_t<object_duplex>, std::string>);
static_assert(std::is_same_v<cs::write_chunk_t<object_duplex>, int>);
static_assert(cs::readable_stream_of<object_duplex, std::string>);
static_assert(!cs::readable_stream_of<object_duplex, int>);
static_assert(cs::writable_stream_of<object_duplex, int>);
static_assert(cs::duplex_stream<cs::transform>);
static_assert(cs::duplex_stream<cs::pass_through>);
static_assert(cs::readable_stream<cs::basic_readable<std::vector<int>>>);
// from() returns a readable
static_assert(cs::readable_stream<decltype(*cs::from(std::vector<int>{}))>);

// the Asio adapters
static_assert(cs::readable_stream<cs::asio_readable<boost::asio::readable_pipe>>);
static_assert(cs::readable_stream<cs::asio_readable<boost::asio::posix::stream_descriptor>>);
static_assert(!cs::writable_stream<cs::asio_readable<boost::asio::readable_pipe>>);
static_assert(cs::writable_stream<cs::asio_writable<boost::asio::writable_pipe>>);
static_assert(cs::writable_stream<cs::asio_writable<boost::asio::posix::stream_descriptor>>);
static_assert(!cs::readable_stream<cs::asio_writable<boost::asio::writable_pipe>>);

// unrelated types
static_assert(!cs::readable_stream<int> && !cs::writable_stream<int>);
static_assert(!cs::readable_stream<std::string> && !cs::writable_stream<std::vector<int>>);
static_assert(!cs::readable_stream<boost::asio::readable_pipe>); // async_read_some is not it
static_assert(!cs::writable_stream<boost::asio::writable_pipe>);
static_assert(!cs::writable_stream<only_write_and_end>);
static_assert(!cs::writable_stream<no_end>);
static_assert(!cs::readable_stream<wrong_read_signature>);
static_assert(cs::readable_stream<counting_source>);
static_assert(!cs::readable_stream<cs::ptr<cs::readable>>); // a handle: dereference it

namespace {
template <cs::readable_stream R>
costream::promise<int> count_chunks(R& r) {
    int n = 0;
    while (true) {
        auto c = co_await r.async_read();
        if (!c) break;
        ++n;
    }
    co_return n;
}
} // namespace

TEST_CASE("code constrained on readable_stream reads a costream stream and a user type alike") {
    costream::loop l;
    counting_source user;
    auto p1 = count_chunks(user);
    auto r = cs::from(std::vector<int>{1, 2, 3, 4});
    auto p2 = count_chunks(*r);
    l.run();
    CHECK(p1.get() == 3);
    CHECK(p2.get() == 4);
}
