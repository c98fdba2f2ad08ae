// Helpers for the Asio adapter tests (asio_readable, asio_writable, asio_duplex): connected
// socket pairs on the loop's executor (a local socket pair, a TCP connection on 127.0.0.1),
// blocking helpers for the test's own end, an event recorder, an upper-casing transform, and
// faulty_socket, a socket with fault injection at the Asio level (short reads and writes, the
// Nth operation failing).
#pragma once

#include <costream/buffer.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/stream/transform.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asio_test {

namespace asio = boost::asio;
using boost::system::error_code;
using local_socket = asio::local::stream_protocol::socket;
using tcp_socket = asio::ip::tcp::socket;

/// `n` bytes of a pattern that does not repeat within a read (so a reordering shows).
inline std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

/// Two connected sockets on the loop's executor: `a` for the stream under test, `b` for the
/// test's own (usually blocking) end.
template <class Socket>
struct socket_pair {
    Socket a, b;
};

/// A connected local (AF_UNIX) stream socket pair.
inline socket_pair<local_socket> local_pair(costream::loop& l) {
    socket_pair<local_socket> p{local_socket(l.get_executor()), local_socket(l.get_executor())};
    asio::local::connect_pair(p.a, p.b);
    return p;
}

/// A TCP connection on 127.0.0.1 (an ephemeral port): `a` is the connecting side, `b` the
/// accepted one. Connect and accept are synchronous (the backlog takes the connection), so
/// nothing waits on the network.
inline socket_pair<tcp_socket> tcp_pair(costream::loop& l) {
    asio::ip::tcp::acceptor acc(l.get_executor(),
                                asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    socket_pair<tcp_socket> p{tcp_socket(l.get_executor()), tcp_socket(l.get_executor())};
    p.a.connect(acc.local_endpoint());
    acc.accept(p.b);
    return p;
}

/// Writes all of `data` to `s`, blocking.
template <class Sock>
void write_all(Sock& s, const std::string& data) {
    asio::write(s, asio::buffer(data));
}

/// Reads `s` until end of file or an error, blocking.
template <class Sock>
std::string read_all(Sock& s) {
    std::string out;
    error_code ec;
    char buf[4096];
    for (;;) {
        std::size_t n = s.read_some(asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec) break;
    }
    return out;
}

/// Resets the connection: close() with SO_LINGER 0 sends RST, so the peer's next read (or
/// write) fails with ECONNRESET.
template <class Sock>
void reset(Sock& s) {
    s.set_option(asio::socket_base::linger(true, 0));
    s.close();
}

/// Records a stream's 'data' (concatenated) and its end/finish/error/close events in order.
struct recorder {
    std::vector<std::string> events;
    std::string data;
    template <class S>
    void attach(S& s, bool with_data = true) {
        if (with_data) s.on("data", [this](const costream::buffer& b) { data += b.to_string(); });
        s.on("end", [this] { events.push_back("end"); });
        s.on("finish", [this] { events.push_back("finish"); });
        s.on("error", [this](const error_code& ec) {
            events.push_back("error " + std::string(costream::node_code(ec)));
        });
        s.on("close", [this] { events.push_back("close"); });
    }
    /// How many recorded events start with `prefix` ("close", "error", ...).
    std::size_t count(std::string_view prefix) const {
        std::size_t n = 0;
        for (const auto& e : events)
            n += e.starts_with(prefix);
        return n;
    }
    /// The events joined with ", " (readable in a failed CHECK).
    std::string str() const {
        std::string out;
        for (const auto& e : events)
            out += (out.empty() ? "" : ", ") + e;
        return out;
    }
};

/// Node's `new Transform({ transform(c, e, cb) { cb(null, String(c).toUpperCase()); } })`
/// for ASCII text, upper-casing each chunk in place: the same buffer goes on (no copy).
struct upper : costream::stream::transform {
    using costream::stream::transform::transform;

protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        for (std::size_t i = 0; i < c.size(); ++i)
            c[i] = static_cast<std::uint8_t>(std::toupper(c[i]));
        cb({}, std::move(c));
    }
};

/// What upper makes of `s`.
inline std::string upper_of(std::string s) {
    for (auto& ch : s)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

/// What faulty_socket does wrong. Shared by reference (several sockets may count together).
struct fault_plan {
    std::size_t max_read = 0;  ///< at most this many bytes per read_some (0: no limit)
    std::size_t max_write = 0; ///< at most this many bytes per write_some (0: no limit)
    std::size_t fail_at = 0;   ///< the fail_at-th operation fails (1-based, 0: never)
    std::size_t ops = 0;       ///< read_some and write_some calls so far
    error_code fail_with = boost::asio::error::connection_reset;
};

/// A socket with fault injection at the Asio level, for the adapters' fail-each-step loops:
/// read_some/write_some calls are counted (reads and writes together, in `plan`), the
/// fail_at-th one completes with plan.fail_with (posted, as a real failure completes) without
/// transferring anything, and reads and writes can be made short. Everything else goes to
/// the real socket `s`.
template <class Socket>
struct faulty_socket {
    using executor_type = typename Socket::executor_type;
    Socket s;
    std::shared_ptr<fault_plan> plan;

    faulty_socket(Socket sock, std::shared_ptr<fault_plan> p)
        : s(std::move(sock)), plan(std::move(p)) {}

    executor_type get_executor() { return s.get_executor(); }

    template <class Buffers, class Handler>
    void async_read_some(const Buffers& bufs, Handler&& h) {
        if (fail_now(h)) return;
        asio::mutable_buffer first = *asio::buffer_sequence_begin(bufs);
        if (plan->max_read)
            s.async_read_some(asio::buffer(first, plan->max_read), std::forward<Handler>(h));
        else
            s.async_read_some(bufs, std::forward<Handler>(h));
    }
    template <class Buffers, class Handler>
    void async_write_some(const Buffers& bufs, Handler&& h) {
        if (fail_now(h)) return;
        if (plan->max_write) {
            asio::const_buffer first = *asio::buffer_sequence_begin(bufs);
            s.async_write_some(asio::buffer(first, plan->max_write), std::forward<Handler>(h));
        } else {
            s.async_write_some(bufs, std::forward<Handler>(h));
        }
    }
    void close(error_code& ec) { s.close(ec); }
    void shutdown(asio::socket_base::shutdown_type w, error_code& ec) { s.shutdown(w, ec); }

private:
    template <class Handler>
    bool fail_now(Handler& h) {
        if (++plan->ops != plan->fail_at) return false;
        asio::post(s.get_executor(), [h = std::move(h), ec = plan->fail_with]() mutable {
            std::move(h)(ec, std::size_t(0));
        });
        return true;
    }
};

} // namespace asio_test
