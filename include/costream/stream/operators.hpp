// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/operators.hpp: Node's stream operators on readables (lib/internal/streams/
// operators.js): map, filter, flat_map, take, drop return readables; reduce, to_array,
// for_each, some, every, find are Asio operations.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/detail/ring.hpp>
#include <costream/stream/detail/small_function.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace costream::stream {

/// Options of the operators (Node's `{ concurrency, highWaterMark, signal }`).
struct operator_options {
    /// Node's concurrency: how many calls of an asynchronous callback (one returning a
    /// costream::promise) may be in flight at once. Results keep the input order. Must be
    /// >= 1 (range_error ERR_OUT_OF_RANGE). A synchronous callback gives the same results
    /// whatever the concurrency, so it is then ignored.
    std::size_t concurrency = 1;
    /// Node's highWaterMark: how many finished results may wait for the consumer on top of
    /// the `concurrency` in flight. Default concurrency - 1, as in Node.
    std::optional<std::size_t> high_water_mark{};
    /// Node's signal: emitting this Asio cancellation slot's signal aborts the operator
    /// (its readable is destroyed with ABORT_ERR; an operation fails with ABORT_ERR).
    boost::asio::cancellation_slot signal{};
};

namespace detail {

// ---- errors ---------------------------------------------------------------------------

/// The error of an operator whose callback threw something that is not a
/// boost::system::system_error: stream::exception_category()'s (as for any stream destroyed by
/// an exception). The exception itself travels next to the code (see op_failure) and is what
/// the terminal operations rethrow.
inline boost::system::error_code callback_threw() noexcept {
    return {1, exception_category()};
}

/// Carried by operator streams: the exception a callback threw, so that consumers further
/// down rethrow the user's own exception (Node rejects with the very Error object).
struct op_failure {
    std::exception_ptr failure;
    virtual ~op_failure() = default;
};

/// The exception that reports `ec`, the error stream `s` failed with: the original
/// exception when `s` is an operator stream that caught one, else system_error(ec).
inline std::exception_ptr failure_of(stream_base* s, const boost::system::error_code& ec) {
    if (auto* f = dynamic_cast<op_failure*>(s); f && f->failure) return f->failure;
    if (auto e = s->errored_exception(); e && s->errored() == ec) return e;
    return std::make_exception_ptr(boost::system::system_error(ec));
}

/// The error_code a stream is destroyed with for exception `e`.
inline boost::system::error_code code_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
        return se.code() ? se.code() : callback_threw();
    } catch (...) {
        return callback_threw();
    }
}

// node: validators.js validateInteger message.
inline void validate_concurrency(const operator_options& o) {
    if (o.concurrency < 1)
        throw range_error(errc::out_of_range, "The value of \"options.concurrency\" is out of "
                                              "range. It must be >= 1 && <= 9007199254740991. "
                                              "Received 0");
}

// ---- callback classification ---------------------------------------------------------

template <class T>
struct promise_value {};
template <class T>
struct promise_value<costream::promise<T>> {
    using type = T;
};

/// R is costream::promise<X>.
template <class R>
inline constexpr bool is_async_result = costream::detail::is_promise<std::decay_t<R>>::value;

/// A non-owning `bool(T&&)`: where a chain stage sends its outputs; returns whether the
/// consumer wants more now (false: backpressure).
template <class T>
class emit_ref {
public:
    template <class F>
    requires(!std::is_same_v<std::decay_t<F>, emit_ref>) explicit emit_ref(F& f) noexcept
        : obj_(&f),
          fn_([](void* o, T&& v) -> bool { return (*static_cast<F*>(o))(std::move(v)); }) {}
    bool operator()(T&& v) const { return fn_(obj_, std::move(v)); }

private:
    void* obj_;
    bool (*fn_)(void*, T&&);
};

enum class pull_status { satisfied, need_wait, ended, failed, stopped, yield };

/// Input chunks a stage may take synchronously before it yields (as a microtask): Node takes
/// one chunk per promise turn. The count spans do_read calls and is reset only when the
/// stage resumes from the loop, so a consumer that reads synchronously without end (a sink
/// whose writes complete at once) still lets the tick queue drain every pump_budget chunks
/// (the next_tick callbacks each chunk schedules stay bounded), a filter that rejects
/// everything cannot read an endless source inside one call, and consumers that stop
/// (some, find, take further down) act in between.
inline constexpr std::size_t pump_budget = 16;

/// The input side of an operator stream, producing Out: the source readable and a chain of
/// synchronous steps fused into one stage (PERFORMANCE.md point 4). pull() drains what the
/// source has buffered, synchronously, through the steps; arm() waits (once) for the
/// source to have more, an end or an error.
template <class Out>
class chain {
public:
    virtual ~chain() = default;
    /// Runs buffered input through the steps into `out` until `out` returns false
    /// (satisfied), the source has nothing buffered (need_wait), ended, failed, or a step
    /// asked to stop (take). Exceptions of the steps propagate.
    virtual pull_status pull(emit_ref<Out> out, bool& stop, std::size_t& budget) = 0;
    /// The number of fused steps (diagnostics and tests).
    virtual std::size_t steps() const noexcept = 0;
    /// Calls `wake` (not inside this call) when pull() has something new to look at.
    virtual void arm(small_function<void()> wake) = 0;
    /// Stops reading: leaves the source (Node: the for-await loop returns, which destroys
    /// an unfinished source with AbortError).
    virtual void close() = 0;
    /// The error (and exception) the source failed with, valid after pull() == failed.
    boost::system::error_code error;
    std::exception_ptr failure;
};

/// The innermost chain: reads the source through Node's async iterator protocol, taking
/// buffered chunks synchronously with read() (batching) and awaiting next() otherwise.
template <class In, class Out, class Step>
class source_chain final : public chain<Out> {
public:
    source_chain(ptr<basic_readable<In>> src, Step step)
        : src_(std::move(src)), step_(std::move(step)) {}

    std::size_t steps() const noexcept override { return 1; }

    pull_status pull(emit_ref<Out> out, bool& stop, std::size_t& budget) override {
        for (;;) {
            if (closed_) return pull_status::ended;
            if (budget == 0) return pull_status::yield;
            std::optional<In> v;
            if (pending_) {
                v = std::move(pending_);
                pending_.reset();
            } else if (failed_) {
                return pull_status::failed;
            } else if (ended_) {
                return pull_status::ended;
            } else {
                if (!it_) it_.emplace(src_->iterate());
                if (!src_->destroyed()) v = src_->read();
                if (!v) return pull_status::need_wait;
            }
            --budget;
            bool want = true;
            auto sink = [&](Out&& o) {
                want = out(std::move(o));
                return want;
            };
            step_(std::move(*v), emit_ref<Out>(sink), stop);
            if (stop) return pull_status::stopped;
            if (!want) return pull_status::satisfied;
        }
    }

    void arm(small_function<void()> wake) override {
        if (!it_) it_.emplace(src_->iterate());
        it_->next([this, w = std::move(wake)](const boost::system::error_code& ec,
                                              std::optional<In> v) mutable {
            if (closed_) return;
            if (ec) {
                failed_ = true;
                this->error = ec;
                this->failure = failure_of(src_.get(), ec);
            } else if (!v) {
                ended_ = true;
            } else {
                pending_ = std::move(v);
            }
            w();
        });
    }

    void close() override {
        if (closed_) return;
        closed_ = true;
        pending_.reset();
        it_.reset(); // node: iterator return() -> destroyer(stream)
    }

    /// Whether reading has begun (a fused stage must not have started).
    bool started() const noexcept { return it_.has_value(); }

private:
    ptr<basic_readable<In>> src_;
    Step step_;
    std::optional<typename basic_readable<In>::async_iterator> it_;
    std::optional<In> pending_;
    bool ended_ = false;
    bool failed_ = false;
    bool closed_ = false;
};

/// A chain followed by one more synchronous step (fusion of map/filter/flat_map/take/drop).
template <class Mid, class Out, class Step>
class fused_chain final : public chain<Out> {
public:
    fused_chain(std::unique_ptr<chain<Mid>> inner, Step step)
        : inner_(std::move(inner)), step_(std::move(step)) {}

    std::size_t steps() const noexcept override { return inner_->steps() + 1; }

    pull_status pull(emit_ref<Out> out, bool& stop, std::size_t& budget) override {
        bool want = true;
        auto sink = [&](Out&& o) {
            want = out(std::move(o));
            return want;
        };
        auto mid = [&](Mid&& m) {
            if (!stop) step_(std::move(m), emit_ref<Out>(sink), stop);
            return want && !stop;
        };
        pull_status st = inner_->pull(emit_ref<Mid>(mid), stop, budget);
        if (st == pull_status::failed) {
            this->error = inner_->error;
            this->failure = inner_->failure;
        }
        return st;
    }
    void arm(small_function<void()> wake) override { inner_->arm(std::move(wake)); }
    void close() override { inner_->close(); }

private:
    std::unique_ptr<chain<Mid>> inner_;
    Step step_;
};

// ---- the steps ---------------------------------------------------------------------------

template <class F>
struct map_step {
    F fn;
    template <class In, class E>
    void operator()(In&& v, E emit, bool&) {
        emit(std::invoke(fn, std::move(v)));
    }
};
template <class F>
struct filter_step {
    F fn;
    template <class In, class E>
    void operator()(In&& v, E emit, bool&) {
        if (std::invoke(fn, std::as_const(v))) emit(std::move(v));
    }
};
template <class F>
struct flat_map_step {
    F fn;
    template <class In, class E>
    void operator()(In&& v, E emit, bool&) {
        auto&& r = std::invoke(fn, std::move(v));
        for (auto&& x : r)
            emit(std::move(x));
    }
};
// node: operators.js take: yield while number-- > 0, return once number <= 0.
struct take_step {
    std::int64_t n;
    template <class In, class E>
    void operator()(In&& v, E emit, bool& stop) {
        if (n-- > 0) emit(std::move(v));
        if (n <= 0) stop = true;
    }
};
// node: operators.js drop: yield once number-- <= 0.
struct drop_step {
    std::int64_t n;
    template <class In, class E>
    void operator()(In&& v, E emit, bool&) {
        if (n-- <= 0) emit(std::move(v));
    }
};
struct identity_step {
    template <class In, class E>
    void operator()(In&& v, E emit, bool&) {
        emit(std::move(v));
    }
};

/// Node's Readable.from(generator) options for an operator's output: object mode,
/// highWaterMark 1.
inline readable_options op_readable_options() {
    readable_options o;
    o.object_mode = true;
    o.high_water_mark = 1;
    return o;
}

/// Binds an operator stream to its signal: emitting it destroys the stream with ABORT_ERR.
template <class Op>
void bind_signal(Op* op, boost::asio::cancellation_slot& slot) {
    if (!slot.is_connected()) return;
    slot.assign([op](boost::asio::cancellation_type) {
        if (!op->destroyed()) op->destroy(make_error_code(errc::abort_err));
    });
}

} // namespace detail

/// The readable returned by map/filter/flat_map/take/drop with synchronous callbacks: one
/// stage that runs a chain of fused synchronous steps over its source (Node creates one
/// async generator and one Readable.from per operator; the values, their order, the errors
/// and the teardown are the same, with fewer hops). Object mode, high_water_mark 1.
///
/// Teardown as Node's: destroying it leaves the source (destroyed with AbortError unless it
/// had finished); an error of the source or a throwing callback destroys it with that error
/// (consumers of to_array() etc. get the exception the callback threw).
template <class Out>
class sync_operator_stream final : public basic_readable<Out>, public detail::op_failure {
public:
    sync_operator_stream(std::unique_ptr<detail::chain<Out>> c, boost::asio::cancellation_slot sig)
        : basic_readable<Out>(detail::op_readable_options()), chain_(std::move(c)), signal_(sig) {
        detail::bind_signal(this, signal_);
    }
    ~sync_operator_stream() override {
        if (signal_.is_connected()) signal_.clear();
    }

    /// Whether this stage may absorb one more step: nobody else holds it, no consumer
    /// attached, nothing read yet.
    bool fusable() const noexcept {
        return this->use_count() == 1 && !started_ && !this->destroyed() &&
               this->listener_count("data") == 0 && this->listener_count("readable") == 0 &&
               this->listener_count("end") == 0 && this->listener_count("error") == 0 &&
               this->listener_count("close") == 0 && !signal_.is_connected();
    }
    /// How many synchronous steps run in this one stage (1 + the stages fused into it).
    std::size_t fused_steps() const noexcept { return chain_ ? chain_->steps() : 0; }
    /// Takes the chain out (for fusion); the stream must then be dropped.
    std::unique_ptr<detail::chain<Out>> release_chain() noexcept { return std::move(chain_); }

protected:
    void do_read(std::size_t) override {
        started_ = true;
        want_ = true;
        pump();
    }
    void do_destroy(const boost::system::error_code& ec,
                    stream_base::destroy_callback cb) override {
        done_ = true;
        if (chain_) chain_->close();
        if (signal_.is_connected()) signal_.clear();
        cb(ec);
    }

private:
    void pump() {
        if (busy_ || done_ || armed_) return;
        busy_ = true;
        ptr<stream_base> keep(this);
        try {
            auto sink = [this](Out&& o) {
                want_ = this->push(std::move(o));
                return want_;
            };
            std::size_t& budget = budget_; // spans calls: see pump_budget
            while (want_ && !done_ && !armed_) {
                bool stop = false;
                detail::pull_status st = chain_->pull(detail::emit_ref<Out>(sink), stop, budget);
                if (done_) break;
                if (stop || st == detail::pull_status::ended ||
                    st == detail::pull_status::stopped) {
                    finish();
                } else if (st == detail::pull_status::failed) {
                    fail(chain_->error, chain_->failure);
                } else if (st == detail::pull_status::need_wait) {
                    armed_ = true;
                    chain_->arm([s = ptr<sync_operator_stream>(this)] {
                        s->armed_ = false;
                        s->budget_ = detail::pump_budget;
                        s->pump();
                    });
                } else if (st == detail::pull_status::yield) {
                    armed_ = true;
                    this->get_loop().queue_microtask([s = ptr<sync_operator_stream>(this)] {
                        s->armed_ = false;
                        s->budget_ = detail::pump_budget;
                        s->pump();
                    });
                }
            }
        } catch (...) {
            std::exception_ptr e = std::current_exception();
            fail(detail::code_of(e), e);
        }
        busy_ = false;
    }

    void finish() {
        done_ = true;
        chain_->close();
        this->push(nullptr);
    }
    void fail(const boost::system::error_code& ec, std::exception_ptr e) {
        done_ = true;
        failure = std::move(e);
        this->destroy(ec);
    }

    std::unique_ptr<detail::chain<Out>> chain_;
    boost::asio::cancellation_slot signal_;
    std::size_t budget_ = detail::pump_budget;
    bool want_ = false;
    bool busy_ = false;
    bool armed_ = false;
    bool done_ = false;
    bool started_ = false;
};

namespace detail {

enum class async_kind { map, filter, flat_map, discard };

template <class In, class Fn, async_kind K>
struct async_types {
    using result = typename promise_value<std::decay_t<std::invoke_result_t<Fn&, In&&>>>::type;
    using held = std::conditional_t<K == async_kind::filter, std::unique_ptr<In>,
                                    std::conditional_t<K == async_kind::discard, bool, result>>;
    using out = std::conditional_t<
        K == async_kind::map, result,
        std::conditional_t<K == async_kind::flat_map,
                           std::ranges::range_value_t<std::conditional_t<K == async_kind::flat_map,
                                                                         result, std::vector<int>>>,
                           In>>;
};

} // namespace detail

/// The readable returned by map/filter/flat_map with an asynchronous callback (one that
/// returns costream::promise<T>): Node's map() with its `concurrency` and `highWaterMark`,
/// port of operators.js map's pump() and queue. Up to `concurrency` callbacks run at once;
/// results are pushed in input order; a rejection (or a source error) fails the stream when
/// its turn comes, after the results before it.
template <class In, class Fn, detail::async_kind K>
class async_operator_stream final
    : public basic_readable<typename detail::async_types<In, Fn, K>::out>,
      public detail::op_failure {
    using types = detail::async_types<In, Fn, K>;
    using result = typename types::result;
    using held = typename types::held;
    using result_v = std::conditional_t<std::is_void_v<result>, bool, result>;

public:
    using out_type = typename types::out;

    async_operator_stream(ptr<basic_readable<In>> src, Fn fn, const operator_options& o)
        : basic_readable<out_type>(detail::op_readable_options()),
          chain_(std::make_unique<detail::source_chain<In, In, detail::identity_step>>(
              std::move(src), detail::identity_step{})),
          fn_(std::move(fn)), concurrency_(o.concurrency),
          // node: highWaterMark += concurrency (default concurrency - 1)
          limit_(o.high_water_mark.value_or(o.concurrency - 1) + o.concurrency), signal_(o.signal) {
        detail::bind_signal(this, signal_);
    }
    ~async_operator_stream() override {
        if (signal_.is_connected()) signal_.clear();
    }

protected:
    void do_read(std::size_t) override {
        want_ = true;
        ptr<stream_base> keep(this);
        flush();
        pump();
    }
    void do_destroy(const boost::system::error_code& ec,
                    stream_base::destroy_callback cb) override {
        done_ = true;
        chain_->close();
        if (signal_.is_connected()) signal_.clear();
        cb(ec);
    }

private:
    struct slot {
        enum class state { pending, ready, failed, eof } st = state::pending;
        std::optional<held> value;
        std::exception_ptr error;
        boost::system::error_code ec;
    };

    bool can_take() const noexcept {
        return !done_ && !input_done_ && in_flight_ < concurrency_ && q_.size() < limit_;
    }

    // node: operators.js map pump(): take input while below concurrency and highWaterMark.
    void pump() {
        if (busy_ || armed_) return;
        busy_ = true;
        auto sink = [this](In&& v) {
            start(std::move(v));
            return can_take();
        };
        std::size_t& budget = budget_;
        while (can_take() && !armed_) {
            bool stop = false;
            detail::pull_status st = chain_->pull(detail::emit_ref<In>(sink), stop, budget);
            if (done_) break;
            if (st == detail::pull_status::ended) {
                input_done_ = true;
                q_.emplace_back().st = slot::state::eof;
            } else if (st == detail::pull_status::failed) {
                input_done_ = true;
                slot& s = q_.emplace_back();
                s.st = slot::state::failed;
                s.error = chain_->failure;
                s.ec = chain_->error;
            } else if (st == detail::pull_status::need_wait) {
                armed_ = true;
                chain_->arm([s = ptr<async_operator_stream>(this)] {
                    s->armed_ = false;
                    s->budget_ = detail::pump_budget;
                    s->flush();
                    s->pump();
                });
            } else if (st == detail::pull_status::yield) {
                armed_ = true;
                this->get_loop().queue_microtask([s = ptr<async_operator_stream>(this)] {
                    s->armed_ = false;
                    s->budget_ = detail::pump_budget;
                    s->flush();
                    s->pump();
                });
            }
        }
        busy_ = false;
        flush();
    }

    void start(In&& v) {
        const std::uint64_t seq = head_seq_ + q_.size();
        slot& s = q_.emplace_back();
        ++in_flight_;
        try {
            if constexpr (K == detail::async_kind::filter) {
                // the callback may hold `const In&` across suspensions: give it a chunk
                // whose address does not change until it settles
                s.value.emplace(std::make_unique<In>(std::move(v)));
                auto p = std::invoke(fn_, std::as_const(**s.value));
                wait(std::move(p), seq);
            } else {
                auto p = std::invoke(fn_, std::move(v));
                wait(std::move(p), seq);
            }
        } catch (...) {
            // node: a synchronous throw becomes a rejected promise in the queue
            --in_flight_;
            s.st = slot::state::failed;
            s.error = std::current_exception();
            s.ec = detail::code_of(s.error);
        }
    }

    template <class P>
    void wait(P&& p, std::uint64_t seq) {
        if constexpr (std::is_void_v<result>) {
            std::forward<P>(p).async_wait(
                [s = ptr<async_operator_stream>(this), seq](std::exception_ptr e) mutable {
                    s->settle(seq, std::move(e), result_v());
                });
        } else {
            std::forward<P>(p).async_wait([s = ptr<async_operator_stream>(this),
                                           seq](std::exception_ptr e, result r) mutable {
                s->settle(seq, std::move(e), std::move(r));
            });
        }
    }

    // node: afterItemProcessed + the awaited queue[0]
    void settle(std::uint64_t seq, std::exception_ptr e, result_v r) {
        --in_flight_;
        if (done_) return;
        slot& s = q_[static_cast<std::size_t>(seq - head_seq_)];
        if (e) {
            s.st = slot::state::failed;
            s.ec = detail::code_of(e);
            s.error = std::move(e);
        } else {
            s.st = slot::state::ready;
            if constexpr (K == detail::async_kind::filter) {
                if (!r) s.value.reset(); // node: kEmpty
            } else if constexpr (K == detail::async_kind::discard) {
                (void)r;
            } else {
                s.value.emplace(std::move(r));
            }
        }
        ptr<stream_base> keep(this);
        flush();
        pump();
    }

    // node: the generator's `while (queue.length > 0) { const val = await queue[0]; ... }`
    void flush() {
        while (!done_ && want_ && !q_.empty() && q_.front().st != slot::state::pending) {
            slot s = q_.pop_front();
            ++head_seq_;
            if (s.st == slot::state::failed) {
                done_ = true;
                failure = s.error;
                chain_->close();
                this->destroy(s.ec);
                return;
            }
            if (s.st == slot::state::eof) {
                done_ = true;
                chain_->close();
                this->push(nullptr);
                return;
            }
            if (!s.value) continue;
            if constexpr (K == detail::async_kind::flat_map) {
                for (auto&& x : *s.value)
                    want_ = this->push(std::move(x));
            } else if constexpr (K == detail::async_kind::discard) {
            } else if constexpr (K == detail::async_kind::filter) {
                want_ = this->push(std::move(**s.value));
            } else {
                want_ = this->push(std::move(*s.value));
            }
        }
    }

    std::unique_ptr<detail::chain<In>> chain_;
    Fn fn_;
    std::size_t concurrency_;
    std::size_t limit_;
    boost::asio::cancellation_slot signal_;
    detail::ring<slot> q_;
    std::uint64_t head_seq_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t budget_ = detail::pump_budget;
    bool want_ = false;
    bool busy_ = false;
    bool armed_ = false;
    bool done_ = false;
    bool input_done_ = false;
};

namespace detail {

template <class S>
concept readable_ptr_source = requires {
    typename S::chunk_type;
}
&&std::is_base_of_v<basic_readable<typename S::chunk_type>, S>;

template <class T>
struct is_sync_op : std::false_type {};
template <class T>
struct is_sync_op<sync_operator_stream<T>> : std::true_type {};

/// A new synchronous stage applying `step` (In -> Out) after `src`, fused into `src` when
/// `src` is itself an unstarted synchronous operator stream nobody else holds.
template <class Out, class S, class Step>
ptr<sync_operator_stream<Out>> sync_stage(ptr<S> src, Step step,
                                          boost::asio::cancellation_slot sig) {
    using In = typename S::chunk_type;
    if constexpr (is_sync_op<S>::value) {
        if (src->fusable()) {
            auto inner = src->release_chain();
            src.reset();
            return make<sync_operator_stream<Out>>(
                std::make_unique<fused_chain<In, Out, Step>>(std::move(inner), std::move(step)),
                sig);
        }
    }
    ptr<basic_readable<In>> base(std::move(src));
    return make<sync_operator_stream<Out>>(
        std::make_unique<source_chain<In, Out, Step>>(std::move(base), std::move(step)), sig);
}

template <class S, class F, async_kind K>
auto async_stage(ptr<S> src, F fn, const operator_options& o) {
    using In = typename S::chunk_type;
    ptr<basic_readable<In>> base(std::move(src));
    return make<async_operator_stream<In, F, K>>(std::move(base), std::move(fn), o);
}

} // namespace detail

// ---- readable-returning operators --------------------------------------------------------

/// Node's readable.map(fn, options): a readable of fn(chunk) for each chunk, in order.
/// `fn` may be synchronous (its result is the new chunk) or return costream::promise<T>
/// (up to options.concurrency calls in flight, results in input order). Object mode.
/// Synchronous map/filter/flat_map/take/drop stages are fused into one stage.
///
///     auto doubled = map(numbers, [](int x) { return x * 2; });
template <detail::readable_ptr_source S, class F>
auto map(ptr<S> src, F fn, const operator_options& opts = {}) {
    using In = typename S::chunk_type;
    detail::validate_concurrency(opts);
    using R = std::invoke_result_t<F&, In&&>;
    if constexpr (detail::is_async_result<R>) {
        return detail::async_stage<S, F, detail::async_kind::map>(std::move(src), std::move(fn),
                                                                  opts);
    } else {
        return detail::sync_stage<std::decay_t<R>>(std::move(src),
                                                   detail::map_step<F>{std::move(fn)}, opts.signal);
    }
}

/// Node's readable.filter(fn, options): the chunks for which fn(chunk) is true (fn gets
/// `const Chunk&`; it may return bool or costream::promise<bool>).
template <detail::readable_ptr_source S, class F>
auto filter(ptr<S> src, F fn, const operator_options& opts = {}) {
    using In = typename S::chunk_type;
    detail::validate_concurrency(opts);
    using R = std::invoke_result_t<F&, const In&>;
    if constexpr (detail::is_async_result<R>) {
        return detail::async_stage<S, F, detail::async_kind::filter>(std::move(src), std::move(fn),
                                                                     opts);
    } else {
        return detail::sync_stage<In>(std::move(src), detail::filter_step<F>{std::move(fn)},
                                      opts.signal);
    }
}

/// Node's readable.flatMap(fn, options): fn(chunk) returns a range (or a promise of one);
/// its elements are pushed in order.
template <detail::readable_ptr_source S, class F>
auto flat_map(ptr<S> src, F fn, const operator_options& opts = {}) {
    using In = typename S::chunk_type;
    detail::validate_concurrency(opts);
    using R = std::invoke_result_t<F&, In&&>;
    if constexpr (detail::is_async_result<R>) {
        return detail::async_stage<S, F, detail::async_kind::flat_map>(std::move(src),
                                                                       std::move(fn), opts);
    } else {
        using Out = std::decay_t<std::ranges::range_value_t<std::remove_cvref_t<R>>>;
        return detail::sync_stage<Out>(std::move(src), detail::flat_map_step<F>{std::move(fn)},
                                       opts.signal);
    }
}

namespace detail {
// node: validators.js validateInteger(number, 'number', 0)
inline void validate_count(std::int64_t n) {
    if (n < 0)
        throw range_error(errc::out_of_range,
                          "The value of \"number\" is out of range. It must be >= 0 && <= "
                          "9007199254740991. Received " +
                              std::to_string(n));
}
} // namespace detail

/// Node's readable.take(n, options): the first n chunks; then the source is left (destroyed
/// if it had not finished, as Node's for-await return does). A negative n throws
/// range_error ERR_OUT_OF_RANGE.
template <detail::readable_ptr_source S>
auto take(ptr<S> src, std::int64_t n, const operator_options& opts = {}) {
    detail::validate_count(n);
    return detail::sync_stage<typename S::chunk_type>(std::move(src), detail::take_step{n},
                                                      opts.signal);
}

/// Node's readable.drop(n, options): all chunks but the first n. A negative n throws
/// range_error ERR_OUT_OF_RANGE.
template <detail::readable_ptr_source S>
auto drop(ptr<S> src, std::int64_t n, const operator_options& opts = {}) {
    detail::validate_count(n);
    return detail::sync_stage<typename S::chunk_type>(std::move(src), detail::drop_step{n},
                                                      opts.signal);
}

// ---- operations (Asio initiating functions) ------------------------------------------------

namespace detail {

/// Drives Node's `for await (const v of stream)` with callbacks: Body gets item(v) (returns
/// false to leave the loop, which destroys an unfinished stream as Node's return() does),
/// end(), fail(exception). Body may pause the loop (item returns true after calling
/// pause()) and resume() it later (an asynchronous reducer).
template <class In, class Body>
class driver : public std::enable_shared_from_this<driver<In, Body>> {
public:
    driver(ptr<basic_readable<In>> s, Body b, boost::asio::cancellation_slot sig)
        : src_(std::move(s)), it_(src_->iterate()), body_(std::move(b)), signal_(sig) {}

    void start() {
        if (signal_.is_connected()) {
            std::weak_ptr<driver> w = this->shared_from_this();
            signal_.assign([w](boost::asio::cancellation_type) {
                if (auto d = w.lock()) d->abort();
            });
        }
        next();
    }
    void pause() noexcept { paused_ = true; }
    void resume() {
        paused_ = false;
        if (!done_) next();
    }
    /// Leaves the loop: the stream is destroyed unless it finished.
    void leave() {
        done_ = true;
        if (signal_.is_connected()) signal_.clear();
        it_.reset();
    }
    Body& body() noexcept { return body_; }
    basic_readable<In>* stream() const noexcept { return src_.get(); }

private:
    void abort() {
        if (done_) return;
        src_->destroy(make_error_code(errc::abort_err));
    }
    void next() {
        it_->next([self = this->shared_from_this()](const boost::system::error_code& ec,
                                                    std::optional<In> v) {
            self->on_next(ec, std::move(v));
        });
    }
    void on_next(const boost::system::error_code& ec, std::optional<In> v) {
        if (done_) return;
        if (ec) {
            auto e = failure_of(src_.get(), ec);
            leave();
            body_.fail(std::move(e));
            return;
        }
        if (!v) {
            leave();
            body_.end();
            return;
        }
        bool go_on;
        try {
            go_on = body_.item(std::move(*v), *this);
        } catch (...) {
            auto e = std::current_exception();
            leave();
            body_.fail(std::move(e));
            return;
        }
        if (!go_on) {
            leave();
            body_.end();
            return;
        }
        if (!paused_ && !done_) next();
    }

    ptr<basic_readable<In>> src_;
    std::optional<typename basic_readable<In>::async_iterator> it_;
    Body body_;
    boost::asio::cancellation_slot signal_;
    bool paused_ = false;
    bool done_ = false;
};

/// Completes `h` with (e, v) through its associated executor (the loop's by default).
template <class Handler, class... Args>
void complete_on(Handler& h, Args&&... args) {
    auto ex = boost::asio::get_associated_executor(h, costream::loop::current().get_executor());
    boost::asio::dispatch(ex, [h = std::move(h), ... a = std::forward<Args>(args)]() mutable {
        std::move(h)(std::move(a)...);
    });
}

template <class In, class Body>
void drive(ptr<basic_readable<In>> src, Body body, boost::asio::cancellation_slot sig) {
    auto d = std::make_shared<driver<In, Body>>(std::move(src), std::move(body), sig);
    d->start();
}

/// Body of to_array().
template <class In, class Handler>
struct to_array_body {
    Handler h;
    std::vector<In> out;
    template <class D>
    bool item(In&& v, D&) {
        out.push_back(std::move(v));
        return true;
    }
    void end() { complete_on(h, std::exception_ptr(), std::move(out)); }
    void fail(std::exception_ptr e) { complete_on(h, std::move(e), std::vector<In>()); }
};

/// Body that waits for the first chunk (some/find over a filter stage).
template <class In, class Handler, bool Bool>
struct first_body {
    Handler h;
    std::optional<In> found;
    template <class D>
    bool item(In&& v, D&) {
        found.emplace(std::move(v));
        return false;
    }
    void end() {
        if constexpr (Bool)
            complete_on(h, std::exception_ptr(), found.has_value());
        else
            complete_on(h, std::exception_ptr(), std::move(found));
    }
    void fail(std::exception_ptr e) {
        if constexpr (Bool)
            complete_on(h, std::move(e), false);
        else
            complete_on(h, std::move(e), std::optional<In>());
    }
};

/// Body of for_each() with a synchronous callback, and of draining a discard stage.
template <class In, class F, class Handler>
struct for_each_body {
    Handler h;
    F fn; // nullptr_t: drain only
    template <class D>
    bool item(In&& v, D&) {
        if constexpr (!std::is_same_v<F, std::nullptr_t>) std::invoke(fn, std::move(v));
        return true;
    }
    void end() { complete_on(h, std::exception_ptr()); }
    void fail(std::exception_ptr e) { complete_on(h, std::move(e)); }
};

/// Body of reduce(): node: operators.js reduce.
template <class In, class Acc, class F, class Handler>
struct reduce_body {
    Handler h;
    F fn;
    std::optional<Acc> acc;
    template <class D>
    bool item(In&& v, D& d) {
        if constexpr (std::is_constructible_v<Acc, In&&>) {
            if (!acc) { // no initial value: the first chunk starts the fold
                acc.emplace(std::move(v));
                return true;
            }
        }
        using R = std::invoke_result_t<F&, Acc&&, In&&>;
        if constexpr (is_async_result<R>) {
            R p = std::invoke(fn, std::move(*acc), std::move(v));
            acc.reset();
            d.pause();
            auto self = d.shared_from_this();
            p.async_wait([self](std::exception_ptr e, Acc r) {
                auto& b = self->body();
                if (e) {
                    self->leave();
                    b.fail(std::move(e));
                    return;
                }
                b.acc.emplace(std::move(r));
                self->resume();
            });
        } else {
            Acc next = std::invoke(fn, std::move(*acc), std::move(v));
            acc.emplace(std::move(next));
        }
        return true;
    }
    void end() {
        if (!acc) {
            // node: ReduceAwareErrMissingArgs
            complete_on(
                h,
                std::make_exception_ptr(type_error(
                    errc::missing_args, "Reduce of an empty stream requires an initial value")),
                Acc());
            return;
        }
        complete_on(h, std::exception_ptr(), std::move(*acc));
    }
    void fail(std::exception_ptr e) { complete_on(h, std::move(e), Acc()); }
};

template <class S>
ptr<basic_readable<typename S::chunk_type>> as_base(ptr<S> s) {
    return ptr<basic_readable<typename S::chunk_type>>(std::move(s));
}

} // namespace detail

/// Node's readable.toArray(options): all chunks, once the stream ended. Asio operation,
/// signature void(std::exception_ptr, std::vector<Chunk>); the default token returns a
/// costream::promise. Fails with the stream's error (a system_error, or the exception an
/// operator callback threw).
template <detail::readable_ptr_source S, class CompletionToken = costream::use_promise_t>
auto to_array(ptr<S> src, const operator_options& opts = {}, CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, std::vector<In>)>(
        [](auto handler, ptr<basic_readable<In>> s, boost::asio::cancellation_slot sig) {
            using H = decltype(handler);
            detail::drive(std::move(s), detail::to_array_body<In, H>{std::move(handler), {}}, sig);
        },
        token, detail::as_base(std::move(src)), opts.signal);
}

/// Node's readable.forEach(fn, options): calls fn for each chunk (up to concurrency calls
/// in flight when fn returns a costream::promise); completes at the end. Signature
/// void(std::exception_ptr).
template <detail::readable_ptr_source S, class F, class CompletionToken = costream::use_promise_t>
auto for_each(ptr<S> src, F fn, const operator_options& opts = {}, CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    detail::validate_concurrency(opts);
    using R = std::invoke_result_t<F&, In&&>;
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
        [](auto handler, ptr<S> s, F f, operator_options o) {
            using H = decltype(handler);
            if constexpr (detail::is_async_result<R>) {
                // node: forEach is map(fn) yielding kEmpty, drained
                auto stage = detail::async_stage<S, F, detail::async_kind::discard>(
                    std::move(s), std::move(f), o);
                using Out = typename decltype(stage)::element_type::chunk_type;
                detail::drive(
                    detail::as_base(std::move(stage)),
                    detail::for_each_body<Out, std::nullptr_t, H>{std::move(handler), nullptr}, {});
            } else {
                detail::drive(detail::as_base(std::move(s)),
                              detail::for_each_body<In, F, H>{std::move(handler), std::move(f)},
                              o.signal);
            }
        },
        token, std::move(src), std::move(fn), opts);
}

/// Node's readable.reduce(fn, initial, options): folds the chunks with fn(acc, chunk) (or a
/// costream::promise of the new acc). Signature void(std::exception_ptr, Acc).
template <detail::readable_ptr_source S, class F, class Acc,
          class CompletionToken = costream::use_promise_t>
requires std::is_invocable_v<F&, Acc&&, typename S::chunk_type&&>
auto reduce(ptr<S> src, F fn, Acc initial, const operator_options& opts = {},
            CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, Acc)>(
        [](auto handler, ptr<basic_readable<In>> s, F f, Acc init,
           boost::asio::cancellation_slot sig) {
            using H = decltype(handler);
            detail::drive(std::move(s),
                          detail::reduce_body<In, Acc, F, H>{std::move(handler), std::move(f),
                                                             std::optional<Acc>(std::move(init))},
                          sig);
        },
        token, detail::as_base(std::move(src)), std::move(fn), std::move(initial), opts.signal);
}

/// Node's readable.reduce(fn) without an initial value: the first chunk starts the fold; an
/// empty stream fails with type_error ERR_MISSING_ARGS. Signature
/// void(std::exception_ptr, Chunk).
template <detail::readable_ptr_source S, class F, class CompletionToken = costream::use_promise_t>
requires(!std::is_invocable_v<F&, std::decay_t<CompletionToken>&&,
                              typename S::chunk_type&&>) auto reduce(ptr<S> src, F fn,
                                                                     CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, In)>(
        [](auto handler, ptr<basic_readable<In>> s, F f) {
            using H = decltype(handler);
            detail::drive(
                std::move(s),
                detail::reduce_body<In, In, F, H>{std::move(handler), std::move(f), std::nullopt},
                {});
        },
        token, detail::as_base(std::move(src)), std::move(fn));
}

/// Node's readable.some(fn, options): whether fn is true for a chunk; stops reading (and
/// destroys the stream) at the first one. Signature void(std::exception_ptr, bool).
template <detail::readable_ptr_source S, class F, class CompletionToken = costream::use_promise_t>
auto some(ptr<S> src, F fn, const operator_options& opts = {}, CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    auto stage = filter(std::move(src), std::move(fn), opts);
    using Out = typename decltype(stage)::element_type::chunk_type;
    static_assert(std::is_same_v<Out, In>);
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, bool)>(
        [](auto handler, ptr<basic_readable<In>> s) {
            using H = decltype(handler);
            detail::drive(std::move(s), detail::first_body<In, H, true>{std::move(handler), {}},
                          {});
        },
        token, detail::as_base(std::move(stage)));
}

/// Node's readable.find(fn, options): the first chunk for which fn is true, or an empty
/// optional. Signature void(std::exception_ptr, std::optional<Chunk>).
template <detail::readable_ptr_source S, class F, class CompletionToken = costream::use_promise_t>
auto find(ptr<S> src, F fn, const operator_options& opts = {}, CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    auto stage = filter(std::move(src), std::move(fn), opts);
    return boost::asio::async_initiate<CompletionToken,
                                       void(std::exception_ptr, std::optional<In>)>(
        [](auto handler, ptr<basic_readable<In>> s) {
            using H = decltype(handler);
            detail::drive(std::move(s), detail::first_body<In, H, false>{std::move(handler), {}},
                          {});
        },
        token, detail::as_base(std::move(stage)));
}

/// Node's readable.every(fn, options): whether fn is true for every chunk (node: !some(!fn)).
/// Signature void(std::exception_ptr, bool).
template <detail::readable_ptr_source S, class F, class CompletionToken = costream::use_promise_t>
auto every(ptr<S> src, F fn, const operator_options& opts = {}, CompletionToken&& token = {}) {
    using In = typename S::chunk_type;
    using R = std::invoke_result_t<F&, const In&>;
    auto negated = [f = std::move(fn)](const In& v) mutable {
        if constexpr (detail::is_async_result<R>)
            return std::invoke(f, v).then([](bool b) { return !b; });
        else
            return !std::invoke(f, v);
    };
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, bool)>(
        [](auto handler, ptr<S> s, decltype(negated) neg, operator_options o) {
            some(std::move(s), std::move(neg), o,
                 [h = std::move(handler)](std::exception_ptr e, bool any) mutable {
                     std::move(h)(std::move(e), !any);
                 });
        },
        token, std::move(src), std::move(negated), opts);
}

} // namespace costream::stream
