// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib.hpp: the zlib module (Node's `zlib`): streaming create_gzip/create_gunzip/... on the
// thread pool, the one-shot gzip()/gunzip()/... and *_sync variants, zlib errors with Node's
// codes, and (beyond Node) create_parallel_gzip. See docs/zlib.md.
#pragma once

#include <costream/config.hpp>
#include <costream/zlib/convenience.hpp>
#include <costream/zlib/error.hpp>
#include <costream/zlib/options.hpp>
#include <costream/zlib/parallel_gzip.hpp>
#include <costream/zlib/zlib_stream.hpp>
