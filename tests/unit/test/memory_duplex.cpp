#include <costream/test/memory_duplex.hpp>

#include <costream/test/event_recorder.hpp>
#include <costream/test/must_call.hpp>

#include <boost/asio/error.hpp>
#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <vector>

namespace ct = costream::test;
using boost::system::error_code;

TEST_CASE("memory_duplex gives what the remote wrote, in short reads, then 'end'") {
    costream::loop l;
    auto s = ct::memory_duplex::make({.max_read = 4});
    std::string out;
    std::vector<std::size_t> sizes;
    s->on("data", [&](const costream::buffer& b) {
        out += b.to_string();
        sizes.push_back(b.size());
    });
    s->on("end", ct::must_call());
    s->remote_write("hello world");
    s->remote_end();
    s->end();
    l.run();
    CHECK(out == "hello world");
    CHECK(sizes == std::vector<std::size_t>{4, 4, 3});
    CHECK(s->close_events() == 1);
    CHECK(s->destroyed());
}

TEST_CASE("memory_duplex collects writes, in pieces of max_write, completed posted") {
    costream::loop l;
    auto s = ct::memory_duplex::make({.max_write = 2, .posted = true});
    bool done = false;
    s->write("abcde", [&](const error_code& ec) {
        CHECK(!ec);
        done = true;
    });
    CHECK(!done);
    CHECK(s->written().empty()); // posted: nothing happens inside write()
    l.run();
    CHECK(done);
    CHECK(s->written() == "abcde");
    CHECK(s->operations() == 3); // three pieces
    s->destroy();
    l.run();
}

TEST_CASE("memory_duplex in loopback passes the written buffers through unchanged") {
    costream::loop l;
    auto s = ct::memory_duplex::make({.loopback = true});
    auto chunk = costream::buffer::from("same bytes");
    const std::uint8_t* seen = nullptr;
    s->on("data", [&](const costream::buffer& b) { seen = b.data(); });
    s->write(chunk);
    s->end();
    l.run();
    CHECK(seen == chunk.data());
    CHECK(s->close_events() == 1);
}

TEST_CASE("memory_duplex fails the Nth operation with the chosen error") {
    costream::loop l;
    auto s = ct::memory_duplex::make({.fail_at = 2, .fail_with = boost::asio::error::broken_pipe});
    ct::event_recorder rec;
    rec.watch_stream(*s, "s");
    std::vector<error_code> cbs;
    s->write("a", [&](const error_code& ec) { cbs.push_back(ec); });
    s->write("b", [&](const error_code& ec) { cbs.push_back(ec); });
    l.run();
    REQUIRE(cbs.size() == 2);
    CHECK(!cbs[0]);
    CHECK(cbs[1] == boost::asio::error::broken_pipe);
    CHECK(rec.str(", ") == "s: error EPIPE, s: close");
    CHECK(s->written() == "a");
    CHECK(s->close_events() == 1);
}

TEST_CASE("memory_duplex remote_reset and remote_close end the stream like a socket") {
    costream::loop l;
    auto a = ct::memory_duplex::make();
    auto b = ct::memory_duplex::make();
    ct::event_recorder rec;
    rec.watch_stream(*a, "a");
    rec.watch_stream(*b, "b");
    a->remote_reset();
    b->remote_close();
    l.run();
    CHECK(rec.str(", ") == "a: error ECONNRESET, a: close, b: close");
    CHECK(a->destroy_calls() == 1);
}

TEST_CASE("memory_duplex with a shared counter fails the Nth operation across streams") {
    costream::loop l;
    auto ops = std::make_shared<std::size_t>(0);
    auto a = ct::memory_duplex::make({.fail_at = 3, .shared_operations = ops});
    auto b = ct::memory_duplex::make({.fail_at = 3, .shared_operations = ops});
    a->on("error", [](const error_code&) {});
    std::vector<std::string> seen;
    a->write("1", [&](const error_code& ec) { seen.push_back("a " + ec.message()); });
    b->write("2", [&](const error_code& ec) { seen.push_back("b " + ec.message()); });
    a->write("3", [&](const error_code& ec) { seen.push_back(ec ? "a failed" : "a ok"); });
    l.run();
    CHECK(*ops == 3);
    CHECK(seen.back() == "a failed");
    b->destroy();
    l.run();
}

TEST_CASE("memory_duplex is a stream::duplex: without allow_half_open the remote's end ends "
          "its writable side") {
    static_assert(std::is_base_of_v<costream::stream::duplex, ct::memory_duplex>);
    costream::loop l;
    auto s = ct::memory_duplex::make({.allow_half_open = false});
    CHECK_FALSE(s->allow_half_open());
    ct::event_recorder rec;
    rec.watch_all(*s, {"end", "prefinish", "finish", "close"}, "s");
    s->write("queued before the end");
    s->resume();
    s->remote_end();
    l.run();
    // Node's Duplex: 'end', then end() on the next tick, 'finish', auto-destroy, 'close'
    CHECK(rec.str(", ") == "s: end, s: prefinish, s: finish, s: close");
    CHECK(s->written() == "queued before the end");
    CHECK(s->writable_finished());
    CHECK(s->close_events() == 1);
}

TEST_CASE("memory_duplex with allow_half_open stays writable after the remote's end") {
    costream::loop l;
    auto s = ct::memory_duplex::make();
    CHECK(s->allow_half_open());
    bool writable_at_end = false;
    s->on("end", [&] {
        writable_at_end = s->is_writable();
        s->end("late");
    });
    s->resume();
    s->remote_end();
    l.run();
    CHECK(writable_at_end);
    CHECK(s->written() == "late");
    CHECK(s->close_events() == 1);
}
