// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/readable_async.hpp: basic_readable's coroutine surface (async_read, iterate),
// Node's createAsyncIterator. Included by readable.hpp; not a public header on its own.
#pragma once

#include <costream/config.hpp>
#include <costream/stream/readable.hpp>

#include <boost/asio/async_result.hpp>

#include <coroutine>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace costream::stream {

template <class T>
class stage_reader;

namespace detail {
/// Where one awaited next() of a stage_reader puts its result before its coroutine is
/// resumed: the chunk (empty at the end), a stream's error, or `failed`: the function stage
/// it reads threw (the exception waits in that stage's channel; no exception_ptr is made
/// and destroyed per chunk).
template <class T>
struct next_slot {
    std::coroutine_handle<> h;
    std::optional<T> value;
    boost::system::error_code ec;
    bool failed = false;
};
} // namespace detail

// ---- async iteration (node: readable.js createAsyncIterator) ---------------------------

/// Shared state of one iteration: Node's `callback` and `error` variables of
/// createAsyncIterator, plus the listener registrations (the stream's listeners keep it).
template <class Chunk>
struct basic_readable<Chunk>::iter_state
    : std::enable_shared_from_this<typename basic_readable<Chunk>::iter_state> {
    enum class status { pending, done, failed }; // error: undefined / null / an error
    basic_readable* stream = nullptr;
    status st = status::pending;
    boost::system::error_code error;
    // Pending next() calls (Node's `callback`; Node's async generator queues next() calls,
    // so several may wait). A waiter holds its completion handler but no reference on the
    // stream or on this state: if everything else lets go of the stream, the waiter goes
    // with it instead of keeping a cycle alive.
    std::vector<detail::small_function<void(iter_state&)>> waiters;
    bool eos_called = false;
    bool will_emit_close = false;
    bool readable_finished = false;
    listener_id on_readable, on_end, on_error, on_close;

    // node: `callback()`: resumes every pending next(), each as a microtask.
    void wake() {
        if (waiters.empty()) return;
        auto ws = std::move(waiters);
        waiters.clear();
        for (auto& w : ws)
            w(*this);
    }

    // node: end-of-stream.js callback, wrapped in once()
    void eos_done(const boost::system::error_code& ec) {
        if (eos_called) return;
        eos_called = true;
        if (ec) {
            if (st != status::failed) error = ec; // aggregateTwoErrors keeps the first
            st = status::failed;
        } else if (st != status::failed) {
            st = status::done;
        }
        wake();
    }
};

template <class Chunk>
class basic_readable_iter_access {
public:
    using R = basic_readable<Chunk>;
    using state = typename R::iter_state;

    // node: createAsyncIterator's setup: stream.on('readable', next) and
    // eos(stream, {writable: false}, ...).
    static std::shared_ptr<state> start(R* r) {
        auto st = std::make_shared<state>();
        st->stream = r;
        state* raw = st.get();
        st->on_readable = r->on("readable", [st] { st->wake(); });
        // node: end-of-stream.js for a readable-only view of the stream
        const auto& rs = r->rstate_;
        st->will_emit_close = rs.has(detail::k_auto_destroy) && rs.has(detail::k_emit_close) &&
                              !rs.has(detail::k_closed) && r->ws_ == nullptr;
        st->readable_finished =
            rs.has(detail::k_end_emitted) || (rs.has(detail::k_ended) && r->length_ == 0);
        st->on_end = r->event_emitter::on("end", [raw] {
            raw->readable_finished = true;
            if (raw->stream->destroyed()) raw->will_emit_close = false;
            if (raw->will_emit_close) return;
            raw->eos_done({});
        });
        st->on_error = r->event_emitter::on(
            "error", [raw](const boost::system::error_code& ec) { raw->eos_done(ec); });
        st->on_close = r->event_emitter::on("close", [raw] { on_close(raw); });
        if (rs.has(detail::k_closed)) {
            r->next_tick([st, s = ptr<R>(r)] { on_close(st.get()); });
        } else if (rs.has(detail::k_error_emitted)) {
            if (!st->will_emit_close) r->next_tick([st, s = ptr<R>(r)] { on_close(st.get()); });
        } else if ((!st->will_emit_close || r->is_readable()) &&
                   (st->readable_finished || !r->is_readable())) {
            r->next_tick([st, s = ptr<R>(r)] { on_close(st.get()); });
        }
        return st;
    }

    // node: end-of-stream.js onclose
    static void on_close(state* st) {
        R* r = st->stream;
        const auto& rs = r->rstate_;
        if (rs.errored()) return st->eos_done(rs.errored_value);
        if (!st->readable_finished) {
            if (!(rs.has(detail::k_end_emitted) || (rs.has(detail::k_ended) && r->length_ == 0)))
                return st->eos_done(make_error_code(errc::stream_premature_close));
        }
        st->eos_done({});
    }

    static void cleanup(state* st) {
        R* r = st->stream;
        r->off("readable", st->on_readable);
        r->event_emitter::off("end", st->on_end);
        r->event_emitter::off("error", st->on_error);
        r->event_emitter::off("close", st->on_close);
        st->eos_called = true; // node: cleanup() makes the eos callback a nop
    }

    // node: createAsyncIterator's finally block.
    static void finish(state* st, bool destroy_on_return) {
        R* r = st->stream;
        using status = typename state::status;
        if ((st->st == status::failed || destroy_on_return) &&
            (st->st == status::pending || r->rstate_.has(detail::k_auto_destroy))) {
            r->destroyer({});
        } else {
            cleanup(st);
        }
    }

    // node: createAsyncIterator's `stream.read()`. Node's read() concatenates everything
    // buffered (a copy); where the stream offers read_chunk() (the front chunk as it was
    // pushed, same state transitions), byte streams use it so that iteration never copies.
    static std::optional<Chunk> next_chunk(R* r) {
        if constexpr (R::byte_chunks && requires { r->read_chunk(); })
            return r->read_chunk();
        else
            return r->read();
    }

    // One turn of createAsyncIterator's `while (true)` loop. `first` is true inside the
    // initiating call, where completion must be deferred to a microtask.
    template <class Handler>
    static void step(const std::shared_ptr<state>& st, Handler&& handler, bool first,
                     const std::shared_ptr<bool>& finished) {
        R* r = st->stream;
        ptr<R> keep(r);
        using status = typename state::status;
        std::optional<Chunk> chunk;
        if (!r->destroyed()) chunk = next_chunk(r);
        if (chunk) {
            complete(r, std::forward<Handler>(handler), {}, std::move(chunk), first);
        } else if (st->st == status::failed) {
            if (finished && !*finished) {
                *finished = true;
                finish(st.get(), true);
            }
            complete(r, std::forward<Handler>(handler), st->error, std::nullopt, first);
        } else if (st->st == status::done) {
            if (finished && !*finished) {
                *finished = true;
                finish(st.get(), true);
            }
            complete(r, std::forward<Handler>(handler), {}, std::nullopt, first);
        } else {
            // node: await new Promise(next): resumed as a microtask by 'readable' or eos.
            st->waiters.emplace_back([finished, h = std::move(handler)](state& s) mutable {
                s.stream->get_loop().queue_microtask([sp = s.shared_from_this(),
                                                      keep = ptr<R>(s.stream), finished,
                                                      h = std::move(h)]() mutable {
                    step(std::move(sp), std::move(h), false, std::move(finished));
                });
            });
        }
    }

    template <class Handler>
    static void complete(R* r, Handler&& h, boost::system::error_code ec,
                         std::optional<Chunk> chunk, bool deferred) {
        if (deferred) {
            r->get_loop().queue_microtask(
                [h = std::forward<Handler>(h), ec, c = std::move(chunk)]() mutable {
                    std::move(h)(ec, std::move(c));
                });
        } else {
            std::forward<Handler>(h)(ec, std::move(chunk));
        }
    }
};

/// Node's async iterator over a readable (`stream[Symbol.asyncIterator]()`), as an RAII
/// object: see basic_readable::iterate(). Move-only.
template <class Chunk>
class basic_readable<Chunk>::async_iterator {
public:
    async_iterator(async_iterator&& o) noexcept = default;
    async_iterator& operator=(async_iterator&&) = delete;

    /// Leaving before the end destroys the stream (AbortError unless it had finished), as
    /// Node's iterator return() does.
    ~async_iterator() {
        if (!st_ || !stream_) return;
        st_->waiters.clear(); // a pending next() is abandoned with its caller
        if (!*finished_box_) {
            *finished_box_ = true;
            basic_readable_iter_access<Chunk>::finish(st_.get(), true);
        }
    }

    /// The next chunk, or an empty optional at the end; fails with the stream's error.
    /// Signature void(error_code, std::optional<Chunk>); default token: costream::promise.
    template <class CompletionToken = costream::use_promise_t>
    auto next(CompletionToken&& token = {}) {
        return boost::asio::async_initiate<CompletionToken,
                                           void(boost::system::error_code, std::optional<Chunk>)>(
            [](auto handler, std::shared_ptr<iter_state> st, std::shared_ptr<bool> fin) {
                basic_readable_iter_access<Chunk>::step(std::move(st), std::move(handler), true,
                                                        fin);
            },
            token, st_, finished_box_);
    }

    /// The stream being iterated.
    basic_readable& stream() const noexcept { return *stream_; }

private:
    friend class basic_readable;
    template <class>
    friend class stage_reader;

    // stage_reader's next(): the result goes into `s` and `s.h` is resumed as a microtask. No
    // promise and no allocation when a chunk is ready (the handler fits small_function).
    void next_into(detail::next_slot<Chunk>& s) {
        basic_readable_iter_access<Chunk>::step(
            st_,
            [slot = &s, l = &stream_->get_loop()](const boost::system::error_code& ec,
                                                  std::optional<Chunk> c) {
                slot->value = std::move(c);
                slot->ec = ec;
                l->queue_microtask_resume(slot->h);
            },
            false, finished_box_);
    }

    explicit async_iterator(basic_readable* r)
        : stream_(r), st_(basic_readable_iter_access<Chunk>::start(r)),
          finished_box_(std::make_shared<bool>(false)) {}

    ptr<basic_readable> stream_;
    std::shared_ptr<iter_state> st_;
    std::shared_ptr<bool> finished_box_; // shared with pending next() operations
};

template <class Chunk>
typename basic_readable<Chunk>::async_iterator basic_readable<Chunk>::iterate() {
    return async_iterator(this);
}

template <class Chunk>
template <class CompletionToken>
auto basic_readable<Chunk>::async_read(CompletionToken&& token) {
    if (!reader_) reader_ = basic_readable_iter_access<Chunk>::start(this);
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, std::optional<Chunk>)>(
        [](auto handler, std::shared_ptr<iter_state> st) {
            basic_readable_iter_access<Chunk>::step(std::move(st), std::move(handler), true,
                                                    nullptr);
        },
        token, reader_);
}

} // namespace costream::stream
