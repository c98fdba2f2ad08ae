// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/stage.hpp: stage_reader and stage_writer, the two ends of pipeline()'s function
// stages (Node: an async generator function `async function* (source) { ... yield x }`).
#pragma once

#include <costream/config.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

namespace costream::stream {

template <class T>
class stage_reader;
template <class T>
class stage_writer;

namespace detail {

/// Thrown out of stage_writer::write() when the stage's consumer is gone (Node: return() on
/// a generator suspended at `yield`): the stage's coroutine unwinds, which is not an error.
/// Not a std::exception, so that `catch (const std::exception&)` in a stage lets it pass.
struct stage_closed {};

/// The lazy output of one transform function stage: Node's async generator object. The
/// stage's body starts at the first pull, runs until its next write (`yield`), and stays
/// suspended there until the consumer pulls again; a value goes straight from the writer's
/// frame into the waiting consumer's awaiter (no buffer, no allocation per item).
template <class T>
struct fn_channel : std::enable_shared_from_this<fn_channel<T>> {
    /// A consumer suspended in next(): where its result goes.
    using waiter = next_slot<T>;

    explicit fn_channel(costream::loop& l) : loop(&l) {}
    fn_channel(const fn_channel&) = delete;
    fn_channel& operator=(const fn_channel&) = delete;
    virtual ~fn_channel() = default;

    costream::loop* loop;
    waiter* waiting = nullptr;        // the consumer in next(), if any
    std::coroutine_handle<> producer; // the stage suspended in write(), if any
    std::exception_ptr error;         // the stage failed: for the next pull (once)
    bool started = false;
    bool done = false;
    bool closing = false; // the consumer is gone: the next write throws stage_closed

    /// Runs the stage's function (Node: the generator body starts at the first next()).
    virtual void start() = 0;
    /// Drops the function and its input without running it (Node: return() before the
    /// first next(): the body never runs, its source is left alone).
    virtual void drop() = 0;

    /// Node: gen.next() from the consumer. Returns the coroutine to resume now (symmetric
    /// transfer into the stage suspended at its write, as Node resumes a generator inside
    /// next()) or noop.
    std::coroutine_handle<> pull(waiter& w) {
        if (done) {
            w.failed = error != nullptr;
            loop->queue_microtask_resume(w.h);
            return std::noop_coroutine();
        }
        waiting = &w;
        if (!started) {
            started = true;
            start(); // runs until the body's first suspension
            return std::noop_coroutine();
        }
        if (producer) return std::exchange(producer, nullptr);
        return std::noop_coroutine(); // the body is waiting for something else
    }

    /// Node: `yield value`, from a write whose consumer is still there (the writer checked
    /// `closing`). The body runs only while the consumer waits, so a write finds it waiting;
    /// one that does not comes from a second coroutine writing at the same time, which a
    /// generator cannot do: it throws instead of losing a value or a suspended writer.
    void put(T&& value, std::coroutine_handle<> h) {
        if (!waiting)
            throw std::logic_error("costream::stream::stage_writer: one write at a time (a "
                                   "write is still pending)");
        waiter* w = std::exchange(waiting, nullptr);
        w->value.emplace(std::move(value));
        loop->queue_microtask_resume(w->h);
        producer = h;
    }

    /// The stage's function returned (`err` empty) or threw. A waiting consumer gets the end
    /// (an empty optional) or the exception, as a microtask.
    void finish(std::exception_ptr err) {
        done = true;
        producer = nullptr;
        error = std::move(err);
        if (waiter* w = std::exchange(waiting, nullptr)) {
            w->failed = error != nullptr;
            loop->queue_microtask_resume(w->h);
        }
    }

    /// The consumer's reader was destroyed (Node: return() from the consumer's for-await).
    void reader_gone() {
        waiting = nullptr;
        if (done) return;
        if (!started) {
            done = true;
            drop();
            return;
        }
        closing = true;
        // A stage suspended in write() unwinds now, as a microtask: its write throws
        // stage_closed. One busy elsewhere meets it at its next write.
        if (auto h = std::exchange(producer, nullptr)) loop->queue_microtask_resume(h);
    }
};

/// Runs a transform function stage once its consumer first pulls (fn_channel_of::start):
/// the end or the exception goes to the consumer; stage_closed (the consumer is gone, Node's
/// return()) is a normal end.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
// g++ 12 says the coroutine frame "has a field whose type depends on a type with no linkage"
// when F is a lambda of the user's .cpp file and the instantiation comes through a virtual
// member (fn_channel_of::start): the frame type is as local to that file as the lambda.
#pragma GCC diagnostic ignored "-Wsubobject-linkage"
#endif
template <class F, class In, class T>
costream::promise<void> run_transform(F f, stage_reader<In> in, std::shared_ptr<fn_channel<T>> ch) {
    std::exception_ptr err;
    try {
        co_await f(std::move(in), stage_writer<T>(ch));
    } catch (const stage_closed&) {
    } catch (...) {
        err = std::current_exception();
    }
    ch->finish(std::move(err));
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// A transform function stage's channel with the function and its input, kept until the
/// first pull starts it.
template <class T, class F, class In>
struct fn_channel_of final : fn_channel<T> {
    fn_channel_of(costream::loop& l, F f, stage_reader<In> in)
        : fn_channel<T>(l), fn(std::move(f)), input(std::move(in)) {}

    std::optional<F> fn; // moved into the running stage's frame at start
    std::optional<stage_reader<In>> input;

    void start() override {
        F f = std::move(*fn);
        stage_reader<In> in = std::move(*input);
        fn.reset();
        input.reset();
        run_transform(std::move(f), std::move(in), this->shared_from_this());
    }
    void drop() override {
        fn.reset();
        input.reset();
    }
};

} // namespace detail

/// The input of a pipeline() function stage: Node's `source` argument, iterated with
/// `for await`. `co_await in.next()` gives the previous stage's next chunk, an empty
/// optional at the end, or throws its error (boost::system::system_error for a stream's
/// error, the stage's own exception for a function stage that threw). Move-only.
///
/// After a stream, it iterates that stream as Node's `readable[Symbol.asyncIterator]()`
/// (created at the first next(), as `for await` does); after a transform function stage, it
/// pulls that stage's writes one at a time, as `for await` over an async generator: the
/// previous stage runs only while this one waits in next().
///
/// Destroying the reader before the end is Node's return() (leaving `for await` early): a
/// stream being iterated is destroyed (unless it had finished), a function stage suspended
/// in its write unwinds (its write throws an internal exception that its caller must let
/// pass; the pipeline treats it as a normal end of that stage).
template <class T>
class stage_reader {
public:
    using chunk_type = T;
    class awaiter;

    /// Iterates `r` (made by pipeline() for a function stage after a stream).
    explicit stage_reader(ptr<basic_readable<T>> r) : stream_(std::move(r)) {}
    /// Pulls from a transform function stage (made by pipeline()).
    explicit stage_reader(std::shared_ptr<detail::fn_channel<T>> ch) : gen_(std::move(ch)) {}

    stage_reader(stage_reader&& o) noexcept = default;
    stage_reader& operator=(stage_reader&&) = delete;
    ~stage_reader() {
        if (gen_) gen_->reader_gone();
    }

    /// The next chunk: `std::optional<T>`, empty at the end. One next() at a time.
    awaiter next() { return awaiter(*this); }

private:
    ptr<basic_readable<T>> stream_;
    std::optional<typename basic_readable<T>::async_iterator> it_;
    std::shared_ptr<detail::fn_channel<T>> gen_;
};

template <class T>
class stage_reader<T>::awaiter {
public:
    explicit awaiter(stage_reader& r) : r_(&r) {}
    awaiter(const awaiter&) = delete;
    awaiter& operator=(const awaiter&) = delete;

    bool await_ready() const noexcept { return false; } // a microtask hop at least

    std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) {
        w_.h = h;
        if (r_->gen_) return r_->gen_->pull(w_);
        if (!r_->it_) r_->it_.emplace(r_->stream_->iterate());
        r_->it_->next_into(w_);
        return std::noop_coroutine();
    }

    std::optional<T> await_resume() {
        if (w_.failed) std::rethrow_exception(std::exchange(r_->gen_->error, nullptr));
        if (w_.ec) throw boost::system::system_error(w_.ec);
        return std::move(w_.value);
    }

private:
    stage_reader* r_;
    detail::next_slot<T> w_;
};

/// The output of a pipeline() transform function stage: `co_await out.write(chunk)` is
/// Node's `yield chunk` in an async generator stage. It hands the chunk straight to the next
/// stage's pending next() and completes when that stage pulls again (so a stage runs one
/// chunk at a time, as a generator does). When the next stage is gone (the pipeline was
/// torn down, or a sink function returned early) it throws an internal exception to unwind
/// the stage: let it pass (the pipeline does not count it as an error).
template <class T>
class stage_writer {
public:
    using chunk_type = T;
    class awaiter;

    /// Hands `chunk` to the next stage; completes when the next stage wants another.
    awaiter write(T chunk) { return awaiter(ch_.get(), std::move(chunk)); }

    /// Made by pipeline() for a transform function stage.
    explicit stage_writer(std::shared_ptr<detail::fn_channel<T>> ch) : ch_(std::move(ch)) {}

private:
    std::shared_ptr<detail::fn_channel<T>> ch_;
};

template <class T>
class stage_writer<T>::awaiter {
public:
    awaiter(detail::fn_channel<T>* ch, T c) : ch_(ch), chunk_(std::move(c)) {}
    // A consumer that is gone makes the write throw at once, without suspending.
    bool await_ready() const noexcept { return ch_->closing; }
    void await_suspend(std::coroutine_handle<> h) { ch_->put(std::move(chunk_), h); }
    void await_resume() const {
        if (ch_->closing) throw detail::stage_closed{};
    }

private:
    detail::fn_channel<T>* ch_;
    T chunk_;
};

} // namespace costream::stream
