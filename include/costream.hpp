// costream: the umbrella header. Includes every public costream header; include the
// individual headers instead to keep compile times down (buffer.hpp alone needs no Boost).
#pragma once

#include <costream/config.hpp>
#include <costream/abort_signal.hpp>
#include <costream/buffer.hpp>
#include <costream/buffer_sequence.hpp>
#include <costream/crypto.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream.hpp>
#include <costream/string_decoder.hpp>
#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>
#include <costream/zlib.hpp>
