// Unit tests of stream/asio_writable.hpp over real file descriptors: a local socket pair, a
// pipe and a TCP connection on 127.0.0.1; a counting wrapper proves the gathered write.
#include <costream/stream/asio_writable.hpp>

#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/asio_readable.hpp>

#include "asio_test_helpers.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>

#include <string>
#include <vector>

namespace cs = costream::stream;
using namespace asio_test;

namespace {

/// A local socket that counts async_write_some calls (each is one write/sendmsg system
/// call) and records the buffers each call was given.
struct counting_socket {
    using executor_type = local_socket::executor_type;
    local_socket s;
    int* calls;
    std::vector<std::vector<const void*>>* seen;

    executor_type get_executor() { return s.get_executor(); }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& bufs, Token&& tok) {
        ++*calls;
        std::vector<const void*> ptrs;
        for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs);
             ++it)
            ptrs.push_back(asio::const_buffer(*it).data());
        seen->push_back(std::move(ptrs));
        return s.async_write_some(bufs, std::forward<Token>(tok));
    }
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& bufs, Token&& tok) {
        return s.async_read_some(bufs, std::forward<Token>(tok));
    }
    void close(error_code& ec) { s.close(ec); }
    void shutdown(asio::socket_base::shutdown_type w, error_code& ec) { s.shutdown(w, ec); }
};

} // namespace

TEST_CASE("queued chunks go out in one gathered write: one system call, the callers' bytes") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    int calls = 0;
    std::vector<std::vector<const void*>> seen;
    auto w =
        cs::make<cs::asio_writable<counting_socket>>(counting_socket{std::move(a), &calls, &seen});
    recorder rec;
    rec.attach(*w, false);
    std::vector<costream::buffer> chunks;
    for (int i = 0; i < 5; ++i)
        chunks.push_back(costream::buffer::from(std::string(100 + i, static_cast<char>('a' + i))));
    w->cork();
    for (auto& c : chunks)
        w->write(c);
    w->uncork();
    w->end();
    l.run();
    CHECK(calls == 1);
    CHECK(w->writes_issued() == 1);
    REQUIRE(seen.size() == 1);
    REQUIRE(seen[0].size() == 5);
    for (std::size_t i = 0; i < 5; ++i)
        CHECK(seen[0][i] == chunks[i].data()); // no copy
    std::string expect;
    for (auto& c : chunks)
        expect += c.to_string();
    CHECK(read_all(b) == expect);
    CHECK(rec.events == std::vector<std::string>{"finish", "close"});
}

TEST_CASE("writes made while one is in flight are gathered into the next single write") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    int calls = 0;
    std::vector<std::vector<const void*>> seen;
    auto w =
        cs::make<cs::asio_writable<counting_socket>>(counting_socket{std::move(a), &calls, &seen});
    for (int i = 0; i < 10; ++i)
        w->write(std::string(10, static_cast<char>('0' + i)));
    w->end();
    l.run();
    CHECK(calls == 2); // the first chunk alone, then the nine queued behind it at once
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].size() == 1);
    CHECK(seen[1].size() == 9);
    std::string expect;
    for (int i = 0; i < 10; ++i)
        expect += std::string(10, static_cast<char>('0' + i));
    CHECK(read_all(b) == expect);
}

TEST_CASE("end shuts the socket's sending side: the peer reads end of file before close") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    cs::asio_writable_options o;
    o.writable.auto_destroy = false;
    auto w = cs::make<cs::asio_writable<local_socket>>(std::move(a), o);
    recorder rec;
    rec.attach(*w, false);
    w->end("bye");
    l.run();
    CHECK(rec.events == std::vector<std::string>{"finish"});
    CHECK(w->next_layer().is_open()); // shut down, not closed
    CHECK(read_all(b) == "bye");      // then end of file
    w->destroy();
    l.run();
    CHECK(rec.events == std::vector<std::string>{"finish", "close"});
    CHECK_FALSE(w->next_layer().is_open());
}

TEST_CASE("a pipe becomes a writable: finish then close closes the pipe") {
    costream::loop l;
    asio::readable_pipe rp(l.get_executor());
    asio::writable_pipe wp(l.get_executor());
    asio::connect_pipe(rp, wp);
    auto w = cs::make<cs::asio_writable<asio::writable_pipe>>(std::move(wp));
    recorder rec;
    rec.attach(*w, false);
    auto r = cs::make<cs::asio_readable<asio::readable_pipe>>(std::move(rp));
    std::string got;
    r->on("data", [&](const costream::buffer& b) { got += b.to_string(); });
    bool ended = false;
    r->on("end", [&] { ended = true; });
    auto writer = [](cs::ptr<cs::asio_writable<asio::writable_pipe>> w) -> costream::promise<> {
        for (int i = 0; i < 64; ++i) {
            auto chunk = costream::buffer::alloc(8192, static_cast<std::uint8_t>('A' + i % 26));
            co_await w->async_write(std::move(chunk)); // waits while writable_length >= hwm
        }
        co_await w->async_end();
    };
    auto done = writer(w);
    l.run();
    CHECK(done.is_fulfilled());
    CHECK(got.size() == 64 * 8192);
    CHECK(got.substr(8192, 3) == "BBB");
    CHECK(ended);
    CHECK(rec.events == std::vector<std::string>{"finish", "close"});
}

TEST_CASE("a TCP connection on 127.0.0.1 carries 4 MiB with backpressure") {
    costream::loop l;
    auto sp = tcp_pair(l);
    auto &client = sp.a, &server = sp.b;
    auto w = cs::make<cs::asio_writable<asio::ip::tcp::socket>>(std::move(client));
    auto r = cs::make<cs::asio_readable<asio::ip::tcp::socket>>(std::move(server));
    std::size_t got = 0;
    std::uint64_t sum = 0;
    r->on("data", [&](const costream::buffer& b) {
        got += b.size();
        for (std::size_t i = 0; i < b.size(); ++i)
            sum += b[i];
    });
    std::size_t max_buffered = 0;
    auto writer = [&](cs::ptr<cs::asio_writable<asio::ip::tcp::socket>> w) -> costream::promise<> {
        for (int i = 0; i < 64; ++i) {
            auto chunk = costream::buffer::alloc(65536, static_cast<std::uint8_t>(i));
            co_await w->async_write(std::move(chunk));
            max_buffered = std::max(max_buffered, w->writable_length());
        }
        co_await w->async_end();
    };
    auto done = writer(w);
    l.run();
    CHECK(done.is_fulfilled());
    CHECK(got == 64u * 65536u);
    std::uint64_t expect = 0;
    for (int i = 0; i < 64; ++i)
        expect += 65536ull * static_cast<std::uint64_t>(i);
    CHECK(sum == expect);
    CHECK(max_buffered <= 65536); // the coroutine waited each time instead of queueing all
}

TEST_CASE("writing to a socket whose peer is gone fails the write, then error, then close") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    b.close();
    auto w = cs::make<cs::asio_writable<local_socket>>(std::move(a));
    recorder rec;
    rec.attach(*w, false);
    error_code write_ec;
    w->write(std::string("lost"), [&](const error_code& ec) { write_ec = ec; });
    l.run();
    CHECK(write_ec == asio::error::broken_pipe);
    CHECK(rec.events == std::vector<std::string>{"error EPIPE", "close"});
    CHECK_FALSE(w->next_layer().is_open());
}

TEST_CASE(
    "destroy during a write closes the socket and the write fails with ERR_STREAM_DESTROYED") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& a = sp.a; // sp.b keeps the peer open
    auto w = cs::make<cs::asio_writable<local_socket>>(std::move(a));
    recorder rec;
    rec.attach(*w, false);
    // more than the socket buffers take, so the write is still pending at destroy()
    std::vector<error_code> ecs;
    w->write(costream::buffer::alloc(8 << 20, 1), [&](const error_code& ec) { ecs.push_back(ec); });
    w->destroy();
    l.run();
    REQUIRE(ecs.size() == 1);
    CHECK(ecs[0] == costream::errc::stream_destroyed);
    CHECK(rec.events == std::vector<std::string>{"close"});
}

TEST_CASE("short writes are continued until every queued byte is out, in one do_writev") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    auto plan = std::make_shared<fault_plan>();
    plan->max_write = 7;
    auto w = cs::make<cs::asio_writable<faulty_socket<local_socket>>>(
        faulty_socket<local_socket>(std::move(a), plan));
    std::string expect;
    w->cork();
    for (int i = 0; i < 5; ++i) {
        std::string chunk(100, static_cast<char>('k' + i));
        expect += chunk;
        w->write(chunk);
    }
    w->uncork();
    w->end();
    l.run();
    CHECK(w->writes_issued() == 1);
    // each write_some took at most 7 bytes of one chunk: 15 pieces per 100-byte chunk
    CHECK(plan->ops == 5 * ((100 + 6) / 7));
    CHECK(read_all(b) == expect);
}

TEST_CASE(
    "failing each write step in turn: the write fails, error once, close once, socket closed") {
    // The workload: 3 writes (the first alone, the next two gathered), short writes of 64
    // bytes, then end(). Fail step 1, 2, ... until a run needs no failure.
    for (std::size_t fail_at = 1;; ++fail_at) {
        CAPTURE(fail_at);
        costream::loop l;
        auto sp = local_pair(l);
        auto &a = sp.a, &b = sp.b;
        auto plan = std::make_shared<fault_plan>();
        plan->max_write = 64;
        plan->fail_at = fail_at;
        auto w = cs::make<cs::asio_writable<faulty_socket<local_socket>>>(
            faulty_socket<local_socket>(std::move(a), plan));
        recorder rec;
        rec.attach(*w, false);
        std::vector<error_code> cbs;
        for (int i = 0; i < 3; ++i)
            w->write(std::string(100, static_cast<char>('a' + i)),
                     [&](const error_code& ec) { cbs.push_back(ec); });
        w->end();
        l.run();
        if (plan->ops < fail_at) { // no step failed: the clean run ends the loop
            CHECK(rec.events == std::vector<std::string>{"finish", "close"});
            CHECK(read_all(b) ==
                  std::string(100, 'a') + std::string(100, 'b') + std::string(100, 'c'));
            CHECK(fail_at > 3);
            break;
        }
        CHECK(rec.events == std::vector<std::string>{"error ECONNRESET", "close"});
        CHECK(w->destroyed());
        CHECK_FALSE(w->next_layer().s.is_open());
        CHECK(cbs.size() == 3); // every write callback ran once (failed or not)
        bool saw_error = false;
        for (auto& ec : cbs)
            saw_error = saw_error || ec == asio::error::connection_reset;
        CHECK(saw_error);
    }
}
