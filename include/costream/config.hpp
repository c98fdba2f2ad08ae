// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// config.hpp: the first include of every costream header.
#pragma once

#define COSTREAM_VERSION_MAJOR 0
#define COSTREAM_VERSION_MINOR 1
#define COSTREAM_VERSION_PATCH 0
/// Version as one number, MMmmpp.
#define COSTREAM_VERSION                                                                           \
    (COSTREAM_VERSION_MAJOR * 10000 + COSTREAM_VERSION_MINOR * 100 + COSTREAM_VERSION_PATCH)

#if __cplusplus < 202002L
#error "costream needs C++20 (-std=c++20 or later)"
#endif

/// costream: Node's I/O model (Buffer, streams, event loop, modules) on Boost.Asio.
namespace costream {}
