// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/writable_async.hpp: basic_writable's coroutine surface (async_write, async_end).
// Included by writable.hpp; not a public header on its own.
#pragma once

#include <costream/config.hpp>
#include <costream/stream/writable.hpp>

#include <boost/asio/async_result.hpp>

#include <array>
#include <memory>
#include <optional>
#include <utility>

namespace costream::stream {

template <class Chunk>
template <class CompletionToken>
auto basic_writable<Chunk>::async_write(Chunk chunk, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, Chunk c) {
            // No reference on the stream is captured below: the write callback and the
            // listeners are stored in the stream itself, so a reference there would keep it
            // alive through its own members if the write never completed.
            basic_writable* self = this;
            using H = decltype(handler);
            auto box = std::make_shared<std::optional<H>>(std::move(handler));
            auto fire = [box](const boost::system::error_code& ec) {
                if (!*box) return;
                H h = std::move(**box);
                box->reset();
                std::move(h)(ec);
            };
            bool ok = write(std::move(c), [fire](const boost::system::error_code& ec) mutable {
                if (ec) fire(ec);
            });
            if (!*box) return;
            if (ok) {
                get_loop().queue_microtask([fire]() mutable { fire({}); });
                return;
            }
            if (wstate_.errored() || wstate_.has(detail::k_destroyed)) {
                // The write's callback reports its own error on the next tick; report the
                // stream's error if it has one.
                boost::system::error_code ec = errored();
                if (!ec) ec = make_error_code(errc::stream_destroyed);
                get_loop().queue_microtask([fire, ec]() mutable { fire(ec); });
                return;
            }
            // Wait for 'drain', 'finish' (someone else ended the stream: 'drain' is not
            // emitted while ending, and the write went out), 'error' or 'close', whichever
            // comes first.
            auto ids = std::make_shared<std::array<listener_id, 4>>();
            auto done = [self, ids, fire](const boost::system::error_code& ec) mutable {
                self->event_emitter::off("drain", (*ids)[0]);
                self->event_emitter::off("finish", (*ids)[1]);
                self->event_emitter::off("error", (*ids)[2]);
                self->event_emitter::off("close", (*ids)[3]);
                fire(ec);
            };
            (*ids)[0] = event_emitter::on("drain", [done]() mutable { done({}); });
            (*ids)[1] = event_emitter::on("finish", [done]() mutable { done({}); });
            (*ids)[2] = event_emitter::on(
                "error", [done](const boost::system::error_code& ec) mutable { done(ec); });
            (*ids)[3] = event_emitter::on(
                "close", [done]() mutable { done(make_error_code(errc::stream_premature_close)); });
        },
        token, std::move(chunk));
}

template <class Chunk>
template <class CompletionToken>
auto basic_writable<Chunk>::async_end(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) {
            using H = decltype(handler);
            auto box = std::make_shared<std::optional<H>>(std::move(handler));
            costream::loop* lp = &get_loop();
            // The end() callback runs right before 'finish' (inside the tick that emits it),
            // or on a later tick with the error. The handler runs as a microtask after that
            // tick, so it sees 'finish' emitted, as `await` on a promise settled by the end()
            // callback does in Node.
            // No reference on the stream is captured: the callback is stored in the stream.
            end([lp, box](const boost::system::error_code& ec) {
                lp->queue_microtask([box, ec]() mutable {
                    if (!*box) return;
                    H h = std::move(**box);
                    box->reset();
                    std::move(h)(ec);
                });
            });
        },
        token);
}

} // namespace costream::stream
