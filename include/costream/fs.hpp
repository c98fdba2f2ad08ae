// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs.hpp: Node's `fs` module: costream::fs (read/write streams of files, the async
// functions on the thread pool, their *_sync twins, Node's errors, fault injection).
#pragma once

#include <costream/config.hpp>
#include <costream/fs/async.hpp>
#include <costream/fs/error.hpp>
#include <costream/fs/fault_injection.hpp>
#include <costream/fs/read_stream.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/types.hpp>
#include <costream/fs/write_stream.hpp>

/// Node's `fs` module. See docs/fs.md.
namespace costream::fs {}
