// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/compose.hpp: compose(), Node's stream.compose (lib/internal/streams/compose.js):
// several streams joined by pipeline() and seen from outside as one duplex.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/stream/detail/small_function.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/finished.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/writable.hpp>

#include <boost/system/error_code.hpp>

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace costream::stream {

namespace detail {
/// The composed duplex's chunk types: written = the head's writable side's (or, for a head
/// without one, the tail's readable side's), read = the tail's readable side's (or the
/// head's writable side's).
template <class Head, class Tail, bool W = writable_side<Head>, bool R = readable_side<Tail>>
struct composed_chunks;
template <class Head, class Tail>
struct composed_chunks<Head, Tail, true, true> {
    using in = writable_chunk_t<Head>;
    using out = readable_chunk_t<Tail>;
};
template <class Head, class Tail>
struct composed_chunks<Head, Tail, false, true> {
    using in = readable_chunk_t<Tail>;
    using out = readable_chunk_t<Tail>;
};
template <class Head, class Tail>
struct composed_chunks<Head, Tail, true, false> {
    using in = writable_chunk_t<Head>;
    using out = writable_chunk_t<Head>;
};
} // namespace detail

/// The duplex compose() returns: writes go into the first stream (`head`), reads come out of
/// the last one (`tail`); the streams in between are connected by pipeline(). Node's compose
/// builds the same thing out of a plain Duplex; so does this one (a basic_duplex, with
/// Node's Duplex state machine: allowHalfOpen, auto-destroy once both sides are done). A head
/// without a writable side (a readable) makes it readable only (Node's `writable: false`), a
/// tail without a readable side (a writable) writable only.
template <class Head, class Tail>
class composed_duplex : public basic_duplex<typename detail::composed_chunks<Head, Tail>::in,
                                            typename detail::composed_chunks<Head, Tail>::out> {
    static constexpr bool has_w = writable_side<Head>;
    static constexpr bool has_r = readable_side<Tail>;
    using in_t = typename detail::composed_chunks<Head, Tail>::in;
    using out_t = typename detail::composed_chunks<Head, Tail>::out;

public:
    using base = basic_duplex<in_t, out_t>;
    using R = basic_readable<out_t>;
    using W = basic_writable<in_t>;
    /// The chunk type read from the composed stream (its tail's).
    using chunk_type = out_t;

    composed_duplex(ptr<Head> head, ptr<Tail> tail, const duplex_options& o)
        : base(o), head_(std::move(head)), tail_(std::move(tail)),
          alive_(std::make_shared<bool>(true)) {}

    ~composed_duplex() override {
        *alive_ = false;
        if (drain_id_) static_cast<event_emitter&>(*head_).off("drain", drain_id_);
        if (readable_id_) static_cast<event_emitter&>(*tail_).off("readable", readable_id_);
        if (end_id_) static_cast<event_emitter&>(*tail_).off("end", end_id_);
        if (tail_eos_) tail_eos_->cleanup();
    }

    /// The first stream (what writes go into).
    Head& head() const noexcept { return *head_; }
    /// The last stream (what reads come from).
    Tail& tail() const noexcept { return *tail_; }

    /// Wires the listeners (node: the body of compose() after the Duplex is made).
    void start_impl() {
        if constexpr (has_w) start_writable();
        if constexpr (has_r) start_readable();
    }

    // node: compose's onfinished(err), the internal pipeline's callback
    void onfinished(const boost::system::error_code& err) {
        ptr<stream_base> keep(this);
        if (onclose_ && *onclose_) {
            auto cb = std::move(**onclose_);
            onclose_.emplace(std::nullopt);
            cb(err);
            return;
        }
        onclose_.emplace(std::nullopt);
        if (err) this->destroy(err);
    }

protected:
    // node: d._write
    void do_write(in_t&& chunk, typename W::write_callback cb) override {
        if constexpr (has_w) {
            if (head_->write(std::move(chunk)))
                cb();
            else
                ondrain_.emplace(std::move(cb));
        } else {
            (void)chunk; // not writable: the state machine never calls it
            cb(make_error_code(errc::stream_destroyed));
        }
    }
    // node: d._final
    void do_final(typename W::final_callback cb) override {
        if constexpr (has_w) head_->end();
        onfinish_.emplace(std::move(cb));
    }
    // node: d._read
    void do_read(std::size_t) override {
        if constexpr (has_r) read_tail();
    }
    // node: d._destroy
    void do_destroy(const boost::system::error_code& ec,
                    stream_base::destroy_callback cb) override {
        boost::system::error_code err = ec;
        const bool pipeline_done = onclose_.has_value() && !onclose_->has_value();
        if (!err && !pipeline_done) err = make_error_code(errc::abort_err);
        onreadable_ = false;
        ondrain_.reset();
        onfinish_.reset();
        // node: destroyer(tail, err)
        if (!tail_->destroyed()) tail_->destroy(err);
        if (pipeline_done)
            cb(err);
        else
            onclose_.emplace(std::move(cb));
    }

private:
    // node: compose's `if (writable)` branch
    void start_writable() {
        std::shared_ptr<bool> alive = alive_;
        drain_id_ = static_cast<event_emitter&>(*head_).on("drain", [this, alive] {
            if (!*alive) return;
            if (ondrain_) {
                auto cb = std::move(*ondrain_);
                ondrain_.reset();
                cb();
            }
        });
        tail_eos_ = detail::eos(*tail_, finished_options{},
                                [this, alive](const boost::system::error_code&) {
                                    if (!*alive) return;
                                    if (onfinish_) {
                                        auto cb = std::move(*onfinish_);
                                        onfinish_.reset();
                                        cb();
                                    }
                                });
    }

    // node: compose's `if (readable)` branch
    void start_readable() {
        std::shared_ptr<bool> alive = alive_;
        readable_id_ = tail_->on("readable", [this, alive] {
            if (!*alive) return;
            if (onreadable_) {
                onreadable_ = false;
                read_tail();
            }
        });
        end_id_ = static_cast<event_emitter&>(*tail_).on("end", [this, alive] {
            if (*alive) R::push(nullptr);
        });
    }

    void read_tail() {
        for (;;) {
            auto c = tail_->read();
            if (!c) {
                onreadable_ = true;
                return;
            }
            if (!R::push(std::move(*c))) return;
        }
    }

    ptr<Head> head_;
    ptr<Tail> tail_;
    std::shared_ptr<bool> alive_;
    std::optional<typename W::write_callback> ondrain_;
    std::optional<typename W::final_callback> onfinish_;
    bool onreadable_ = false;
    // node: `onclose`: unset while the pipeline runs, a callback when destroy waits for it,
    // null (an empty inner optional) once the pipeline finished.
    std::optional<std::optional<stream_base::destroy_callback>> onclose_;
    listener_id drain_id_, readable_id_, end_id_;
    std::shared_ptr<detail::eos_state> tail_eos_;
};

/// Node's stream.compose(...streams): one duplex made of several streams. Writing to it
/// writes into the first stream, reading from it reads from the last one; the streams are
/// connected with pipeline() (backpressure, and every stream destroyed when one fails).
/// Destroying the composed duplex destroys the last stream (with ABORT_ERR when no error is
/// given and the inner pipeline has not finished, as Node does), which tears down the whole
/// inner pipeline; an inner failure destroys the composed duplex with that error.
///
/// Stages: streams, of which the middle ones are duplex, transform or pass_through streams
/// (or transform function stages, see pipeline()). As in Node, a first stream that is only
/// readable makes the composed stream readable only (`writable: false`: a source with its
/// transforms, e.g. `compose(file, gzip)`), a last stream that is only writable makes it
/// writable only. The composed stream's object modes are those of its head and tail.
///
///     auto d = costream::stream::compose(gzip, encrypt);   // a duplex: write, read
///     co_await costream::stream::pipeline(file, d, socket);
template <class First, class... Rest>
requires(sizeof...(Rest) >= 1) auto compose(First&& first, Rest&&... rest) {
    auto head = detail::to_ptr(std::forward<First>(first));
    auto all = std::forward_as_tuple(std::forward<Rest>(rest)...);
    auto tail = detail::to_ptr(std::get<sizeof...(Rest) - 1>(all));
    using H = typename decltype(head)::element_type;
    using T = typename decltype(tail)::element_type;
    static_assert(writable_side<H> || readable_side<T>,
                  "costream::stream::compose: the first stream must be writable or the last one "
                  "readable");
    // node: new Duplex({ writableObjectMode: head.writableObjectMode,
    //                    readableObjectMode: tail.readableObjectMode, writable, readable })
    duplex_options o;
    o.writable = writable_side<H>;
    o.readable = readable_side<T>;
    if constexpr (writable_side<H>) o.writable_object_mode = head->writable_object_mode();
    if constexpr (readable_side<T>) o.readable_object_mode = tail->readable_object_mode();
    auto d = make<composed_duplex<H, T>>(head, tail, o);
    composed_duplex<H, T>* raw = d.get();
    // node: const tail = pipeline(streams, onfinished)
    pipeline(head, std::forward<Rest>(rest)...,
             [raw, keep = ptr<stream_base>(raw)](const boost::system::error_code& err) {
                 raw->onfinished(err);
             });
    raw->start_impl();
    return d;
}

} // namespace costream::stream
