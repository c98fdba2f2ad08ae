// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/pass_through.hpp: basic_pass_through<Chunk>, Node's PassThrough
// (lib/internal/streams/passthrough.js).
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/stream/transform.hpp>

#include <utility>

namespace costream::stream {

/// Node's PassThrough: a transform that passes every chunk on unchanged. Zero copy: the
/// same chunk object (for buffers, the same bytes) comes out that went in; with buffers
/// and no consumer yet, read() coalesces bytes as any readable does.
template <class Chunk>
class basic_pass_through : public basic_transform<Chunk, Chunk> {
public:
    using basic_transform<Chunk, Chunk>::basic_transform;
    using transform_callback = typename basic_transform<Chunk, Chunk>::transform_callback;

protected:
    void do_transform(Chunk&& chunk, transform_callback cb) override { cb({}, std::move(chunk)); }
};

/// A pass-through of costream::buffer chunks (Node's PassThrough).
using pass_through = basic_pass_through<costream::buffer>;

} // namespace costream::stream
