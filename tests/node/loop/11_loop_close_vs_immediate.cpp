// Port of shared/node-oracle/scenarios/11_loop_close_vs_immediate.js: net does not exist yet, so
// the sockets are real Asio TCP sockets on 127.0.0.1 driven by the loop's executor, and the parts
// of net.js that matter are done by hand as net does them: socket.destroy() closes the handle at
// once and emits 'close' from the handle's close callback (loop::add_close_callback, the close
// phase); the server side of the connection reads EOF in the poll phase, then (allowHalfOpen false)
// ends and closes its handle the same way; server.close() closes the listening handle at once and
// emits 'close' (and runs the close callback) from one next_tick (net.js emitCloseNT), as it has no
// connections left.
#include <costream/loop.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <functional>
#include <memory>
#include <optional>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TEST_CASE("node oracle 11: 'close' after destroy() comes in the close phase, after immediates") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    auto ex = l.get_executor();
    tcp::acceptor server(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    bool listening = true;
    int pending = 2;
    std::function<void()> phase2;
    std::optional<tcp::socket> server_sock;
    std::array<char, 64> buf{};

    // Server: accept one connection, read it until EOF, then close it as net.js would.
    std::function<void()> read_server = [&] {
        server_sock->async_read_some(asio::buffer(buf),
                                     [&](boost::system::error_code ec, std::size_t) {
                                         if (!ec) return read_server();
                                         // 'end' is emitted on a later tick; allowHalfOpen false
                                         // ends and destroys.
                                         costream::next_tick([&] {
                                             server_sock->close();
                                             l.add_close_callback([&] {
                                                 if (--pending == 0)
                                                     costream::set_timeout(phase2, 5);
                                             });
                                         });
                                     });
    };
    std::function<void()> accept = [&] {
        server.async_accept([&](boost::system::error_code ec, tcp::socket s) {
            if (ec) return; // the listening handle was closed
            server_sock.emplace(std::move(s));
            read_server();
            accept(); // a net server keeps accepting
        });
    };
    accept();

    tcp::socket client(ex);
    client.async_connect(server.local_endpoint(), [&](boost::system::error_code ec) {
        REQUIRE(!ec);
        t.log("client connect");
        // client.destroy(): the handle closes now, 'close' comes from its close callback.
        client.close();
        bool destroyed = true;
        l.add_close_callback([&] {
            t.log("client close hadError=false");
            if (--pending == 0) costream::set_timeout(phase2, 5);
        });
        t.log("after destroy(): destroyed=", destroyed ? "true" : "false");
        costream::next_tick([&] { t.log("tick after destroy"); });
        costream::set_immediate([&] { t.log("immediate after destroy"); });
    });

    phase2 = [&] {
        t.log("phase2: server.close()");
        // server.close(cb): close the handle, no connections left -> emitCloseNT on a tick.
        server.close();
        listening = false;
        costream::next_tick([&] {
            t.log("server close event");
            t.log("server.close callback");
        });
        t.log("after close(): listening=", listening ? "true" : "false");
        costream::next_tick([&] { t.log("tick after server.close"); });
        costream::set_immediate([&] { t.log("immediate after server.close"); });
    };

    l.run();
    costream_test::check_node_trace(t, "11_loop_close_vs_immediate");
}
