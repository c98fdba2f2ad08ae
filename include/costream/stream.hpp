// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream.hpp: Node's `stream` module (umbrella: includes only).
#pragma once

#include <costream/config.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>
