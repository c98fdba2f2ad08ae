// Unit tests of stream/asio_readable.hpp over real file descriptors: a local socket pair, a
// pipe and a TCP connection on 127.0.0.1, all on the loop's executor.
#include <costream/stream/asio_readable.hpp>

#include <costream/buffer.hpp>
#include <costream/loop.hpp>
#include <costream/stream/operators.hpp>

#include "asio_test_helpers.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace cs = costream::stream;
using namespace asio_test;

TEST_CASE("a local socket becomes a readable: data then end then close") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    auto r = cs::make<cs::asio_readable<local_socket>>(std::move(a));
    recorder rec;
    rec.attach(*r);
    write_all(b, "hello ");
    write_all(b, "world");
    b.shutdown(asio::socket_base::shutdown_send);
    l.run();
    CHECK(rec.data == "hello world");
    CHECK(rec.events == std::vector<std::string>{"end", "close"});
    CHECK(r->readable_ended());
    CHECK(r->destroyed());
    CHECK_FALSE(r->next_layer().is_open()); // auto_destroy closed the socket
}

TEST_CASE("a pipe becomes a readable that operators can consume") {
    costream::loop l;
    asio::readable_pipe rp(l.get_executor());
    asio::writable_pipe wp(l.get_executor());
    asio::connect_pipe(rp, wp);
    const std::string payload = pattern(300000); // more than the pipe buffer holds at once
    asio::async_write(wp, asio::buffer(payload), [&](const error_code& ec, std::size_t) {
        REQUIRE_FALSE(ec);
        wp.close();
    });
    auto r = cs::make<cs::asio_readable<asio::readable_pipe>>(std::move(rp));
    auto total = cs::reduce(
        std::move(r), [](std::string acc, costream::buffer b) { return acc + b.to_string(); },
        std::string());
    l.run();
    REQUIRE(total.is_fulfilled());
    CHECK(total.get() == payload);
}

TEST_CASE("a TCP connection on 127.0.0.1 becomes a readable") {
    costream::loop l;
    auto sp = tcp_pair(l);
    auto &client = sp.a, &server = sp.b;
    const std::string payload = pattern(1 << 20);
    asio::async_write(server, asio::buffer(payload), [&](const error_code& ec, std::size_t) {
        REQUIRE_FALSE(ec);
        server.shutdown(asio::socket_base::shutdown_send);
    });
    auto r = cs::make<cs::asio_readable<asio::ip::tcp::socket>>(std::move(client));
    recorder rec;
    rec.attach(*r);
    l.run();
    CHECK(rec.data.size() == payload.size());
    CHECK(rec.data == payload);
    CHECK(rec.events == std::vector<std::string>{"end", "close"});
}

TEST_CASE("nothing is read while the buffered amount is at or above high_water_mark") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    const std::string payload = pattern(100 * 1024);
    write_all(b, payload); // sits in the socket buffers
    cs::asio_readable_options o;
    o.readable.high_water_mark = 16 * 1024;
    o.read_size = 4096;
    auto r = cs::make<cs::asio_readable<local_socket>>(std::move(a), o);
    r->read(0); // paused mode: start filling the buffer, no consumer
    l.run();    // returns: no read is pending once the buffer is full
    CHECK(r->readable_length() >= 16 * 1024);
    CHECK(r->readable_length() < 16 * 1024 + 4096);
    CHECK(r->reads_issued() == r->readable_length() / 4096);
    // a consumer drains it; the rest of the data follows, then the end
    recorder rec;
    rec.attach(*r);
    b.shutdown(asio::socket_base::shutdown_send);
    l.run();
    CHECK(rec.data == payload);
    CHECK(rec.events == std::vector<std::string>{"end", "close"});
}

TEST_CASE("destroy closes the socket and a pending read ends without an error") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    auto r = cs::make<cs::asio_readable<local_socket>>(std::move(a));
    recorder rec;
    rec.attach(*r);
    write_all(b, "x");
    r->once("data", [&](const costream::buffer&) { r->destroy(); }); // a read is pending again
    l.run();
    CHECK(rec.data == "x");
    CHECK(rec.events == std::vector<std::string>{"close"});
    CHECK_FALSE(r->next_layer().is_open());
}

TEST_CASE("a connection reset by the peer is an error ECONNRESET then close") {
    costream::loop l;
    auto sp = tcp_pair(l);
    auto &client = sp.a, &server = sp.b;
    auto r = cs::make<cs::asio_readable<asio::ip::tcp::socket>>(std::move(client));
    recorder rec;
    rec.attach(*r);
    write_all(server, "abc");
    r->once("data", [&](const costream::buffer&) { reset(server); });
    l.run();
    CHECK(rec.data == "abc");
    CHECK(rec.events == std::vector<std::string>{"error ECONNRESET", "close"});
    CHECK(r->errored() == asio::error::connection_reset);
}

TEST_CASE("a short read and a full read each arrive whole and in order") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    cs::asio_readable_options o;
    o.read_size = 1024;
    auto r = cs::make<cs::asio_readable<local_socket>>(std::move(a), o);
    std::vector<std::size_t> sizes;
    std::string got;
    r->on("data", [&](const costream::buffer& c) {
        sizes.push_back(c.size());
        got += c.to_string();
        if (sizes.size() == 1) write_all(b, std::string(1024, 'y'));
        if (sizes.size() == 2) b.shutdown(asio::socket_base::shutdown_send);
    });
    write_all(b, std::string(10, 'x'));
    l.run();
    CHECK(sizes == std::vector<std::size_t>{10, 1024});
    CHECK(got == std::string(10, 'x') + std::string(1024, 'y'));
}

TEST_CASE("short reads arrive as small chunks, in order, and all of them") {
    costream::loop l;
    auto sp = local_pair(l);
    auto &a = sp.a, &b = sp.b;
    auto plan = std::make_shared<fault_plan>();
    plan->max_read = 3;
    auto r = cs::make<cs::asio_readable<faulty_socket<local_socket>>>(
        faulty_socket<local_socket>(std::move(a), plan));
    std::size_t biggest = 0;
    std::string got;
    r->on("data", [&](const costream::buffer& c) {
        biggest = std::max(biggest, c.size());
        got += c.to_string();
    });
    const std::string payload = pattern(1000);
    write_all(b, payload);
    b.shutdown(asio::socket_base::shutdown_send);
    l.run();
    CHECK(got == payload);
    CHECK(biggest == 3);
    CHECK(plan->ops >= 334);
}

TEST_CASE("failing each read step in turn: error once, close once, data before it delivered, "
          "socket closed") {
    const std::string payload = pattern(40);
    for (std::size_t fail_at = 1;; ++fail_at) {
        CAPTURE(fail_at);
        costream::loop l;
        auto sp = local_pair(l);
        auto &a = sp.a, &b = sp.b;
        auto plan = std::make_shared<fault_plan>();
        plan->max_read = 16;
        plan->fail_at = fail_at;
        auto r = cs::make<cs::asio_readable<faulty_socket<local_socket>>>(
            faulty_socket<local_socket>(std::move(a), plan));
        recorder rec;
        rec.attach(*r);
        write_all(b, payload);
        b.shutdown(asio::socket_base::shutdown_send);
        l.run();
        if (plan->ops < fail_at) {
            CHECK(rec.data == payload);
            CHECK(rec.events == std::vector<std::string>{"end", "close"});
            CHECK(fail_at > 3); // 16 + 16 + 8 bytes, then end of file
            break;
        }
        CHECK(rec.events == std::vector<std::string>{"error ECONNRESET", "close"});
        CHECK(payload.compare(0, rec.data.size(), rec.data) == 0); // a prefix, in order
        CHECK(rec.data.size() == std::min<std::size_t>(payload.size(), 16 * (fail_at - 1)));
        CHECK(r->destroyed());
        CHECK_FALSE(r->next_layer().s.is_open());
    }
}
