// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/duplex.hpp: basic_duplex<In, Out>, Node's Duplex (lib/internal/streams/duplex.js): a
// readable side and a writable side on one stream, with allowHalfOpen.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/encoding.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/writable.hpp>

#include <optional>

namespace costream::stream {

/// Options of a duplex stream (Node's `new Duplex(options)`): the readable and writable
/// options, with Node's rule that `high_water_mark` and `object_mode` apply to both sides
/// and win over the per-side keys.
struct duplex_options {
    std::optional<double> high_water_mark{};          ///< both sides (wins over the below)
    std::optional<double> readable_high_water_mark{}; ///< Node's readableHighWaterMark
    std::optional<double> writable_high_water_mark{}; ///< Node's writableHighWaterMark
    bool object_mode = false;                         ///< both sides
    bool readable_object_mode = false;                ///< Node's readableObjectMode
    bool writable_object_mode = false;                ///< Node's writableObjectMode
    /// Node's allowHalfOpen: with false, the readable side's 'end' ends the writable side.
    bool allow_half_open = true;
    bool readable = true; ///< Node's readable: false starts the readable side ended
    bool writable = true; ///< Node's writable: false starts the writable side finished
    std::optional<costream::encoding> encoding{}; ///< readable side set_encoding()
    bool decode_strings = true;                   ///< writable side
    costream::encoding default_encoding = costream::encoding::utf8;
    bool emit_close = true;
    bool auto_destroy = true;
};

namespace detail {
inline readable_options duplex_readable_options(const duplex_options& o) {
    readable_options r;
    r.high_water_mark = o.high_water_mark ? o.high_water_mark : o.readable_high_water_mark;
    r.object_mode = o.object_mode || o.readable_object_mode;
    r.encoding = o.encoding;
    r.default_encoding = o.default_encoding;
    r.emit_close = o.emit_close;
    r.auto_destroy = o.auto_destroy;
    return r;
}
inline writable_options duplex_writable_options(const duplex_options& o) {
    writable_options w;
    w.high_water_mark = o.high_water_mark ? o.high_water_mark : o.writable_high_water_mark;
    w.object_mode = o.object_mode || o.writable_object_mode;
    w.decode_strings = o.decode_strings;
    w.default_encoding = o.default_encoding;
    w.emit_close = o.emit_close;
    w.auto_destroy = o.auto_destroy;
    return w;
}
} // namespace detail

/// Node's Duplex: a basic_readable<Out> and a basic_writable<In> sharing one emitter and one
/// destroy state. Implement do_read() and do_write() (and friends). With allow_half_open
/// false, the readable side's 'end' calls end() on the writable side on the next tick. The
/// stream auto-destroys once both sides are done ('end' and 'finish').
///
/// Node equivalent: `new Duplex({ read, write, final, allowHalfOpen })`.
template <class In, class Out = In>
class basic_duplex : public basic_readable<Out>, public basic_writable<In> {
public:
    using in_chunk = In;   ///< chunks written to it
    using out_chunk = Out; ///< chunks read from it
    /// The chunk type read from the stream (its readable side's), so that code written for
    /// readables (pipe(), pipeline(), iterate()) finds one `chunk_type`.
    using chunk_type = Out;

    explicit basic_duplex(const duplex_options& o = {})
        : basic_readable<Out>(detail::duplex_readable_options(o),
                              o.high_water_mark ? "options.highWaterMark"
                                                : "options.readableHighWaterMark",
                              !o.readable),
          basic_writable<In>(detail::duplex_writable_options(o),
                             o.high_water_mark ? "options.highWaterMark"
                                               : "options.writableHighWaterMark",
                             !o.writable),
          allow_half_open_(o.allow_half_open) {}

    /// Node's allowHalfOpen.
    bool allow_half_open() const noexcept { return allow_half_open_; }

    using basic_readable<Out>::on;
    using basic_readable<Out>::once;
    using basic_readable<Out>::off;
    using basic_readable<Out>::add_listener;
    using basic_readable<Out>::remove_listener;
    using basic_readable<Out>::remove_all_listeners;

protected:
    // node: readable.js endReadableNT: `stream.writable && stream.allowHalfOpen === false`
    bool end_writable_after_end() const noexcept override {
        return this->is_writable() && !allow_half_open_;
    }
    // node: readable.js endWritableNT
    void end_writable_nt() override {
        if (this->is_writable() && !this->writable_ended() && !this->destroyed()) this->end();
    }

private:
    bool allow_half_open_;
};

/// A duplex stream of costream::buffer chunks both ways (Node's Duplex).
using duplex = basic_duplex<costream::buffer>;

} // namespace costream::stream
