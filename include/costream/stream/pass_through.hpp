// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/pass_through.hpp: basic_pass_through<Chunk>, Node's PassThrough
// (lib/internal/streams/passthrough.js).
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/stream/transform.hpp>

#include <typeinfo>
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

    /// Whether this object is a basic_pass_through itself, not an object of a class derived
    /// from it (which may override do_transform).
    bool is_plain_pass_through() noexcept {
        if (plain_ < 0) [[unlikely]]
            plain_ = typeid(*this) == typeid(basic_pass_through) ? 1 : 0;
        return plain_ != 0;
    }
    /// For pipe(): write(chunk) with the transform step done in place, for a plain
    /// basic_pass_through without calling do_transform at all (basic_transform::write_through),
    /// else as basic_transform::write_piped: the same events, state and return value.
    bool write_piped(Chunk&& chunk) {
        if (is_plain_pass_through()) [[likely]]
            return this->write_through(std::move(chunk));
        return basic_transform<Chunk, Chunk>::write_piped(std::move(chunk));
    }

protected:
    // write_through() does the same in place: keep the two in step.
    void do_transform(Chunk&& chunk, transform_callback cb) override { cb({}, std::move(chunk)); }

private:
    signed char plain_ = -1; // is_plain_pass_through(), once known
};

/// A pass-through of costream::buffer chunks (Node's PassThrough).
using pass_through = basic_pass_through<costream::buffer>;

} // namespace costream::stream
