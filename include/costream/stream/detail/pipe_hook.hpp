// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/pipe_hook.hpp: the interface between a readable and the pipes reading from it
// (Node keeps state.pipes and state.awaitDrainWriters on the readable state).
#pragma once

#include <costream/config.hpp>

namespace costream::stream::detail {

/// The source-side bookkeeping of pipe() (pipe.hpp), as seen by a readable: a readable
/// that exposes `detail::pipe_hook*& readable_pipe_hook()` (a non-owning pointer, null by
/// default) calls clear_await_drain() where Node's readable.js resets
/// state.awaitDrainWriters, i.e. each time it hands out data (addChunk's direct 'data'
/// emit, read() returning a chunk). pipe() sets the pointer while the readable has pipes
/// and clears it when the bookkeeping goes away.
class pipe_hook {
public:
    /// node: `state.awaitDrainWriters = null` (or `.clear()` with several pipes). The
    /// readable calls it only while awaiting_drain is set.
    virtual void clear_await_drain() noexcept = 0;

    /// Whether awaitDrainWriters is non-empty (kept by the implementation), so that handing
    /// out data costs no virtual call while no destination waits for 'drain'.
    bool awaiting_drain = false;

protected:
    ~pipe_hook() = default;
};

} // namespace costream::stream::detail
