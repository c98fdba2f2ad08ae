// The Asio bridge: buffers as Asio buffers and buffer sequences, checked with real gathered
// writes and scattered reads over a Unix socket pair.
#include <costream/buffer_sequence.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <type_traits>
#include <vector>

using costream::buffer;
namespace asio = boost::asio;

namespace {

std::vector<buffer> numbered_chunks(int count) {
    std::vector<buffer> chunks;
    for (int i = 0; i < count; ++i) {
        std::string text = "<";
        text.append(std::to_string(i)).append(">");
        chunks.push_back(buffer::from(text));
    }
    return chunks;
}

std::string joined(const std::vector<buffer>& chunks) {
    std::string s;
    for (const auto& c : chunks)
        s += c.to_string();
    return s;
}

} // namespace

TEST_CASE("asio_buffer and asio_mutable_buffer point at the buffer's bytes") {
    auto b = buffer::from("hello world");
    const auto view = b.subarray(6);
    asio::const_buffer c = costream::asio_buffer(view);
    CHECK(c.data() == view.data());
    CHECK(c.size() == 5);
    asio::mutable_buffer m = costream::asio_mutable_buffer(b);
    CHECK(m.data() == b.data());
    CHECK(m.size() == b.size());
    static_cast<char*>(m.data())[0] = 'j';
    CHECK(b.to_string() == "jello world");
    CHECK(costream::asio_buffer(buffer()).size() == 0);
}

TEST_CASE("boost::asio::buffer on a costream::buffer gives the same bytes, const-correctly") {
    auto b = buffer::from("abcdef");
    auto m = asio::buffer(b);
    // mutable_buffers_1 / const_buffers_1 unless BOOST_ASIO_NO_DEPRECATED: Asio's own types.
    static_assert(std::is_convertible_v<decltype(m), asio::mutable_buffer>);
    CHECK(m.data() == b.data());
    CHECK(m.size() == 6);
    const buffer& cb = b;
    auto c = asio::buffer(cb);
    static_assert(std::is_convertible_v<decltype(c), asio::const_buffer>);
    static_assert(!std::is_convertible_v<decltype(c), asio::mutable_buffer>);
    CHECK(c.data() == b.data());
    CHECK(c.size() == 6);
    auto limited = asio::buffer(cb, 4);
    CHECK(limited.size() == 4);
    auto slice = b.subarray(2, 4);
    CHECK(asio::buffer(slice).data() == b.data() + 2);
    CHECK(asio::buffer(slice).size() == 2);
    CHECK(asio::buffer(buffer()).size() == 0);
}

TEST_CASE("a buffer or a vector of buffers is not itself a buffer sequence") {
    // Passing them to asio::write must fail to compile rather than send something wrong.
    static_assert(!asio::is_const_buffer_sequence<buffer>::value);
    static_assert(!asio::is_const_buffer_sequence<std::vector<buffer>>::value);
    static_assert(asio::is_const_buffer_sequence<costream::const_buffers_view>::value);
    static_assert(asio::is_mutable_buffer_sequence<costream::mutable_buffers_view>::value);
    static_assert(!asio::is_mutable_buffer_sequence<costream::const_buffers_view>::value);
    static_assert(sizeof(costream::const_buffers_view) == 2 * sizeof(void*));
}

TEST_CASE("asio_buffers presents the chunks in order with their sizes") {
    auto chunks = numbered_chunks(5);
    chunks.insert(chunks.begin() + 2, buffer()); // an empty chunk is skipped by Asio
    const auto seq = costream::asio_buffers(chunks);
    CHECK(seq.count() == 6);
    CHECK(asio::buffer_size(seq) == joined(chunks).size());
    std::string copied(asio::buffer_size(seq), '\0');
    CHECK(asio::buffer_copy(asio::buffer(copied), seq) == copied.size());
    CHECK(copied == joined(chunks));
    auto it = asio::buffer_sequence_begin(seq);
    CHECK((*it).data() == chunks[0].data());
    it += 3;
    CHECK((*it).data() == chunks[3].data());
    CHECK(asio::buffer_sequence_end(seq) - it == 3);
}

TEST_CASE("one write_some sends many chunks as one gathered write on a socket pair") {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    auto chunks = numbered_chunks(40);
    const std::string want = joined(chunks);
    // A gathered write of 40 small chunks fits the socket buffer: a single writev sends all.
    const std::size_t sent = a.write_some(costream::asio_buffers(chunks));
    CHECK(sent == want.size());
    a.shutdown(asio::socket_base::shutdown_send); // a short write cannot leave read waiting
    auto got = buffer::alloc(want.size());
    boost::system::error_code ec;
    asio::read(b, costream::asio_mutable_buffer(got), ec);
    CHECK_FALSE(ec);
    CHECK(got.to_string() == want);
}

TEST_CASE("async_write of a vector of buffers delivers every byte in order") {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    // Enough data (about 1 MiB in 300 chunks of varied sizes, some pooled, some slices of one
    // big buffer) that the socket buffer fills and the write completes in several steps.
    std::vector<buffer> chunks;
    auto big = buffer::alloc(600000);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::uint8_t>(i * 7);
    for (int i = 0; i < 300; ++i) {
        if (i % 3 == 0) {
            chunks.push_back(big.subarray(i * 2000, i * 2000 + 2000));
        } else {
            chunks.push_back(buffer::alloc(static_cast<std::size_t>(i) * 13 % 4000 + 1, i));
        }
    }
    std::string want;
    for (const auto& c : chunks)
        want.append(reinterpret_cast<const char*>(c.data()), c.size());

    bool written = false;
    asio::async_write(a, costream::asio_buffers(chunks),
                      [&](boost::system::error_code ec, std::size_t n) {
                          CHECK_FALSE(ec);
                          CHECK(n == want.size());
                          written = true;
                          // End the stream: a short write then fails the read instead of
                          // leaving it waiting.
                          a.shutdown(asio::socket_base::shutdown_send);
                      });
    // Scatter the read into three buffers of uneven sizes.
    std::vector<buffer> into{buffer::alloc(1), buffer::alloc(want.size() / 2),
                             buffer::alloc(want.size() - 1 - want.size() / 2)};
    bool read_done = false;
    asio::async_read(b, costream::asio_mutable_buffers(into),
                     [&](boost::system::error_code ec, std::size_t n) {
                         CHECK_FALSE(ec);
                         CHECK(n == want.size());
                         read_done = true;
                     });
    io.run();
    CHECK(written);
    CHECK(read_done);
    std::string got;
    for (const auto& part : into)
        got.append(reinterpret_cast<const char*>(part.data()), part.size());
    CHECK(got.size() == want.size());
    CHECK(got == want);
}
