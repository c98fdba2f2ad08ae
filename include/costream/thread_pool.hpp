// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// thread_pool.hpp: costream::thread_pool, the process-wide pool for blocking work (libuv's
// threadpool), and offload(), which runs a function there and completes on the loop.
#pragma once

#include <costream/config.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace costream {

namespace detail {

/// One unit of pool work: run() on a pool thread, then complete() on the owning loop.
struct pool_work {
    virtual void run() noexcept = 0;
    virtual void complete() = 0;
    virtual ~pool_work() = default;
    std::shared_ptr<loop_remote> target;
    pool_work* next_queued = nullptr; // the pool's FIFO link (no node allocation per item)
};

/// The registry of thread-exit hooks (thread_pool::at_thread_exit): plain function pointers,
/// registered once each, never removed. Read by every pool thread as it exits.
struct thread_exit_registry {
    std::mutex mutex;
    std::vector<void (*)()> hooks;
};

inline thread_exit_registry& thread_exit_hooks() {
    // Never destroyed: pool threads may still exit while static destructors run.
    static thread_exit_registry* r = new thread_exit_registry;
    return *r;
}

} // namespace detail

/// The process-wide thread pool (libuv's threadpool): fs, zlib, crypto and DNS work runs
/// here so that the loop never blocks. Started on first use with default_size() threads.
/// Submitting never blocks (the queue is unbounded). Completions go back to the
/// submitting loop through its thread-safe inbox and run in its poll phase; if that loop
/// was destroyed meanwhile, the completion is destroyed on the pool thread without running.
class thread_pool {
public:
    /// COSTREAM_THREADPOOL_SIZE (read once, clamped to [1, 1024] like UV_THREADPOOL_SIZE),
    /// else 4.
    static std::size_t default_size() {
        static const std::size_t n = [] {
            std::size_t v = 4;
            if (const char* e = std::getenv("COSTREAM_THREADPOOL_SIZE")) {
                long x = std::strtol(e, nullptr, 10);
                if (x > 0) v = static_cast<std::size_t>(x);
            }
            return std::min<std::size_t>(std::max<std::size_t>(v, 1), 1024);
        }();
        return n;
    }

    /// The process-wide pool.
    static thread_pool& instance() {
        struct holder {
            thread_pool pool{default_size()};
            holder() { live_instance().store(&pool, std::memory_order_release); }
            ~holder() { live_instance().store(nullptr, std::memory_order_release); }
        };
        static holder h;
        return h.pool;
    }

    /// Registers `hook` to run on every pool thread (of every thread_pool) just before the
    /// thread exits, after its last work item: the place to free per-thread state of a
    /// library the work used, e.g. OPENSSL_thread_stop (crypto.hpp registers it). A hook
    /// registered twice runs once. Hooks run in registration order and must not throw.
    ///
    /// Also makes the process-wide pool join its threads from an atexit handler registered
    /// now, so that a library initialised before this call (whose own atexit cleanup was
    /// registered earlier, and therefore runs later) is still alive when the hooks run.
    static void at_thread_exit(void (*hook)()) {
        auto& r = detail::thread_exit_hooks();
        std::lock_guard lock(r.mutex);
        for (auto* h : r.hooks)
            if (h == hook) return;
        r.hooks.push_back(hook);
        std::atexit([] {
            if (thread_pool* p = live_instance().load(std::memory_order_acquire)) p->join();
        });
    }

    /// How long an idle pool thread watches for new work before it sleeps:
    /// COSTREAM_THREADPOOL_SPIN_US microseconds (read once, clamped to [0, 10000]; 0 never
    /// spins), else 50. Why: a loop that completes one job usually submits the next within
    /// a few microseconds (a file copy's next write, the read-ahead); a thread that is still
    /// watching takes it at once, where a sleeping one costs a futex wake-up and a context
    /// switch, tens of microseconds on the critical path of every chunk. At most one thread
    /// spins at a time, and only after it ran a job, so an idle pool costs nothing.
    static std::chrono::microseconds default_spin() {
        static const std::chrono::microseconds d =
            detail::env_microseconds("COSTREAM_THREADPOOL_SPIN_US", 50);
        return d;
    }

    /// A pool of `n` threads (tests may make their own; modules use instance()); an idle
    /// thread spins for up to `spin` before it sleeps (see default_spin()).
    explicit thread_pool(std::size_t n, std::chrono::microseconds spin = default_spin())
        : spin_(spin) {
        threads_.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            threads_.emplace_back([this] { work(); });
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    /// Joins the threads after the queued work ran (its completions are dropped if their
    /// loops are gone).
    ~thread_pool() { join(); }

    std::size_t size() const noexcept { return threads_.size(); }

    /// Whether queued work waits that no idle thread (sleeping, spinning, or woken and not
    /// yet running) will take: every thread is busy. A job that only waits for a follow-up
    /// on its thread (a zlib stream's parked job) gives way then. A hint, read without the
    /// lock: it may be stale by the time the caller acts on it.
    bool starved() const noexcept {
        return queued_.load(std::memory_order_relaxed) > idle_.load(std::memory_order_relaxed);
    }

    /// Runs the queued work, then stops and joins the threads (each runs the thread-exit
    /// hooks first). Work submitted afterwards never runs. Idempotent; the destructor calls it.
    void join() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        std::lock_guard join_lock(join_mutex_);
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        // Work submitted after the threads stopped never runs: destroy it here.
        std::lock_guard lock(mutex_);
        while (detail::pool_work* w = pop())
            delete w;
    }

    /// Queues `w`; its completion is posted to w->target when done. Wakes a sleeping
    /// thread only when no spinning thread is there to take the work.
    void submit(std::unique_ptr<detail::pool_work> w) {
        bool wake;
        {
            std::lock_guard lock(mutex_);
            detail::pool_work* p = w.release();
            p->next_queued = nullptr;
            if (tail_)
                tail_->next_queued = p;
            else
                head_ = p;
            tail_ = p;
            const std::size_t n = queued_.load(std::memory_order_relaxed) + 1;
            queued_.store(n, std::memory_order_release);
            // Each spinner takes one item; a sleeper is woken for what is left over. A
            // sleeper woken earlier but not yet running still counts in sleepers_; the
            // extra item then waits for the next thread that finishes, as before.
            wake = sleepers_ > 0 && n > spinners_;
        }
        if (wake) cv_.notify_one();
    }

private:
    // Under mutex_.
    detail::pool_work* pop() noexcept {
        detail::pool_work* w = head_;
        if (!w) return nullptr;
        head_ = w->next_queued;
        if (!head_) tail_ = nullptr;
        w->next_queued = nullptr;
        queued_.store(queued_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
        return w;
    }

    // Watches (without the lock) for queued work for up to `spin_` (detail::spin_until).
    void spin_for_work() const noexcept {
        // Not while the other threads' jobs keep every core busy: the watching would slow
        // them down (parallel gzip on all cores).
        detail::spin_until(
            [this] {
                return queued_.load(std::memory_order_acquire) != 0 ||
                       detail::cores_busy_with_pool();
            },
            std::chrono::steady_clock::now() + spin_);
    }

    void work() {
        bool may_spin = false; // only right after a job: an idle pool does not burn CPU
        for (;;) {
            std::unique_ptr<detail::pool_work> w;
            {
                std::unique_lock lock(mutex_);
                for (;;) {
                    if (detail::pool_work* p = pop()) {
                        w.reset(p);
                        break;
                    }
                    if (stop_) break;
                    if (may_spin && spinners_ == 0 && spin_.count() > 0) {
                        may_spin = false;
                        ++spinners_;
                        idle_.fetch_add(1, std::memory_order_relaxed);
                        lock.unlock();
                        spin_for_work();
                        lock.lock();
                        idle_.fetch_sub(1, std::memory_order_relaxed);
                        --spinners_;
                        continue; // re-check under the lock: a submit may rely on this thread
                    }
                    ++sleepers_;
                    idle_.fetch_add(1, std::memory_order_relaxed);
                    cv_.wait(lock);
                    idle_.fetch_sub(1, std::memory_order_relaxed);
                    --sleepers_;
                }
            }
            if (!w) break;
            detail::pool_threads_running().fetch_add(1, std::memory_order_relaxed);
            w->run();
            detail::pool_threads_running().fetch_sub(1, std::memory_order_relaxed);
            auto target = std::move(w->target);
            // If the loop is gone, post() destroys the task, and with it the work, here.
            target->post(detail::loop_task([w = std::move(w)]() mutable { w->complete(); }));
            may_spin = true;
        }
        run_thread_exit_hooks();
    }

    static void run_thread_exit_hooks() noexcept {
        auto& r = detail::thread_exit_hooks();
        std::vector<void (*)()> hooks;
        {
            std::lock_guard lock(r.mutex);
            hooks = r.hooks;
        }
        for (auto* h : hooks)
            h();
    }

    static std::atomic<thread_pool*>& live_instance() noexcept {
        static std::atomic<thread_pool*> p{nullptr};
        return p;
    }

    std::mutex mutex_;
    std::mutex join_mutex_; // join() from an atexit handler and the destructor
    std::condition_variable cv_;
    // The FIFO of queued work, linked through pool_work::next_queued (under mutex_).
    detail::pool_work* head_ = nullptr;
    detail::pool_work* tail_ = nullptr;
    // How many items are queued: written under mutex_, read by a spinning thread without it.
    std::atomic<std::size_t> queued_{0};
    std::size_t spinners_ = 0; // under mutex_: threads watching queued_ (at most one)
    std::size_t sleepers_ = 0; // under mutex_: threads waiting on cv_
    // spinners_ + sleepers_, written under mutex_, read by starved() without it.
    std::atomic<std::size_t> idle_{0};
    bool stop_ = false;
    std::chrono::microseconds spin_;
    std::vector<std::thread> threads_;
};

namespace detail {

template <class F, class Handler>
class offload_work final : public pool_work {
public:
    using result_type = std::invoke_result_t<F&>;

    offload_work(F f, Handler h, loop& l) : f_(std::move(f)), h_(std::move(h)), loop_(&l) {}

    void run() noexcept override {
        try {
            if constexpr (std::is_void_v<result_type>)
                f_();
            else
                result_.emplace(f_());
        } catch (...) {
            error_ = std::current_exception();
        }
    }

    void complete() override {
        loop_->pool_work_finished();
        auto ex = boost::asio::get_associated_executor(h_, loop_->get_executor());
        boost::asio::dispatch(
            ex, [h = std::move(h_), e = std::move(error_), r = std::move(result_)]() mutable {
                if constexpr (std::is_void_v<result_type>)
                    std::move(h)(e);
                else if (e)
                    std::move(h)(e, result_type{});
                else
                    std::move(h)(e, std::move(*r));
            });
    }

private:
    struct none {};
    F f_;
    Handler h_;
    loop* loop_;
    std::exception_ptr error_;
    std::optional<std::conditional_t<std::is_void_v<result_type>, none, result_type>> result_;
};

struct initiate_offload {
    template <class Handler, class F>
    void operator()(Handler&& h, F&& f) const {
        loop& l = loop::current();
        auto w = std::make_unique<offload_work<std::decay_t<F>, std::decay_t<Handler>>>(
            std::forward<F>(f), std::forward<Handler>(h), l);
        w->target = l.remote_state();
        l.pool_work_started();
        try {
            thread_pool::instance().submit(std::move(w));
        } catch (...) {
            l.pool_work_finished();
            throw;
        }
    }
};

} // namespace detail

/// Runs `fn()` on the process-wide thread pool and completes on the current loop in its
/// poll phase, with signature void(std::exception_ptr, R) (void(std::exception_ptr) when
/// `fn` returns void): an exception thrown by `fn` travels back as the exception_ptr
/// (a rejection with use_promise, a throw with use_awaitable). The loop stays alive while
/// the work is outstanding. The completion never runs inside offload().
///
/// Default token: costream::use_promise, so `co_await offload(f)` works in a promise
/// coroutine and `offload(f).then(...)` in callback style. Any Asio token works:
/// callbacks, asio::use_awaitable, asio::as_tuple, asio::use_future, asio::deferred.
///
/// Node equivalent: what fs.readFile, crypto.pbkdf2 or zlib do with the libuv threadpool.
template <class F, class CompletionToken = use_promise_t>
auto offload(F&& fn, CompletionToken&& token = {}) {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    using sig = typename detail::value_completion<R>::type;
    return boost::asio::async_initiate<CompletionToken, sig>(detail::initiate_offload{}, token,
                                                             std::forward<F>(fn));
}

} // namespace costream
