// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream.hpp: Node's `stream` module (umbrella: includes only).
#pragma once

#include <costream/config.hpp>
#include <costream/stream/add_abort_signal.hpp>
#include <costream/stream/asio_duplex.hpp>
#include <costream/stream/asio_readable.hpp>
#include <costream/stream/asio_writable.hpp>
#include <costream/stream/compose.hpp>
#include <costream/stream/concepts.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/finished.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/operators.hpp>
#include <costream/stream/pass_through.hpp>
#include <costream/stream/pipe.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stage.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/transform.hpp>
#include <costream/stream/writable.hpp>
