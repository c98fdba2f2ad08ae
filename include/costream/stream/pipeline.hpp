// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/pipeline.hpp: pipeline(), Node's stream.pipeline / stream/promises pipeline
// (lib/internal/streams/pipeline.js) as an Asio operation.
#pragma once

#include <costream/abort_signal.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/detail/small_function.hpp>
#include <costream/stream/detail/state.hpp>
#include <costream/stream/finished.hpp>
#include <costream/stream/pass_through.hpp>
#include <costream/stream/pipe.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stage.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/writable.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace costream::stream {

/// Options of pipeline() (Node's stream/promises pipeline options).
struct pipeline_options {
    /// Node's `signal`: aborting it destroys every stage with ABORT_ERR (Node's AbortError)
    /// and fails the pipeline with it.
    std::optional<abort_signal> signal{};
    /// Node's `end`: end() the last stream when the data is through (default). With false
    /// the last stream stays open and is not destroyed on success.
    bool end = true;
};

namespace detail {

template <class C>
C readable_chunk_probe(const basic_readable<C>*);
template <class C>
C writable_chunk_probe(const basic_writable<C>*);
/// The chunk type of S's readable side (S derives from exactly one basic_readable<C>).
template <class S>
using readable_chunk_t = decltype(readable_chunk_probe(std::declval<const S*>()));
/// The chunk type of S's writable side.
template <class S>
using writable_chunk_t = decltype(writable_chunk_probe(std::declval<const S*>()));

template <class T>
struct is_ptr : std::false_type {};
template <class T>
struct is_ptr<ptr<T>> : std::true_type {};

/// A stream stage argument: a stream (lvalue) or a ptr to one.
template <class A>
concept stream_arg =
    std::derived_from<std::remove_cvref_t<A>, stream_base> || is_ptr<std::remove_cvref_t<A>>::value;

template <class A>
struct stream_of {
    using type = std::remove_cvref_t<A>;
};
template <class T>
struct stream_of<ptr<T>> {
    using type = T;
};
template <class A>
using stream_of_t = typename stream_of<std::remove_cvref_t<A>>::type;

template <class A>
ptr<stream_of_t<A>> to_ptr(A&& a) {
    if constexpr (is_ptr<std::remove_cvref_t<A>>::value)
        return a;
    else
        return ptr<stream_of_t<A>>(&a);
}

template <class T>
struct is_stage_reader : std::false_type {};
template <class T>
struct is_stage_reader<stage_reader<T>> : std::true_type {};

template <class T>
struct is_stage_writer : std::false_type {
    using chunk_type = void;
};
template <class T>
struct is_stage_writer<stage_writer<T>> : std::true_type {
    using chunk_type = T;
};

template <class F, class = void>
struct fn_stage_traits {
    static constexpr bool is_stage = false;
};
template <class F>
struct fn_stage_traits<F, std::enable_if_t<costream::detail::ev::callable_params<F>::deducible>> {
    template <class L>
    struct info {
        static constexpr bool is_stage = false;
    };
    template <class I>
    struct info<costream::detail::ev::param_list<I>> {
        static constexpr bool is_stage = is_stage_reader<std::decay_t<I>>::value;
        static constexpr bool is_sink = true;
        using reader = std::decay_t<I>;
        using out_chunk = void;
    };
    template <class I, class W>
    struct info<costream::detail::ev::param_list<I, W>> {
        static constexpr bool is_stage =
            is_stage_reader<std::decay_t<I>>::value && is_stage_writer<std::decay_t<W>>::value;
        static constexpr bool is_sink = false;
        using reader = std::decay_t<I>;
        using out_chunk = typename is_stage_writer<std::decay_t<W>>::chunk_type;
    };
    using i = info<typename costream::detail::ev::callable_params<F>::list>;
    static constexpr bool is_stage = i::is_stage;
};

/// A function stage: `promise<R>(stage_reader<C>)` (a sink) or
/// `promise<void>(stage_reader<C>, stage_writer<U>)` (a transform).
template <class F>
concept fn_stage = fn_stage_traits<std::remove_cvref_t<F>>::is_stage;

template <class A>
concept stage_arg = stream_arg<A> || fn_stage<A>;

template <class T>
struct promise_value_of;
template <class T>
struct promise_value_of<costream::promise<T>> {
    using type = T;
};

} // namespace detail

namespace detail {

/// node: pipelineImpl's closure: the first error, the sink's value, the destroyers, the
/// finish count and the user's callback.
template <class Value>
struct pipeline_state : std::enable_shared_from_this<pipeline_state<Value>> {
    using value_type = Value;
    boost::system::error_code error;
    std::conditional_t<std::is_void_v<Value>, char, std::optional<Value>> value{};
    std::vector<stream::detail::small_function<void(const boost::system::error_code&)>> destroys;
    std::vector<stream::detail::small_function<void()>> last_stream_cleanup;
    std::vector<ptr<stream_base>> streams; // kept alive until the end
    int finish_count = 0;
    bool done = false;
    costream::loop* loop = nullptr;
    abort_controller ac; // node: the signal handed to function stages
    std::optional<abort_signal> outer;
    listener_id outer_id;
    stream::detail::small_function<void(const boost::system::error_code&)> callback;

    // node: finish(err)
    void finish(const boost::system::error_code& err = {}) {
        finish_impl(err, --finish_count == 0);
    }

    // node: finishImpl(err, final)
    void finish_impl(const boost::system::error_code& err, bool final) {
        auto keep = this->shared_from_this();
        if (err && (!error || error == errc::stream_premature_close)) error = err;
        if (!error && !final) return;
        while (!destroys.empty()) {
            auto d = std::move(destroys.front());
            destroys.erase(destroys.begin());
            d(error);
        }
        if (outer) {
            outer->off_abort(outer_id);
            outer.reset();
        }
        ac.abort();
        if (final && !done) {
            done = true;
            if (!error)
                for (auto& f : last_stream_cleanup)
                    f();
            last_stream_cleanup.clear();
            // node: process.nextTick(callback, error, value): the error as it is now; one
            // that a destroyed stage reports afterwards (its 'error' tick runs first) is
            // not the pipeline's.
            loop->next_tick([self = keep, err = error] {
                auto cb = std::move(self->callback);
                self->callback.reset();
                self->streams.clear();
                if (cb) cb(err);
            });
        }
    }

    void abort() { finish_impl(make_error_code(errc::abort_err), false); }
};

// node: pipeline.js destroyer(stream, reading, writing)
template <class S, class State>
void add_destroyer(State& st, S& s, bool reading, bool writing, bool last) {
    auto finished_flag = std::make_shared<bool>(false);
    static_cast<event_emitter&>(s).on("close", [finished_flag] { *finished_flag = true; });
    auto es = eos(s, finished_options{.readable = reading, .writable = writing},
                  [finished_flag](const boost::system::error_code& err) { *finished_flag = !err; });
    S* sp = &s;
    st.destroys.push_back([finished_flag, sp](const boost::system::error_code& err) {
        if (*finished_flag) return;
        *finished_flag = true;
        // node: destroyImpl.destroyer(stream, err || ERR_STREAM_DESTROYED('pipe'))
        if (sp->destroyed()) return;
        sp->destroy(err ? err : make_error_code(errc::stream_destroyed));
    });
    if (last && eos_query<S>::readable(s))
        st.last_stream_cleanup.push_back([es] { es->cleanup(); });
}

// node: pipeline.js onError
template <class S, class State>
void add_on_error(State& st, S& s, bool last) {
    auto self = st.shared_from_this();
    auto id = static_cast<event_emitter&>(s).on(
        "error", [w = std::weak_ptr<State>(self)](const boost::system::error_code& err) {
            if (err && err != errc::abort_err && err != errc::stream_premature_close)
                if (auto p = w.lock()) p->finish(err);
        });
    if (last && eos_query<S>::readable(s)) {
        S* sp = &s;
        st.last_stream_cleanup.push_back(
            [sp, id] { static_cast<event_emitter&>(*sp).off("error", id); });
    }
}

// node: pipeline.js pipe(src, dst, finish, { end })
template <class Src, class Dst, class State>
void pipe_stage(State& st, Src& src, Dst& dst, bool end, bool last) {
    auto self = st.shared_from_this();
    auto ended = std::make_shared<bool>(false);
    static_cast<event_emitter&>(dst).on("close", [self, ended] {
        if (!*ended) self->finish(make_error_code(errc::stream_premature_close));
    });
    // Through the readable base: a duplex stage has two chunk_type members (one per side).
    basic_readable<readable_chunk_t<Src>>& src_r = src;
    stream::pipe(src_r, dst, pipe_options{.end = false});
    if (end) {
        Dst* dp = &dst;
        auto end_fn = [ended, dp] {
            *ended = true;
            dp->end();
        };
        if (src.readable_state_bits() & stream::detail::k_end_emitted)
            src.get_loop().next_tick([end_fn, keep = ptr<Dst>(&dst)] { end_fn(); });
        else
            src.once("end", end_fn);
    } else {
        st.finish();
    }
    Src* sp = &src;
    eos(src, finished_options{.readable = true, .writable = false},
        [self, sp](const boost::system::error_code& err) {
            const auto bits = sp->readable_state_bits();
            if (err == errc::stream_premature_close && (bits & stream::detail::k_ended) &&
                !(bits & stream::detail::k_errored) && !(bits & stream::detail::k_error_emitted)) {
                // node: a readable that emits 'close' before 'end'
                sp->once("end", [self] { self->finish(); });
                sp->once("error", [self](const boost::system::error_code& e) { self->finish(e); });
            } else {
                self->finish(err);
            }
        });
    auto es = eos(dst, finished_options{.readable = false, .writable = true},
                  [self](const boost::system::error_code& err) { self->finish(err); });
    if (last && eos_query<Dst>::readable(dst))
        st.last_stream_cleanup.push_back([es] { es->cleanup(); });
}

/// node: pipeline.js pumpToNode(iterable, writable, finish, { end }): writes what a
/// function stage yields into the next stream, waiting for 'drain' when write() says so.
struct pump_wait {
    std::coroutine_handle<> waiter;
    boost::system::error_code error;
    costream::loop* loop = nullptr;

    // node: resume(err)
    void resume(const boost::system::error_code& err) {
        if (err) error = err;
        if (auto h = std::exchange(waiter, nullptr)) loop->queue_microtask_resume(h);
    }
    // node: await wait(): rejects with the error once there is one
    struct awaiter {
        pump_wait* w;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            if (w->error)
                w->loop->queue_microtask_resume(h);
            else
                w->waiter = h;
        }
        void await_resume() const {
            if (w->error) throw boost::system::system_error(w->error);
        }
    };
    awaiter wait() { return awaiter{this}; }
};

template <class T, class W, class State>
costream::promise<void> pump_to_stream(stage_reader<T> in, ptr<W> w, std::shared_ptr<State> st,
                                       bool end) {
    auto pw = std::make_shared<pump_wait>();
    pw->loop = &w->get_loop();
    auto drain_id = static_cast<event_emitter&>(*w).on("drain", [pw] { pw->resume({}); });
    auto es = eos(*w, finished_options{.readable = false},
                  [pw](const boost::system::error_code& err) { pw->resume(err); });
    boost::system::error_code failed;
    try {
        if (w->writable_need_drain()) co_await pw->wait();
        for (;;) {
            std::optional<T> chunk = co_await in.next();
            if (!chunk) break;
            if (!w->write(std::move(*chunk))) co_await pw->wait();
        }
        if (end) {
            w->end();
            co_await pw->wait();
        }
    } catch (...) {
        failed = error_code_of(std::current_exception());
    }
    st->finish(failed);
    es->cleanup();
    static_cast<event_emitter&>(*w).off("drain", drain_id);
}

/// Runs a sink function stage and reports to the pipeline (node: the `then` branch).
template <class F, class It, class State>
costream::promise<void> run_sink(F f, It in, std::shared_ptr<State> st) {
    using V = typename State::value_type;
    std::exception_ptr err;
    try {
        if constexpr (std::is_void_v<V>) {
            co_await f(std::move(in));
        } else {
            V v = co_await f(std::move(in));
            st->value.emplace(std::move(v));
        }
    } catch (...) {
        err = std::current_exception();
    }
    boost::system::error_code ec;
    if (err) ec = error_code_of(err);
    st->loop->next_tick([st, ec] { st->finish(ec); });
}

/// Whether F is a transform function stage (Node: an async generator function).
template <class F>
constexpr bool is_transform_fn() {
    if constexpr (fn_stage<F>)
        return !fn_stage_traits<std::remove_cvref_t<F>>::i::is_sink;
    else
        return false;
}

template <class Last>
struct sink_value {
    using type = void;
};
template <class F>
requires(fn_stage<F>&& fn_stage_traits<std::remove_cvref_t<F>>::i::is_sink) struct sink_value<F> {
    using iter = typename fn_stage_traits<std::remove_cvref_t<F>>::i::reader;
    using type = typename promise_value_of<std::invoke_result_t<F&, iter>>::type;
};

/// A transform function stage's output as builder's `prev` (Node's `ret`, an async
/// generator object).
template <class P>
struct is_fn_output : std::false_type {};
template <class T>
struct is_fn_output<std::shared_ptr<fn_channel<T>>> : std::true_type {};

template <class P>
struct chunk_of {
    using type = readable_chunk_t<typename P::element_type>;
};
template <class T>
struct chunk_of<std::shared_ptr<fn_channel<T>>> {
    using type = T;
};
/// The chunk type that `prev` (a stream ptr or a function stage's output) yields.
template <class P>
using chunk_of_t = typename chunk_of<P>::type;

/// The stage_reader a function stage gets for `prev` (node: makeAsyncIterable(ret)).
template <class P>
stage_reader<chunk_of_t<std::remove_cvref_t<P>>> reader_of(P&& prev) {
    using C = chunk_of_t<std::remove_cvref_t<P>>;
    if constexpr (is_fn_output<std::remove_cvref_t<P>>::value)
        return stage_reader<C>(std::forward<P>(prev));
    else
        return stage_reader<C>(ptr<basic_readable<C>>(prev.get()));
}

/// Walks the stages left to right (node: pipelineImpl's loop), `prev` being the output of
/// the stages so far (Node's `ret`): a stream, or a transform function stage's channel.
template <class State>
struct builder {
    std::shared_ptr<State> st;
    bool end_last;
    std::size_t n;

    template <class S>
    void register_stream(S& s, std::size_t i) {
        const bool reading = i < n - 1;
        const bool writing = i > 0;
        const bool end = reading || end_last;
        const bool last = i == n - 1;
        st->streams.push_back(ptr<stream_base>(&s));
        if (end) add_destroyer(*st, s, reading, writing, last);
        add_on_error(*st, s, last);
    }

    template <class Prev>
    void step(std::size_t, Prev&&) {}

    template <class Prev, class A, class... Rest>
    void step(std::size_t i, Prev&& prev, A&& a, Rest&&... rest) {
        const bool reading = i < n - 1;
        const bool end = reading || end_last;
        const bool last = i == n - 1;
        if constexpr (stream_arg<A>) {
            auto s = to_ptr(std::forward<A>(a));
            register_stream(*s, i);
            if constexpr (is_fn_output<std::remove_cvref_t<Prev>>::value) {
                // node: pumpToNode(ret, stream, finish, { end }): starts pulling at once
                st->finish_count += 1;
                using T = chunk_of_t<std::remove_cvref_t<Prev>>;
                pump_to_stream(stage_reader<T>(std::forward<Prev>(prev)), s, st, end);
            } else {
                st->finish_count += 2;
                pipe_stage(*st, *prev, *s, end, last);
            }
            step(i + 1, s, std::forward<Rest>(rest)...);
        } else {
            using traits = typename fn_stage_traits<std::remove_cvref_t<A>>::i;
            using C = typename traits::reader::chunk_type;
            static_assert(std::is_same_v<C, chunk_of_t<std::remove_cvref_t<Prev>>>,
                          "costream::stream::pipeline: a function stage's stage_reader must "
                          "read the previous stage's chunk type");
            stage_reader<C> in = reader_of(prev);
            if constexpr (traits::is_sink) {
                static_assert(sizeof...(Rest) == 0,
                              "costream::stream::pipeline: a sink function must be the last stage");
                st->finish_count += 1;
                run_sink(std::forward<A>(a), std::move(in), st);
            } else {
                // node: ret = stream(ret, { signal }): the generator object; its body runs
                // when the next stage first pulls.
                using T = typename traits::out_chunk;
                using F = std::remove_cvref_t<A>;
                auto ch = std::make_shared<fn_channel_of<T, F, C>>(*st->loop, std::forward<A>(a),
                                                                   std::move(in));
                static_assert(sizeof...(Rest) > 0); // pipeline_with appends a PassThrough
                step(i + 1, std::shared_ptr<fn_channel<T>>(std::move(ch)),
                     std::forward<Rest>(rest)...);
            }
        }
    }

    template <class A, class... Rest>
    void start(A&& a, Rest&&... rest) {
        static_assert(stream_arg<A>,
                      "costream::stream::pipeline: the first stage must be a stream");
        auto s = to_ptr(std::forward<A>(a));
        register_stream(*s, 0);
        step(1, s, std::forward<Rest>(rest)...);
    }
};

template <class Value>
struct completion_sig {
    using type = void(boost::system::error_code, Value);
};
template <>
struct completion_sig<void> {
    using type = void(boost::system::error_code);
};

template <class Value, class... Stages>
struct initiate_pipeline {
    template <class Handler, class Tuple>
    void operator()(Handler&& handler, Tuple stages, pipeline_options opts) const {
        using H = std::decay_t<Handler>;
        using state_t = pipeline_state<Value>;
        auto st = std::make_shared<state_t>();
        st->loop = &costream::loop::current();
        auto ex = boost::asio::get_associated_executor(handler, st->loop->get_executor());
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        auto box = std::make_shared<std::optional<H>>(std::forward<Handler>(handler));
        std::weak_ptr<state_t> w = st;
        st->callback = [box, ex, w](const boost::system::error_code& ec) {
            if (!*box) return;
            auto slot2 = boost::asio::get_associated_cancellation_slot(**box);
            if (slot2.is_connected()) slot2.clear();
            H h = std::move(**box);
            box->reset();
            auto s = w.lock();
            if constexpr (std::is_void_v<Value>) {
                boost::asio::dispatch(ex, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
            } else {
                Value v{};
                if (s && s->value && !ec) v = std::move(*s->value);
                boost::asio::dispatch(ex, [h = std::move(h), ec, v = std::move(v)]() mutable {
                    std::move(h)(ec, std::move(v));
                });
            }
        };
        if (opts.signal) {
            st->outer = opts.signal;
            st->outer_id = st->outer->on_abort([w] {
                if (auto s = w.lock()) s->abort();
            });
        }
        if (slot.is_connected()) {
            slot.assign([w](boost::asio::cancellation_type) {
                if (auto s = w.lock()) s->abort();
            });
        }
        builder<state_t> b{st, opts.end, std::tuple_size_v<Tuple>};
        std::apply([&](auto&... s) { b.start(s...); }, stages);
        // node: an already aborted signal aborts on the next tick
        if (opts.signal && opts.signal->aborted()) st->loop->next_tick([st] { st->abort(); });
    }
};

template <class T>
constexpr bool is_options_v = std::is_same_v<std::remove_cvref_t<T>, pipeline_options>;

template <class Value, class Token>
constexpr bool returns_void_token_v = std::is_void_v<typename boost::asio::async_result<
    std::decay_t<Token>, typename completion_sig<Value>::type>::return_type>;

template <class Value, class Last, class Token, class Tuple>
auto launch(Tuple&& stages, pipeline_options opts, Token&& token, Last& last) {
    using sig = typename completion_sig<Value>::type;
    if constexpr (returns_void_token_v<Value, Token>) {
        boost::asio::async_initiate<Token, sig>(initiate_pipeline<Value>{}, token,
                                                std::forward<Tuple>(stages), std::move(opts));
        // node: pipeline() returns the last stream
        if constexpr (stream_arg<Last>)
            return to_ptr(last);
        else
            return;
    } else {
        (void)last;
        return boost::asio::async_initiate<Token, sig>(
            initiate_pipeline<Value>{}, token, std::forward<Tuple>(stages), std::move(opts));
    }
}

template <std::size_t... I, class Tuple>
auto take(Tuple&& t, std::index_sequence<I...>) {
    return std::tuple<std::tuple_element_t<I, std::remove_reference_t<Tuple>>...>(
        std::get<I>(std::forward<Tuple>(t))...);
}

} // namespace detail

/// pipeline() with the stages in a tuple (of references or ptrs), options and a token.
template <class Tuple, class CompletionToken>
auto pipeline_with(Tuple&& stages, pipeline_options opts, CompletionToken&& token) {
    constexpr std::size_t n = std::tuple_size_v<std::remove_reference_t<Tuple>>;
    static_assert(n >= 2,
                  "costream::stream::pipeline: at least two stages (Node: ERR_MISSING_ARGS)");
    using last_t = std::tuple_element_t<n - 1, std::remove_reference_t<Tuple>>;
    if constexpr (detail::is_transform_fn<last_t>()) {
        // node: a last stage that is a generator function is pumped into a PassThrough in
        // object mode, which pipeline() returns: so it is one more stream stage here.
        using T = typename detail::fn_stage_traits<std::remove_cvref_t<last_t>>::i::out_chunk;
        auto pt = make<basic_pass_through<T>>(duplex_options{.object_mode = true});
        return pipeline_with(std::tuple_cat(std::forward<Tuple>(stages), std::forward_as_tuple(pt)),
                             std::move(opts), std::forward<CompletionToken>(token));
    } else {
        using value_t = typename detail::sink_value<last_t>::type;
        auto& last = std::get<n - 1>(stages);
        return detail::launch<value_t, last_t>(std::forward<Tuple>(stages), std::move(opts),
                                               std::forward<CompletionToken>(token), last);
    }
}

/// Node's stream.pipeline(source, ...transforms, destination, callback) and
/// stream/promises pipeline(...), as one Asio initiating function.
///
/// Arguments: the stages, then optionally pipeline_options, then optionally a completion
/// token (default: costream::use_promise, so `co_await pipeline(a, b, c)` works, as Node's
/// promise flavour). Completion signature void(error_code), or void(error_code, R) when the
/// last stage is a sink function returning promise<R> (Node resolves with the sink's value).
/// With a callback token, pipeline() returns the last stream (a ptr), as Node does.
///
/// Stage kinds:
/// - streams (a stream or a ptr to one): the first is a readable, the middle ones duplex or
///   transform streams, the last a writable; consecutive streams are connected with pipe()
///   (backpressure through write() and 'drain'), chunks pass through unchanged (no copy);
/// - a transform function `promise<void> f(basic_readable<C>::async_iterator in,
///   stage_writer<U> out)`: reads the previous stage with `co_await in.next()` and writes
///   with `co_await out.write(u)` (Node's async generator stage; the output is a readable in
///   object mode with highWaterMark 1, as Readable.from makes it);
/// - a sink function `promise<R> f(basic_readable<C>::async_iterator in)`, last: its value is
///   the pipeline's value (Node's async function destination).
/// Function stages report failure by throwing: the pipeline's error is error_code_of(e) (a
/// boost::system::system_error's code, else exception_category()'s). A listener or hook of
/// a stream stage that throws destroys that stage with the exception (errored_exception()),
/// which fails the pipeline the same way.
///
/// Semantics (Node's pipeline.js): when all stages are done, every stream is destroyed
/// (closed) and the completion runs on the next tick; when a stage fails, every stage is
/// destroyed with that error (each emits 'error' then 'close') and the first error is
/// reported, once. A premature close is reported only if nothing better is known.
///
/// Cancellation: `options.signal` (an abort_signal) or the handler's Asio cancellation slot
/// (asio::bind_cancellation_slot, any cancellation type) destroys every stage with
/// errc::abort_err (Node's AbortError, code ABORT_ERR) and completes with it.
///
///     co_await costream::stream::pipeline(file, gzip, socket);
///     auto n = co_await costream::stream::pipeline(src, count_bytes);  // a sink function
template <class... Args>
requires(sizeof...(Args) >= 2) auto pipeline(Args&&... args) {
    constexpr std::size_t n = sizeof...(Args);
    auto all = std::forward_as_tuple(std::forward<Args>(args)...);
    using last_t = std::tuple_element_t<n - 1, std::tuple<Args...>>;
    if constexpr (detail::stage_arg<last_t> || detail::is_options_v<last_t>) {
        // no token: the default
        if constexpr (detail::is_options_v<last_t>) {
            return pipeline_with(detail::take(std::move(all), std::make_index_sequence<n - 1>{}),
                                 std::get<n - 1>(all), costream::use_promise);
        } else {
            return pipeline_with(std::move(all), pipeline_options{}, costream::use_promise);
        }
    } else {
        using before_t = std::tuple_element_t<n - 2, std::tuple<Args...>>;
        if constexpr (detail::is_options_v<before_t>) {
            return pipeline_with(detail::take(std::move(all), std::make_index_sequence<n - 2>{}),
                                 std::get<n - 2>(all), std::get<n - 1>(all));
        } else {
            return pipeline_with(detail::take(std::move(all), std::make_index_sequence<n - 1>{}),
                                 pipeline_options{}, std::get<n - 1>(all));
        }
    }
}

} // namespace costream::stream
