// Unit tests of stream/asio_duplex.hpp over real sockets (a local socket pair and TCP on
// 127.0.0.1, on the loop's executor): both directions, half-close both ways with and without
// allow_half_open, backpressure, gathered writes, peer reset, an echo through pipeline(), and
// a fail-each-step loop through an Asio-level fault-injecting socket.
#include <costream/stream/asio_duplex.hpp>

#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/asio_readable.hpp>
#include <costream/stream/asio_writable.hpp>
#include <costream/stream/compose.hpp>
#include <costream/stream/concepts.hpp>
#include <costream/stream/pass_through.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/transform.hpp>

#include "asio_test_helpers.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace cs = costream::stream;
using namespace asio_test;

namespace {

using local_duplex = cs::asio_duplex<local_socket>;
using tcp_duplex = cs::asio_duplex<tcp_socket>;

cs::asio_duplex_options half_open(bool allow) {
    cs::asio_duplex_options o;
    o.duplex.allow_half_open = allow;
    return o;
}

} // namespace

TEST_CASE("the adapters and composed duplexes model the consumer concepts") {
    static_assert(cs::duplex_stream<local_duplex>);
    static_assert(cs::duplex_stream<tcp_duplex>);
    static_assert(std::is_same_v<cs::read_chunk_t<local_duplex>, costream::buffer>);
    static_assert(cs::readable_stream<cs::asio_readable<local_socket>>);
    static_assert(cs::writable_stream<cs::asio_writable<local_socket>>);
    static_assert(cs::duplex_stream<cs::composed_duplex<cs::pass_through, upper>>);
    CHECK(true);
}

TEST_CASE("a socket becomes one duplex: data both ways, then end, finish and close") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& b = sp.b;
    auto s = cs::make<local_duplex>(std::move(sp.a));
    recorder rec;
    rec.attach(*s);
    s->write("ping");
    write_all(b, "pong");
    b.shutdown(asio::socket_base::shutdown_send); // the peer's FIN
    l.run();
    CHECK(rec.data == "pong");
    // allow_half_open false (net.Socket's default): the peer's end ends our side too
    CHECK(rec.events == std::vector<std::string>{"end", "finish", "close"});
    CHECK(read_all(b) == "ping"); // then end of file: our shutdown(send)
    CHECK(s->destroyed());
    CHECK_FALSE(s->next_layer().is_open());
}

TEST_CASE("half-close by us: end() sends FIN, the peer's data still arrives, then close") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& b = sp.b;
    auto s = cs::make<local_duplex>(std::move(sp.a), half_open(false));
    recorder rec;
    rec.attach(*s);
    s->end("request");
    s->once("finish", [&] {
        // the peer sees our end of file and answers afterwards on the open direction
        CHECK(read_all(b) == "request");
        write_all(b, "response");
        b.shutdown(asio::socket_base::shutdown_send);
    });
    l.run();
    CHECK(rec.data == "response");
    CHECK(rec.events == std::vector<std::string>{"finish", "end", "close"});
    CHECK_FALSE(s->next_layer().is_open());
}

TEST_CASE("half-close by the peer with allow_half_open: we keep writing after 'end'") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& b = sp.b;
    auto s = cs::make<local_duplex>(std::move(sp.a), half_open(true));
    recorder rec;
    rec.attach(*s);
    write_all(b, "question");
    b.shutdown(asio::socket_base::shutdown_send);
    s->once("end", [&] {
        CHECK(s->is_writable()); // Node: allowHalfOpen keeps the writable side open
        s->write("answer ");
        s->end("after end");
    });
    l.run();
    CHECK(rec.data == "question");
    CHECK(rec.events == std::vector<std::string>{"end", "finish", "close"});
    CHECK(read_all(b) == "answer after end");
}

TEST_CASE("without allow_half_open the peer's FIN ends our side after the queued writes") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& b = sp.b;
    auto s = cs::make<local_duplex>(std::move(sp.a), half_open(false));
    recorder rec;
    rec.attach(*s);
    bool writable_after_end = true;
    s->once("end", [&] { writable_after_end = s->writable_ended(); });
    for (int i = 0; i < 5; ++i)
        s->write(std::string(1000, static_cast<char>('0' + i)));
    b.shutdown(asio::socket_base::shutdown_send);
    l.run();
    CHECK_FALSE(writable_after_end); // end() comes on the next tick after 'end' (Node)
    CHECK(rec.events == std::vector<std::string>{"end", "finish", "close"});
    std::string expect;
    for (int i = 0; i < 5; ++i)
        expect += std::string(1000, static_cast<char>('0' + i));
    CHECK(read_all(b) == expect);
}

TEST_CASE("reading stops at high_water_mark and resumes when the consumer reads") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& b = sp.b;
    const std::string payload = pattern(100 * 1024);
    write_all(b, payload); // sits in the socket buffers
    b.shutdown(asio::socket_base::shutdown_send);
    cs::asio_duplex_options o;
    o.duplex.high_water_mark = 16 * 1024;
    o.read_size = 4096;
    auto s = cs::make<local_duplex>(std::move(sp.a), o);
    s->read(0); // paused mode, no consumer: fill the buffer
    l.run();    // returns: no read is pending once the buffer is full
    CHECK(s->readable_length() >= 16 * 1024);
    CHECK(s->readable_length() < 16 * 1024 + 4096);
    CHECK(s->reads_issued() == s->readable_length() / 4096);
    recorder rec;
    rec.attach(*s); // flowing: the rest follows, then the end
    l.run();
    CHECK(rec.data == payload);
    CHECK(rec.events == std::vector<std::string>{"end", "finish", "close"});
    CHECK(s->reads_issued() > 100 * 1024 / 4096);
}

TEST_CASE("writes queued while one is in flight go out in one gathered write") {
    costream::loop l;
    auto sp = local_pair(l);
    auto& b = sp.b;
    auto s = cs::make<local_duplex>(std::move(sp.a), half_open(true));
    std::string expect;
    for (int i = 0; i < 10; ++i) {
        std::string chunk(10, static_cast<char>('a' + i));
        expect += chunk;
        s->write(chunk);
    }
    s->end();
    s->resume();
    b.shutdown(asio::socket_base::shutdown_send);
    l.run();
    CHECK(s->writes_issued() == 2); // the first chunk alone, then the nine behind it at once
    CHECK(read_all(b) == expect);
    CHECK(s->destroyed());
}

TEST_CASE("a connection reset by the peer destroys the duplex with ECONNRESET") {
    costream::loop l;
    auto sp = tcp_pair(l);
    auto& server = sp.b;
    auto s = cs::make<tcp_duplex>(std::move(sp.a));
    recorder rec;
    rec.attach(*s);
    write_all(server, "abc");
    s->once("data", [&](const costream::buffer&) { reset(server); });
    l.run();
    CHECK(rec.data == "abc");
    CHECK(rec.events == std::vector<std::string>{"error ECONNRESET", "close"});
    CHECK(costream::node_code(s->errored()) == std::string_view("ECONNRESET"));
    CHECK_FALSE(s->is_writable());
    CHECK_FALSE(s->next_layer().is_open());
}

TEST_CASE("writing to a peer that reset fails the write, then error once, then close") {
    costream::loop l;
    auto sp = tcp_pair(l);
    auto s = cs::make<tcp_duplex>(std::move(sp.a), half_open(true));
    reset(sp.b);
    recorder rec;
    rec.attach(*s);
    std::vector<error_code> cbs;
    // the read sees the reset first, or a write does (EPIPE/ECONNRESET): either way one error
    s->write(pattern(1 << 20), [&](const error_code& ec) { cbs.push_back(ec); });
    l.run();
    REQUIRE(cbs.size() == 1);
    CHECK(cbs[0]);
    REQUIRE(rec.events.size() == 2);
    CHECK(rec.events[0].rfind("error E", 0) == 0);
    CHECK(rec.events[1] == "close");
    CHECK(s->destroyed());
}

TEST_CASE("an echo server through pipeline() over TCP on 127.0.0.1") {
    costream::loop l;
    auto sp = tcp_pair(l);
    // the server: pipeline(socket, upper, socket), as Node's
    // net.createServer({ allowHalfOpen: true }, (s) => pipeline(s, upper, s, cb))
    auto server = cs::make<tcp_duplex>(std::move(sp.b), half_open(true));
    auto up = cs::make<upper>();
    int calls = 0;
    error_code err;
    cs::pipeline(server, up, server, [&](const error_code& ec) {
        ++calls;
        err = ec;
    });
    // the client: writes 1 MiB with backpressure, ends, reads the echo to its end
    auto client = cs::make<tcp_duplex>(std::move(sp.a));
    recorder rec;
    rec.attach(*client);
    const std::string payload = pattern(1 << 20);
    auto writer = [&](cs::ptr<tcp_duplex> c) -> costream::promise<> {
        for (std::size_t off = 0; off < payload.size(); off += 65536)
            co_await c->async_write(costream::buffer::from(payload.substr(off, 65536)));
        co_await c->async_end();
    };
    auto done = writer(client);
    l.run();
    CHECK(done.is_fulfilled());
    CHECK(calls == 1);
    CHECK_FALSE(err);
    CHECK(rec.data.size() == payload.size());
    CHECK(rec.data == upper_of(payload));
    CHECK(rec.events == std::vector<std::string>{"finish", "end", "close"});
    CHECK(server->destroyed());
    CHECK(up->destroyed());
    CHECK_FALSE(server->next_layer().is_open());
}

TEST_CASE("an echo through pipeline(): failing each socket operation in turn tears "
          "everything down once") {
    const std::string payload = pattern(3000);
    bool succeeded = false;
    for (std::size_t n = 1; n < 1000 && !succeeded; ++n) {
        CAPTURE(n);
        costream::loop l;
        auto sp = local_pair(l);
        auto plan = std::make_shared<fault_plan>();
        plan->max_read = 700;
        plan->max_write = 500;
        plan->fail_at = n;
        using faulty_duplex = cs::asio_duplex<faulty_socket<local_socket>>;
        cs::asio_duplex_options so = half_open(true);
        so.read_size = 1024;
        so.duplex.high_water_mark = 1024;
        auto server =
            cs::make<faulty_duplex>(faulty_socket<local_socket>(std::move(sp.b), plan), so);
        auto pt = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 1024});
        recorder srec, prec;
        srec.attach(*server, false);
        prec.attach(*pt, false);
        int calls = 0;
        error_code err;
        cs::pipeline(server, pt, server, [&](const error_code& ec) {
            ++calls;
            err = ec;
        });
        auto client = cs::make<local_duplex>(std::move(sp.a));
        recorder crec;
        crec.attach(*client);
        client->on("error", [](const error_code&) {}); // the server may go away under it
        client->end(payload);
        l.run(); // returned: no handler pending
        CHECK(calls == 1);
        for (recorder* r : {&srec, &prec, &crec}) {
            CHECK(r->count("close") == 1);
            CHECK(r->count("error") <= 1);
        }
        CHECK(server->destroyed());
        CHECK(pt->destroyed());
        CHECK(client->destroyed());
        CHECK_FALSE(server->next_layer().s.is_open());
        if (plan->ops < n) {
            CHECK_FALSE(err);
            CHECK(crec.data == payload);
            CHECK(n > 8); // several reads and writes each way
            succeeded = true;
        } else {
            CHECK(err == boost::asio::error::connection_reset);
            // the failure is the server's last word ('end' may come first: its read side
            // can have ended before a write failed)
            const std::string ev = srec.str();
            CHECK((ev == "error ECONNRESET, close" || ev == "end, error ECONNRESET, close"));
            CHECK(payload.compare(0, crec.data.size(), crec.data) == 0); // a prefix
        }
    }
    CHECK(succeeded);
}
