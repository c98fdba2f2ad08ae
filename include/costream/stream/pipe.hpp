// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/pipe.hpp: pipe() and unpipe(), Node's Readable.prototype.pipe/unpipe
// (lib/internal/streams/readable.js) with its weaker error semantics.
#pragma once

#include <costream/config.hpp>
#include <costream/events.hpp>
#include <costream/stream/detail/pipe_hook.hpp>
#include <costream/stream/detail/state.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/writable.hpp>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace costream::stream {

/// Options of pipe() (Node's pipe options).
struct pipe_options {
    /// Node's `end`: end() the destination when the source ends. With false the destination
    /// stays open (and the pipe is only undone at the source's 'end').
    bool end = true;
};

/// The second argument of the 'unpipe' event (Node's unpipeInfo): a listener that handles
/// the unpipe sets has_unpiped, so that only one pipe of the same source reacts.
struct unpipe_info {
    bool has_unpiped = false;
};

namespace detail {

/// node: the parts of the readable state that pipe() uses: state.pipes and
/// state.awaitDrainWriters (null, one writer, or a set when kMultiAwaitDrain).
template <class Chunk>
struct pipe_source_state final : pipe_hook, std::enable_shared_from_this<pipe_source_state<Chunk>> {
    basic_readable<Chunk>* src; // null once the source is gone
    std::vector<ptr<stream_base>> pipes;
    std::vector<stream_base*> await_drain; // one element, or the set in multi mode
    bool multi = false;                    // node: kMultiAwaitDrain

    // Registers itself as the source's readable_pipe_hook() (a non-owning pointer; the
    // pipe entries own this state).
    explicit pipe_source_state(basic_readable<Chunk>* s) : src(s) {
        src->readable_pipe_hook() = this;
    }
    pipe_source_state(const pipe_source_state&) = delete;
    pipe_source_state& operator=(const pipe_source_state&) = delete;
    ~pipe_source_state() {
        if (src && src->readable_pipe_hook() == this) src->readable_pipe_hook() = nullptr;
    }

    void clear_await_drain() noexcept override {
        await_drain.clear();
        awaiting_drain = false;
    }
    // Keeps pipe_hook::awaiting_drain (what the readable tests before calling us) in step.
    void await_drain_changed() noexcept { awaiting_drain = !await_drain.empty(); }

    bool awaiting(stream_base* d) const noexcept {
        return std::find(await_drain.begin(), await_drain.end(), d) != await_drain.end();
    }

    static pipe_source_state* find(basic_readable<Chunk>& s) noexcept {
        return static_cast<pipe_source_state*>(s.readable_pipe_hook());
    }
    // The source is being freed (its listeners are going away): forget it. Its members are
    // already destroyed, so its hook pointer is not touched.
    void source_gone() noexcept { src = nullptr; }
};

// node: Readable.prototype.unpipe
template <class Chunk>
void unpipe_impl(basic_readable<Chunk>& src, stream_base* dest) {
    pipe_source_state<Chunk>* st = pipe_source_state<Chunk>::find(src);
    if (st == nullptr || st->pipes.empty()) return;
    ptr<stream_base> self(&src);
    if (dest == nullptr) {
        std::vector<ptr<stream_base>> dests = std::move(st->pipes);
        st->pipes.clear();
        src.pause();
        stream_base* s = &src;
        for (auto& d : dests) {
            unpipe_info info;
            d->guard([&] { d->emit("unpipe", s, info); });
        }
        return;
    }
    auto it = std::find_if(st->pipes.begin(), st->pipes.end(),
                           [&](const ptr<stream_base>& p) { return p.get() == dest; });
    if (it == st->pipes.end()) return;
    ptr<stream_base> d = std::move(*it);
    st->pipes.erase(it);
    if (st->pipes.empty()) src.pause();
    unpipe_info info;
    stream_base* s = &src;
    d->guard([&] { d->emit("unpipe", s, info); });
}

/// One pipe() call: Node's closure of Readable.prototype.pipe.
template <class Chunk, class Dst>
struct pipe_entry : std::enable_shared_from_this<pipe_entry<Chunk, Dst>> {
    std::shared_ptr<pipe_source_state<Chunk>> state;
    basic_readable<Chunk>* src = nullptr; // null once the source is gone
    Dst* dest = nullptr;                  // alive while piped (state.pipes holds it)
    listener_id d_close, d_finish, d_drain, d_error, d_unpipe, s_end, s_data;
    bool has_ondrain = false;
    bool cleaned_up = false;

    // Whether dest->write(chunk) may be replaced by dest->write_piped(chunk) (a transform's
    // write with its _write done in place, basic_transform::write_piped): only when the
    // write(chunk) that pipe() would call is basic_writable's, not one a class between it
    // and Dst declares (which hides it).
    static constexpr bool writes_in_place = [] {
        if constexpr (requires(Dst & d, Chunk && c) {
                          d.write_piped(std::move(c));
                          static_cast<bool (Dst::*)(Chunk)>(&Dst::write);
                      } &&
                      std::derived_from<Dst, basic_writable<Chunk>>)
            return static_cast<bool (Dst::*)(Chunk)>(&Dst::write) ==
                   static_cast<bool (Dst::*)(Chunk)>(&basic_writable<Chunk>::write);
        else
            return false;
    }();

    // node: pipe's ondata, for a chunk the source hands over (see set_readable_pipe_data);
    // the source holds this pipe's 'data' listener, which owns the entry, while it runs.
    static void ondata_consumed(void* self, Chunk&& chunk) {
        pipe_entry* p = static_cast<pipe_entry*>(self);
        bool ok;
        if constexpr (writes_in_place) {
            ok = p->dest->write_piped(std::move(chunk));
        } else {
            ok = p->dest->write(std::move(chunk));
        }
        if (!ok) p->pause();
    }

    // node: pipeOnDrain(src, dest)
    void ondrain() {
        auto& st = *state;
        stream_base* d = dest;
        if (!st.multi && st.await_drain.size() == 1 && st.await_drain[0] == d) {
            st.await_drain.clear();
        } else if (st.multi) {
            st.await_drain.erase(std::remove(st.await_drain.begin(), st.await_drain.end(), d),
                                 st.await_drain.end());
        }
        st.await_drain_changed();
        if (src && st.await_drain.empty() &&
            (src->readable_state_bits() & stream::detail::k_data_listening))
            src->resume();
    }

    static bool dest_need_drain(const Dst& d) noexcept {
        if constexpr (requires { d.writable_state_need_drain(); })
            return d.writable_state_need_drain();
        else
            return d.writable_need_drain();
    }

    // node: pipe's cleanup()
    void cleanup() {
        auto keep = this->shared_from_this();
        // Set first: removing the source's 'data' listener destroys its guard, which must
        // not clean up a second time.
        cleaned_up = true;
        event_emitter& d = *dest;
        d.off("close", d_close);
        d.off("finish", d_finish);
        if (has_ondrain) d.off("drain", d_drain);
        d.off("error", d_error);
        d.off("unpipe", d_unpipe);
        if (src) {
            src->off("end", s_end);
            src->off("data", s_data);
            src->clear_readable_pipe_data(s_data);
        }
        if (has_ondrain && !state->await_drain.empty() && dest_need_drain(*dest)) ondrain();
    }

    // node: pipe's pause()
    void pause() {
        auto& st = *state;
        stream_base* d = dest;
        if (!cleaned_up && src) {
            if (st.pipes.size() == 1 && st.pipes[0].get() == d) {
                st.await_drain.assign(1, d);
                st.multi = false;
            } else if (st.pipes.size() > 1 &&
                       std::any_of(st.pipes.begin(), st.pipes.end(),
                                   [&](const ptr<stream_base>& p) { return p.get() == d; })) {
                if (!st.awaiting(d)) st.await_drain.push_back(d);
            }
            st.await_drain_changed();
            src->pause();
        }
        if (!has_ondrain) {
            has_ondrain = true;
            d_drain = static_cast<event_emitter&>(*dest).on(
                "drain", [self = this->shared_from_this()] { self->ondrain(); });
        }
    }

    void unpipe() {
        if (src) unpipe_impl(*src, dest);
    }
};

// Held by the source's 'data' listener: when the source is freed (its listeners with it),
// the pipe is undone on the destination side so that nothing refers to the source.
template <class Chunk, class Dst>
struct pipe_source_guard {
    std::shared_ptr<pipe_entry<Chunk, Dst>> e;
    explicit pipe_source_guard(std::shared_ptr<pipe_entry<Chunk, Dst>> p) noexcept
        : e(std::move(p)) {}
    pipe_source_guard(pipe_source_guard&& o) noexcept : e(std::move(o.e)) {}
    pipe_source_guard(const pipe_source_guard&) = delete;
    ~pipe_source_guard() {
        if (!e || e->cleaned_up || !e->src) return;
        // The source is being destroyed while piping: detach from the destination.
        e->src = nullptr;
        e->state->source_gone();
        e->cleanup();
    }
};

template <class Src>
concept pipe_source = requires {
    typename Src::chunk_type;
}
&&std::derived_from<Src, basic_readable<typename Src::chunk_type>>;

} // namespace detail

/// Node's readable.pipe(destination, options): writes every chunk of `src` to `dest`,
/// pausing `src` when dest.write() returns false and resuming it at dest's 'drain'; ends
/// `dest` when `src` ends (unless options.end is false). Returns `dest`, for chaining.
///
/// Events, as in Node: `dest` emits 'pipe' (stream_base* src) synchronously; 'unpipe'
/// (stream_base* src, unpipe_info&) when the pipe is undone, which happens at dest's
/// 'finish' or 'close', at dest's 'error', at src's 'end' with end:false, or by unpipe().
/// Several destinations may be piped from one source: it resumes when every destination
/// that returned false has drained (Node's awaitDrainWriters).
///
/// pipe() keeps Node's weaker semantics: an error of `dest` only unpipes it (and is still
/// emitted on dest; with no other 'error' listener it is thrown, as Node throws it), an error
/// or premature close of `src` is not forwarded and `dest` is not ended or destroyed. Use
/// pipeline() to tear everything down on failure.
///
/// Chunks are passed on as they are (the same costream::buffer, no copy). A byte source with
/// set_encoding() called before pipe() passes strings (its decoded text) to dest.write().
/// Lifetime: `dest` is kept alive while piped; the pipe does not keep `src` alive.
///
///     costream::stream::pipe(*file_reader, *socket_writer);
template <class Src, class Dst>
requires detail::pipe_source<Src> && std::derived_from<Dst, stream_base> Dst&
pipe(Src& src_in, Dst& dest, pipe_options opts = {}) {
    using Chunk = typename Src::chunk_type;
    using R = basic_readable<Chunk>;
    using state_t = detail::pipe_source_state<Chunk>;
    using entry_t = detail::pipe_entry<Chunk, Dst>;
    R& src = src_in;
    ptr<stream_base> keep_src(&src), keep_dest(&dest);

    state_t* existing = state_t::find(src);
    std::shared_ptr<state_t> st =
        existing ? existing->shared_from_this() : std::make_shared<state_t>(&src);

    // node: a second pipe switches awaitDrainWriters to a set holding the current writer.
    if (st->pipes.size() == 1 && !st->multi) st->multi = true;
    st->pipes.push_back(keep_dest);

    auto e = std::make_shared<entry_t>();
    e->state = st;
    e->src = &src;
    e->dest = &dest;
    event_emitter& d = dest;

    // node: endFn = doEnd ? onend : unpipe
    auto end_fn = [e, do_end = opts.end] {
        if (do_end) {
            e->dest->end();
        } else {
            e->unpipe();
        }
    };
    if (src.readable_state_bits() & detail::k_end_emitted)
        src.get_loop().next_tick([end_fn, keep_src, keep_dest] { end_fn(); });
    else
        e->s_end = src.once("end", end_fn);

    // node: onunpipe
    e->d_unpipe = d.on("unpipe", [e](stream_base* readable, unpipe_info& info) {
        if (readable == static_cast<stream_base*>(e->src) && e->src != nullptr &&
            !info.has_unpiped) {
            info.has_unpiped = true;
            e->cleanup();
        }
    });

    // node: ondata
    if constexpr (R::byte_chunks) {
        if (src.readable_encoding()) {
            e->s_data = src.on(
                "data", [g = detail::pipe_source_guard<Chunk, Dst>(e)](const std::string& text) {
                    entry_t* p = g.e.get();
                    bool ok;
                    if constexpr (requires { p->dest->write(std::string_view(text)); })
                        ok = p->dest->write(std::string_view(text));
                    else
                        ok = p->dest->write(costream::buffer::from(text));
                    if (!ok) p->pause();
                });
        }
    }
    if (!e->s_data) {
        e->s_data =
            src.on("data", [g = detail::pipe_source_guard<Chunk, Dst>(e)](const Chunk& chunk) {
                entry_t* p = g.e.get();
                if (!p->dest->write(chunk)) p->pause();
            });
        // The same ondata, typed, for chunks the source does not keep (moved into write()):
        // the source calls it instead of emitting while this listener is its only one.
        src.set_readable_pipe_data(e->s_data, &entry_t::ondata_consumed, e.get());
    }

    // node: onerror, attached before userland 'error' listeners
    e->d_error = d.prepend_listener("error", [e](const boost::system::error_code& er) {
        Dst& dst = *e->dest;
        ptr<stream_base> keep(&dst);
        e->unpipe();
        static_cast<event_emitter&>(dst).off("error", e->d_error);
        if (dst.listener_count("error") == 0) {
            bool error_emitted = true;
            if constexpr (requires { dst.writable_state_bits(); })
                error_emitted = (dst.writable_state_bits() & detail::k_error_emitted) != 0;
            else if constexpr (requires { dst.readable_state_bits(); })
                error_emitted = (dst.readable_state_bits() & detail::k_error_emitted) != 0;
            if (!error_emitted)
                dst.destroy(er); // node: errorOrDestroy(dest, er) (autoDestroy)
            else
                // node: dest.emit('error', er) without a listener throws it
                throw detail::unhandled_error(er, dst.errored_exception());
        }
    });

    // node: onclose / onfinish, each undoing the other
    e->d_close = d.once("close", [e] {
        static_cast<event_emitter&>(*e->dest).off("finish", e->d_finish);
        e->unpipe();
    });
    e->d_finish = d.once("finish", [e] {
        static_cast<event_emitter&>(*e->dest).off("close", e->d_close);
        e->unpipe();
    });

    stream_base* s = &src;
    static_cast<stream_base&>(dest).guard([&] { d.emit("pipe", s); });

    // node: start the flow if it has not been started already
    bool need_drain = false;
    if constexpr (requires { dest.writable_need_drain(); }) need_drain = dest.writable_need_drain();
    if (need_drain)
        e->pause();
    else if (!(src.readable_state_bits() & detail::k_flowing))
        src.resume();
    return dest;
}

/// Node's readable.unpipe(): undoes every pipe of `src` (each destination emits 'unpipe')
/// and pauses `src`. Returns `src`.
template <class Src>
requires detail::pipe_source<Src> Src& unpipe(Src& src) {
    detail::unpipe_impl<typename Src::chunk_type>(src, nullptr);
    return src;
}

/// Node's readable.unpipe(destination): undoes the (first) pipe into `dest`; pauses `src`
/// when it was the last one. Does nothing if `dest` is not piped from `src`. Returns `src`.
template <class Src, class Dst>
requires detail::pipe_source<Src> && std::derived_from<Dst, stream_base> Src& unpipe(Src& src,
                                                                                     Dst& dest) {
    detail::unpipe_impl<typename Src::chunk_type>(src, static_cast<stream_base*>(&dest));
    return src;
}

/// pipe() on stream handles; returns the destination handle.
template <class Src, class Dst>
requires detail::pipe_source<Src> && std::derived_from<Dst, stream_base>
const ptr<Dst>& pipe(const ptr<Src>& src, const ptr<Dst>& dest, pipe_options opts = {}) {
    pipe(*src, *dest, opts);
    return dest;
}

// ---- basic_readable's pipe members (declared in readable.hpp) ------------------------------

template <class Chunk>
template <class Dst>
Dst& basic_readable<Chunk>::pipe(Dst& dest, const pipe_options& opts) {
    return stream::pipe(*this, dest, opts);
}

template <class Chunk>
template <class Dst>
Dst& basic_readable<Chunk>::pipe(Dst& dest) {
    return stream::pipe(*this, dest, pipe_options{});
}

template <class Chunk>
basic_readable<Chunk>& basic_readable<Chunk>::unpipe() {
    detail::unpipe_impl<Chunk>(*this, nullptr);
    return *this;
}

template <class Chunk>
template <class Dst>
basic_readable<Chunk>& basic_readable<Chunk>::unpipe(Dst& dest) {
    detail::unpipe_impl<Chunk>(*this, static_cast<stream_base*>(&dest));
    return *this;
}

} // namespace costream::stream
