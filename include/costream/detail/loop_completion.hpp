// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// detail/loop_completion.hpp: how a costream asynchronous operation whose result is already
// available completes: never inside the initiating call, as a microtask of the loop (so an
// awaiting coroutine resumes like Node's `await` of a resolved promise), through the
// handler's associated executor.
#pragma once

#include <costream/config.hpp>
#include <costream/loop.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>

#include <tuple>
#include <type_traits>
#include <utility>

namespace costream::detail {

/// Queues `handler(args...)` as a microtask of `l`. When the microtask runs, the handler is
/// dispatched to its associated executor (the loop's own executor by default, where dispatch
/// runs it inline), so an asio::awaitable or a callback bound to a strand is respected.
/// Use from an initiation function when the result is available at once.
template <class Handler, class... Args>
void complete_as_microtask(loop& l, Handler&& handler, Args&&... args) {
    l.queue_microtask([&l, h = std::forward<Handler>(handler),
                       a = std::make_tuple(std::forward<Args>(args)...)]() mutable {
        auto ex = boost::asio::get_associated_executor(h, l.get_executor());
        boost::asio::dispatch(ex, [h = std::move(h), a = std::move(a)]() mutable {
            std::apply([&](auto&&... xs) { std::move(h)(std::forward<decltype(xs)>(xs)...); },
                       std::move(a));
        });
    });
}

/// The same on the current loop.
template <class Handler, class... Args>
void complete_as_microtask(Handler&& handler, Args&&... args) {
    complete_as_microtask(loop::current(), std::forward<Handler>(handler),
                          std::forward<Args>(args)...);
}

} // namespace costream::detail
