// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// loop.hpp: costream::loop, Node's event loop (libuv's uv_run plus Node's tick and
// microtask processing) on top of an Asio io_context.
#pragma once

#include <costream/config.hpp>
#include <costream/detail/loop_queue.hpp>
#include <costream/detail/loop_task.hpp>
#include <costream/detail/loop_timers.hpp>

#include <boost/asio/execution.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace costream {

class loop;

namespace detail {

inline loop*& current_loop_slot() noexcept {
    thread_local loop* current = nullptr;
    return current;
}

/// A settled-and-rejected promise the loop watches for a handler (see promise.hpp).
struct loop_rejection {
    virtual bool handled() const noexcept = 0;
    virtual std::exception_ptr error() const noexcept = 0;
    virtual void add_ref() noexcept = 0;
    virtual void release() noexcept = 0;

protected:
    ~loop_rejection() = default;
};

/// The part of a loop that other threads may touch: a mutex-protected inbox, woken through
/// one asio::post per batch (not per item), and the count of remote refs. It outlives the
/// loop (shared_ptr) so that late posts from other threads are dropped, not use-after-free.
struct loop_remote : std::enable_shared_from_this<loop_remote> {
    std::mutex mutex;
    boost::asio::io_context* io = nullptr; // null once the loop is gone
    std::vector<loop_task> inbox;
    bool wake_pending = false;
    std::atomic<bool> has_items{false};
    std::atomic<long> refs{0};
    std::atomic<int> posting{0};
    std::function<void(std::vector<loop_task>&)> deliver; // runs on the loop thread
    std::vector<loop_task> spare; // the loop thread's swap buffer: keeps the inbox's capacity

    /// Queues `t` for the loop; false (and `t` destroyed here) when the loop is gone.
    bool post(loop_task t) {
        boost::asio::io_context* target = nullptr;
        {
            std::unique_lock lock(mutex);
            if (!io) {
                lock.unlock();
                t.reset();
                return false;
            }
            inbox.push_back(std::move(t));
            has_items.store(true, std::memory_order_release);
            if (!wake_pending) {
                wake_pending = true;
                target = io;
                posting.fetch_add(1, std::memory_order_acq_rel);
            }
        }
        // Wake outside the lock: the woken loop thread takes this mutex at once. The loop's
        // destructor waits for `posting` to drop before it destroys the io_context.
        if (target) {
            boost::asio::post(*target, [self = shared_from_this()] { self->drain(); });
            posting.fetch_sub(1, std::memory_order_acq_rel);
        }
        return true;
    }

    /// Called by the loop's destructor: no post may reach the io_context after this.
    void close() {
        {
            std::lock_guard lock(mutex);
            io = nullptr;
            inbox.clear();
        }
        while (posting.load(std::memory_order_acquire) > 0)
            std::this_thread::yield();
    }

    void drain() {
        std::vector<loop_task> items;
        items.swap(spare);
        {
            std::lock_guard lock(mutex);
            items.swap(inbox);
            wake_pending = false;
            has_items.store(false, std::memory_order_relaxed);
        }
        if (deliver) deliver(items);
        items.clear();
        spare.swap(items);
    }

    /// Wakes a loop blocked in its poll phase so it re-checks whether it is still alive.
    void wake() {
        std::lock_guard lock(mutex);
        if (io) boost::asio::post(*io, [] {});
    }
};

struct loop_access;

/// A duration in microseconds from the environment variable `name` (a number >= 0, clamped
/// to 10000), else `fallback`. For tuning knobs read once at first use.
inline std::chrono::microseconds env_microseconds(const char* name, long fallback) {
    long v = fallback;
    if (const char* e = std::getenv(name)) {
        char* end = nullptr;
        long x = std::strtol(e, &end, 10);
        if (end != e && x >= 0) v = x;
    }
    return std::chrono::microseconds(std::min<long>(v, 10000));
}

/// How many thread-pool threads are running a job right now, in all pools (thread_pool
/// counts them). A thread that would spin-wait checks it against cpu_count(): when the
/// pool's jobs keep every core busy, watching would take CPU time from them.
inline std::atomic<int>& pool_threads_running() noexcept {
    static std::atomic<int> n{0};
    return n;
}

/// std::thread::hardware_concurrency(), at least 1, read once.
inline int cpu_count() noexcept {
    static const int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return n;
}

/// Whether every core is busy with pool jobs (see pool_threads_running()).
inline bool cores_busy_with_pool() noexcept {
    return pool_threads_running().load(std::memory_order_relaxed) >= cpu_count();
}

/// Until when (steady_clock ticks) no thread spin-waits: set by a watcher whose yield gave its
/// core to another thread for longer than spin_preempted_after (see spin_until()).
inline std::atomic<std::int64_t>& spin_paused_until() noexcept {
    static std::atomic<std::int64_t> t{0};
    return t;
}

/// A yield that takes longer than this gave the core to a thread that needed it (a compile, a
/// zlib job, the pool thread this one waits for): 50 us, well above a yield that finds
/// nothing else to run (about 1 us) or one that lets a partner thread take its next job.
inline constexpr std::chrono::microseconds spin_preempted_after{50};

/// How long spinning stays off after a watcher was preempted: 100 ms, so that on a loaded
/// machine a watcher loses at most one time slice per 100 ms finding out that it still is.
inline constexpr std::chrono::milliseconds spin_pause{100};

/// Watches `ready()` until it returns true (then true) or until `until` (then false),
/// pausing between checks (PAUSE on x86, YIELD on ARM) and yielding the CPU every few
/// microseconds: on a machine with fewer cores than busy threads, the thread whose work
/// this one waits for may need exactly this core, and a pure spin would hold it for a
/// whole time slice (milliseconds). Used where a sleep and wake-up (a futex or eventfd
/// round trip through the kernel on both threads, tens of microseconds on a VM) would cost
/// more than watching: the loop waiting for the pool, the pool waiting for work.
///
/// Watching pays only while a core is free. When one of those yields comes back late, another
/// thread wanted this core (another process, or more of costream's threads than cores):
/// then every watcher stops for spin_pause and checks `ready()` once instead (returning
/// false early: the caller sleeps). Measured on 2 cores with one CPU-bound process beside:
/// a loop writing 16 KiB chunks through the pool took 350 us per write with watching, 47 us
/// without; alone, 22-25 us either way.
template <class Ready>
bool spin_until(Ready&& ready, std::chrono::steady_clock::time_point until) noexcept {
    using clock = std::chrono::steady_clock;
    auto now = clock::now();
    if (now.time_since_epoch().count() < spin_paused_until().load(std::memory_order_relaxed))
        return ready();
    auto next_yield = now + std::chrono::microseconds(4);
    for (;;) {
        for (int i = 0; i < 32; ++i) {
            if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#elif defined(__aarch64__)
            asm volatile("yield");
#endif
        }
        now = clock::now();
        if (now >= until) return false;
        if (now >= next_yield) {
            std::this_thread::yield();
            const auto back = clock::now();
            if (back - now > spin_preempted_after) {
                spin_paused_until().store((back + spin_pause).time_since_epoch().count(),
                                          std::memory_order_relaxed);
                return ready();
            }
            next_yield = back + std::chrono::microseconds(4);
        }
    }
}

} // namespace detail

/// Options for constructing a loop.
struct loop_options {
    /// Use a manual (virtual) clock instead of std::chrono::steady_clock: time moves only
    /// through loop::advance() or, when the loop would sleep until a timer and nothing else
    /// can happen, by jumping to that timer's due time. For deterministic timer tests.
    bool manual_clock = false;
};

/// Node's event loop: one per thread, run by run() until nothing ref'd is left.
///
/// Each iteration runs Node's (libuv's) phases: update the cached time, timers, pending
/// callbacks, poll (Asio I/O completions, thread-pool completions, work posted to the
/// executor or from other threads), check (set_immediate), close callbacks. After every
/// single callback the next_tick queue is drained, then the microtask queue, repeatedly
/// until both are empty (Node's processTicksAndRejections). Immediates queued during the
/// check phase run in the next iteration; timers created during the timers phase are not
/// run in that phase.
///
/// The loop owns an asio::io_context (concurrency hint 1). get_executor() returns a
/// standard Asio executor: I/O objects, timers and co_spawn work on it, and each Asio
/// completion is a poll-phase callback followed by the tick and microtask drain.
///
/// Exceptions: an exception escaping any callback (timer, immediate, tick, microtask,
/// I/O completion, close callback) leaves run() and is rethrown to its caller, unless an
/// uncaught-exception handler is installed (Node's process.on('uncaughtException')), in
/// which case the handler gets it and the loop goes on. The loop stays consistent: the
/// callback that threw is consumed, everything else still queued runs when run() is
/// called again. Node ends the process instead; C++ leaves that choice to the caller.
///
/// Thread safety: a loop is used by the thread that runs it. post(), remote handles and
/// the executor's execute() may be used from any thread.
///
/// Node equivalent: the libuv loop plus lib/internal/process/task_queues.js.
class loop {
public:
    class executor_type;
    class remote_handle;

    /// Creates a loop and makes it the current loop of this thread (until it is destroyed).
    explicit loop(loop_options opts = {})
        : manual_(opts.manual_clock), remote_(std::make_shared<detail::loop_remote>()) {
        remote_->io = &io_;
        remote_->deliver = [this](std::vector<detail::loop_task>& items) {
            for (auto& t : items)
                posted_.emplace(std::move(t));
        };
        if (manual_) manual_now_ = 1;
        loop_now_ = clock_now();
        prev_current_ = detail::current_loop_slot();
        detail::current_loop_slot() = this;
    }
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;

    /// Drops everything still queued without running it. Work still running on the thread
    /// pool or posted from other threads for this loop is dropped when it completes.
    ~loop() {
        remote_->close();
        remote_->deliver = nullptr;
        ticks_.clear();
        microtasks_.clear();
        pending_.clear();
        posted_.clear();
        closing_.clear();
        for (auto* r : rejections_)
            r->release();
        rejections_.clear();
        destroy_handles();
        work_.reset();
        // io_ is the last member, so it is destroyed first: the handlers it still holds may
        // own tracked executors that count down io_work_, which must still exist.
        // Leave this thread's stack of current loops, also when destroyed out of order.
        loop*& slot = detail::current_loop_slot();
        if (slot == this) {
            slot = prev_current_;
        } else {
            for (loop* p = slot; p; p = p->prev_current_) {
                if (p->prev_current_ == this) {
                    p->prev_current_ = prev_current_;
                    break;
                }
            }
        }
    }

    /// The current loop of this thread: the most recently constructed live loop, or, when
    /// there is none, a default loop created on first use and kept until the thread ends.
    static loop& current() {
        if (loop* l = detail::current_loop_slot()) [[likely]]
            return *l;
        return make_fallback();
    }

    /// Runs iterations until nothing ref'd is left: no ref'd timers or immediates, no
    /// pending Asio work (tracked executors), thread-pool work, close or pending callbacks,
    /// ref'd handles or remote handles. Like a Node process exiting. First drains the tick
    /// and microtask queues (the end of Node's main script). See the class comment for
    /// exceptions; run() may be called again after it threw or returned.
    void run() {
        for (;;) {
            try {
                run_impl();
                return;
            } catch (...) {
                if (!on_uncaught_) throw;
                on_uncaught_(std::current_exception());
            }
        }
    }

    /// Makes run() return after the current callback (uv_stop). Queued work is kept.
    void stop() noexcept { stop_ = true; }

    /// Node's process.nextTick(f): runs `f` after the current callback, before promises.
    template <class F>
    void next_tick(F&& f) {
        ticks_.emplace(std::forward<F>(f));
    }
    /// Node's queueMicrotask(f): the same FIFO as promise reactions, after the tick queue.
    template <class F>
    void queue_microtask(F&& f) {
        microtasks_.emplace(std::forward<F>(f));
    }
    /// Resumes `h` as a microtask (how promises and ready results resume coroutines). If
    /// the loop is destroyed first, the frame is destroyed.
    void queue_microtask_resume(std::coroutine_handle<> h) { microtasks_.emplace_resume(h); }
    /// Queues `f` for the close-callbacks phase, like uv_close's callback: sockets emit
    /// 'close' from here. Callbacks added during the phase run in the next iteration.
    template <class F>
    void add_close_callback(F&& f) {
        closing_.emplace(std::forward<F>(f));
    }
    /// Queues `f` for the pending-callbacks phase (libuv's deferred I/O callbacks).
    template <class F>
    void queue_pending(F&& f) {
        pending_.emplace(std::forward<F>(f));
    }

    /// Thread-safe: runs `f` on the loop in its poll phase (then the tick/microtask drain).
    /// Wakes the loop if it sleeps. Does not by itself keep run() from returning: hold a
    /// remote_handle for that. Returns false (and drops `f`) if the loop is gone.
    template <class F>
    bool post(F&& f) {
        return remote_->post(detail::loop_task(std::forward<F>(f)));
    }

    /// A thread-safe, ref'd handle on this loop (a ref'd uv_async_t): run() does not return
    /// while one is ref'd. Create it on the loop thread or any thread that knows the loop is
    /// alive; afterwards it may outlive the loop (post() then returns false).
    remote_handle make_remote();

    /// The loop's notion of now in ms (uv_now): updated at the start of each iteration and
    /// whenever a timer samples the clock.
    std::int64_t now() const noexcept { return loop_now_; }
    /// Re-reads the clock into now() (uv_update_time).
    void update_time() noexcept { loop_now_ = clock_now(); }
    /// Whether this loop uses a manual clock (loop_options::manual_clock).
    bool manual_clock() const noexcept { return manual_; }
    /// Moves the manual clock forward (models time passing, e.g. a busy wait). Does not
    /// update now() by itself, as time passing does not in libuv.
    void advance(std::chrono::milliseconds d) noexcept {
        if (manual_) manual_now_ += d.count();
    }

    /// Ref'd handle count (keeps run() alive), for handles that are neither Asio work nor
    /// timers: a listening server, a child process being watched.
    void ref() noexcept { ++handle_refs_; }
    void unref() noexcept { --handle_refs_; }

    /// Whether run() would find work: anything ref'd or queued.
    bool alive() const noexcept {
        return timer_refs_ > 0 || immediate_refs_ > 0 || !closing_.empty() || !pending_.empty() ||
               !posted_.empty() || io_active() || handle_refs_ > 0;
    }

    /// How long run() watches for thread-pool completions before it sleeps, when pool work
    /// is out and nothing else is ready: COSTREAM_LOOP_SPIN_US microseconds (read once,
    /// clamped to [0, 10000]; 0 never spins), else 50. The pool's threads do the same for
    /// new work (thread_pool::default_spin()), so a loop and a pool that hand work back and
    /// forth every few microseconds do it without sleeping. libuv does not spin; the
    /// order of callbacks is the same either way.
    static std::chrono::microseconds remote_spin() {
        static const std::chrono::microseconds d =
            detail::env_microseconds("COSTREAM_LOOP_SPIN_US", 50);
        return d;
    }

    /// Installs Node's process.on('uncaughtException') equivalent: exceptions escaping a
    /// callback go to `h` and the loop continues. Empty `h`: run() rethrows (the default).
    void on_uncaught_exception(std::function<void(std::exception_ptr)> h) {
        on_uncaught_ = std::move(h);
    }

    /// Installs Node's process.on('unhandledRejection') equivalent: called with the error of
    /// each promise rejected with no handler attached by the end of the microtask drain.
    /// Default (empty): the error is thrown out of run(), as Node's default
    /// --unhandled-rejections=throw turns it into an uncaught exception.
    void on_unhandled_rejection(std::function<void(std::exception_ptr)> h) {
        on_unhandled_ = std::move(h);
    }

    /// The io_context the loop polls. Prefer get_executor() for I/O objects: completions
    /// through the raw io_context executor are not followed by the tick/microtask drain
    /// and do not keep run() alive.
    boost::asio::io_context& context() noexcept { return io_; }

    /// The loop's Asio executor (blocking.possibly, untracked).
    executor_type get_executor() noexcept;

    /// Diagnostic: how many times the poll phase entered the io_context (and so possibly
    /// the kernel). It does not when no I/O is outstanding and there is no need to sleep.
    std::uint64_t io_poll_count() const noexcept { return io_polls_; }

    /// True on the thread where this loop is the current loop.
    bool is_current() const noexcept { return detail::current_loop_slot() == this; }

private:
    friend struct detail::loop_access;

    // Out of line so that current(), on every next_tick/set_timeout, stays a TLS load.
    [[gnu::noinline]] static loop& make_fallback() {
        thread_local std::unique_ptr<loop> fallback;
        fallback = std::make_unique<loop>();
        return *fallback;
    }
    friend class executor_type;

    using task = detail::loop_task;

    // --- time -------------------------------------------------------------------------
    std::int64_t clock_now() const noexcept {
        if (manual_) return manual_now_;
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    // node: getLibuvNow() calls uv_update_time, so every timer insertion samples a fresh clock.
    std::int64_t timer_now() noexcept {
        loop_now_ = clock_now();
        return loop_now_;
    }

    // --- callbacks and the tick/microtask drain ---------------------------------------
    struct depth_guard {
        int& d;
        explicit depth_guard(int& x) noexcept : d(x) { ++d; }
        ~depth_guard() { --d; }
    };

    template <class F>
    void run_callback(F& f) {
        {
            depth_guard g(depth_);
            f();
        }
        drain();
    }

    // node: processTicksAndRejections: all ticks, then all microtasks, until both are empty,
    // then report rejections still unhandled.
    void drain() {
        if (ticks_.empty() && microtasks_.empty() && rejections_.empty()) return;
        depth_guard g(depth_);
        do {
            ticks_.run_all();
            microtasks_.run_all();
            if (!rejections_.empty()) report_rejections();
        } while (!ticks_.empty() || !microtasks_.empty());
    }

    void report_rejections() {
        std::vector<detail::loop_rejection*> list;
        list.swap(rejections_);
        std::size_t i = 0;
        try {
            for (; i < list.size(); ++i) {
                detail::loop_rejection* r = list[i];
                if (!r->handled()) {
                    auto e = r->error();
                    r->release();
                    list[i] = nullptr;
                    if (on_unhandled_)
                        on_unhandled_(e);
                    else
                        std::rethrow_exception(e);
                } else {
                    r->release();
                    list[i] = nullptr;
                }
            }
        } catch (...) {
            for (std::size_t j = i + 1; j < list.size(); ++j)
                rejections_.push_back(list[j]);
            throw;
        }
    }

public:
    /// Used by promise.hpp: watch `r`, rejected with no handler, until the drain ends.
    void track_rejection(detail::loop_rejection* r) {
        r->add_ref();
        rejections_.push_back(r);
    }

private:
    // --- executor support -------------------------------------------------------------
    bool io_active() const noexcept {
        return io_work_.load(std::memory_order_relaxed) > 0 || pool_outstanding_ > 0 ||
               remote_->refs.load(std::memory_order_relaxed) > 0 ||
               remote_->has_items.load(std::memory_order_relaxed);
    }

    template <class F>
    void execute(F&& f, bool never) {
        if (is_current()) {
            if (!never) {
                if (depth_ > 0 || !in_io_) {
                    // Nested dispatch, or the "main script": run inline, the outer callback
                    // (or run()) drains afterwards.
                    f();
                    return;
                }
                // Called by the io_context in the poll phase: an I/O completion.
                run_callback(f);
                return;
            }
            posted_.emplace(std::forward<F>(f));
        } else {
            remote_->post(task(std::forward<F>(f)));
        }
    }

    // --- phases -----------------------------------------------------------------------
    void run_impl() {
        struct current_guard {
            loop* self;
            loop* prev;
            explicit current_guard(loop* l) : self(l), prev(detail::current_loop_slot()) {
                detail::current_loop_slot() = l;
            }
            ~current_guard() { detail::current_loop_slot() = prev; }
        } cg(this);
        stop_ = false;
        drain();
        bool r = alive();
        if (!r) update_time();
        // node (libuv uv_run): timers run once before the first iteration in default mode.
        if (r && !stop_) {
            update_time();
            run_timers();
        }
        while (r && !stop_) {
            run_pending();
            poll();
            for (int i = 0; i < 8 && !pending_.empty() && !stop_; ++i)
                run_pending();
            run_check();
            run_closing();
            update_time();
            run_timers();
            r = alive();
        }
    }

    // libuv runs the callbacks present when the phase starts; later ones wait an iteration.
    void run_queue_snapshot(detail::loop_queue<true>& q) {
        detail::loop_queue<true>::run_scope scope(q);
        for (std::size_t n = q.size(); n > 0 && !q.empty() && !stop_; --n) {
            {
                depth_guard g(depth_);
                q.run_front();
            }
            drain();
        }
    }
    void run_pending() {
        if (!pending_.empty()) run_queue_snapshot(pending_);
    }
    void run_closing() {
        if (!closing_.empty()) run_queue_snapshot(closing_);
    }

    void poll_io(bool block, std::optional<std::int64_t> due) {
        struct io_guard {
            bool& f;
            explicit io_guard(bool& x) : f(x) { f = true; }
            ~io_guard() { f = false; }
        } g(in_io_);
        ++io_polls_;
        if (block) {
            if (!due) {
                io_.run_one();
            } else if (manual_) {
                // Real time for the virtual delay; if nothing happened, time jumps.
                std::int64_t delta = std::max<std::int64_t>(0, *due - clock_now());
                if (io_.run_one_for(std::chrono::milliseconds(delta)) == 0 && manual_now_ < *due)
                    manual_now_ = *due;
            } else {
                io_.run_one_until(
                    std::chrono::steady_clock::time_point(std::chrono::milliseconds(*due)));
            }
        }
        io_.poll();
    }

    // libuv's uv__io_poll with the timeout of uv__backend_timeout: do not block when
    // immediates (ref'd), pending or close callbacks wait; block until the next timer
    // otherwise. When no I/O is outstanding, do not enter the kernel unless sleeping.
    void poll() {
        bool io = io_active();
        bool can_block = !stop_ && immediate_refs_ == 0 && closing_.empty() && pending_.empty() &&
                         posted_.empty() && alive();
        std::optional<std::int64_t> due;
        if (!heap_.empty()) due = heap_.top()->expiry;
        if (can_block && pool_outstanding_ > 0 && !manual_ && spin_for_remote(due))
            can_block = false; // a completion came in while this thread watched for it
        if (!can_block) {
            if (io) poll_io(false, due);
        } else if (io) {
            poll_io(true, due);
        } else if (due) {
            if (manual_) {
                if (manual_now_ < *due) manual_now_ = *due;
            } else {
                poll_io(true, due); // sleeps, yet wakes for posts from other threads
            }
        } else {
            poll_io(true, due); // only ref'd handles: wait for whatever they produce
        }
        if (!posted_.empty()) run_queue_snapshot(posted_);
    }

    // Before the loop sleeps while thread-pool work is out: watch the inbox for up to
    // remote_spin(), never past the next timer, and only while a core is free. A completion that
    // comes meanwhile is taken without the sleep and wake-up that a loop keeping one job at a time
    // on the pool (a file copy, a zlib stream) would otherwise pay per chunk. True if something
    // came.
    bool spin_for_remote(std::optional<std::int64_t> due) noexcept {
        const auto spin = remote_spin();
        if (spin.count() == 0) return false;
        auto until = std::chrono::steady_clock::now() + spin;
        if (due)
            until = std::min(
                until, std::chrono::steady_clock::time_point(std::chrono::milliseconds(*due)));
        // Not while the pool's jobs keep every core busy (parallel gzip on all cores): the
        // watching would slow them down more than a wake-up costs.
        bool arrived = false;
        detail::spin_until(
            [&] {
                arrived = remote_->has_items.load(std::memory_order_acquire);
                return arrived || detail::cores_busy_with_pool();
            },
            until);
        return arrived;
    }

    // node: processImmediate. The queue is taken whole at the start (immediates queued now
    // run next iteration); if a callback throws, the rest stays in outstanding_ and runs
    // first next time.
    void run_check() {
        if (outstanding_.empty()) outstanding_.splice(immediates_);
        while (!stop_) {
            auto* n = static_cast<detail::loop_handle_node*>(outstanding_.first());
            if (!n) break;
            n->unlink();
            struct rel {
                detail::loop_handle_node* n;
                ~rel() { n->release(); }
            } keep{n}; // the queue's reference
            n->destroyed = true;
            --immediate_count_;
            if (n->refed) --immediate_refs_;
            n->refed = false;
            {
                depth_guard g(depth_);
                n->call();
            }
            drain();
        }
    }

    // --- timers (node: lib/internal/timers.js) ----------------------------------------
    void run_timers() {
        if (!heap_.empty() && heap_.top()->expiry <= loop_now_) process_timers(timer_now());
    }

    void process_timers(std::int64_t now) {
        while (!heap_.empty() && !stop_) {
            detail::timer_list* list = heap_.top();
            if (list->expiry > now) return;
            list_on_timeout(list, now);
        }
    }

    void free_list_if_orphan(detail::timer_list* list) {
        if (!list->in_map && list->busy == 0) delete list;
    }

    void list_on_timeout(detail::timer_list* list, std::int64_t now) {
        const std::int64_t msecs = list->msecs;
        struct busy_guard {
            loop* self;
            detail::timer_list* l;
            ~busy_guard() {
                --l->busy;
                self->free_list_if_orphan(l);
            }
        } bg{this, list};
        ++list->busy;
        while (detail::timer_node* t = list->first()) {
            std::int64_t diff = now - t->idle_start;
            if (diff < msecs) {
                list->expiry = std::max(t->idle_start + msecs, now + 1);
                list->id = next_list_id_++;
                if (list->in_map) heap_.update(list);
                return;
            }
            t->unlink();
            struct rel {
                detail::timer_node* t;
                ~rel() { t->release(); }
            } keep{t}; // the list's reference
            if (!t->has_callback) {
                if (!t->destroyed) {
                    t->destroyed = true;
                    if (t->refed) --timer_refs_;
                }
                continue;
            }
            std::int64_t start = t->repeat ? timer_now() : 0;
            struct finally {
                loop* self;
                detail::timer_node* t;
                std::int64_t start;
                ~finally() {
                    if (t->repeat && t->idle_timeout != -1) {
                        t->idle_timeout = t->repeat;
                        self->timer_insert(t, t->idle_timeout, start);
                    } else if (!t->linked() && !t->destroyed) {
                        t->destroyed = true;
                        if (t->refed) --self->timer_refs_;
                    }
                }
            };
            {
                finally fin{this, t, start};
                depth_guard g(depth_);
                t->call();
            }
            drain();
            if (stop_) return;
        }
        if (list->in_map) {
            timer_lists_.erase(msecs);
            heap_.remove(list);
            list->in_map = false;
        }
    }

public:
    // Low-level timer operations used by timers.hpp (Node's insert, unenroll, ...).

    /// node: insert(item, msecs, start): append `t` to the list for `msecs`.
    void timer_insert(detail::timer_node* t, std::int64_t msecs,
                      std::optional<std::int64_t> start = {}) {
        std::int64_t s = start ? *start : timer_now();
        t->idle_start = s;
        detail::timer_list*& slot = timer_lists_[msecs];
        if (!slot) {
            auto* l = new detail::timer_list;
            l->expiry = s + msecs;
            l->id = next_list_id_++;
            l->msecs = msecs;
            try {
                heap_.push(l);
            } catch (...) {
                delete l;
                timer_lists_.erase(msecs);
                throw;
            }
            slot = l;
        }
        if (t->linked()) {
            t->unlink(); // L.append removes it from its old list first; keep the list's ref
        } else {
            t->add_ref();
        }
        slot->timers.append(t);
    }

    /// node: unenroll(item).
    void timer_unenroll(detail::timer_node* t) {
        if (t->destroyed) return;
        t->destroyed = true;
        if (t->linked()) {
            t->unlink();
            t->release(); // caller holds a handle reference
        }
        if (t->refed) {
            auto it = timer_lists_.find(t->idle_timeout);
            if (it != timer_lists_.end() && it->second->timers.empty()) {
                detail::timer_list* l = it->second;
                heap_.remove(l);
                timer_lists_.erase(it);
                l->in_map = false;
                free_list_if_orphan(l);
            }
            --timer_refs_;
        }
        // node v20 keeps kRefed: hasRef() stays true after clearTimeout.
        t->idle_timeout = -1;
    }

    /// node: insertGuarded(item, refed, start) as used by Timeout.prototype.refresh.
    void timer_refresh(detail::timer_node* t) {
        if (t->idle_timeout < 0) return;
        bool refed = t->refed;
        bool was_destroyed = t->destroyed;
        timer_insert(t, t->idle_timeout);
        t->destroyed = false;
        if (was_destroyed && refed) ++timer_refs_;
    }

    void timer_ref(detail::loop_handle_node* t, bool timer, bool on) {
        if (t->refed == on) return;
        t->refed = on;
        if (t->destroyed) return;
        int d = on ? 1 : -1;
        if (timer)
            timer_refs_ += d;
        else
            immediate_refs_ += d;
    }

    void timer_created(detail::timer_node* t) {
        t->owner = this;
        if (t->refed) ++timer_refs_;
    }

    void immediate_add(detail::loop_handle_node* n) {
        n->owner = this;
        n->add_ref();
        immediates_.append(n);
        ++immediate_count_;
        if (n->refed) ++immediate_refs_;
    }
    /// node: clearImmediate.
    void immediate_clear(detail::loop_handle_node* n) {
        if (n->destroyed) return;
        --immediate_count_;
        n->destroyed = true;
        if (n->refed) --immediate_refs_;
        n->refed = false;
        n->has_callback = false;
        if (n->linked()) {
            n->unlink();
            n->release();
        }
    }

    /// Number of active timers that keep the loop alive (Node's timers refCount).
    int timer_ref_count() const noexcept { return timer_refs_; }

private:
    void destroy_handles() noexcept {
        for (auto* l : heap_.items()) {
            while (detail::timer_node* t = l->first()) {
                t->unlink();
                t->owner = nullptr;
                t->release();
            }
            delete l;
        }
        heap_.clear();
        timer_lists_.clear();
        for (auto* q : {&immediates_, &outstanding_}) {
            while (auto* n = static_cast<detail::loop_handle_node*>(q->first())) {
                n->unlink();
                n->owner = nullptr;
                n->release();
            }
        }
    }

public:
    // Used by the thread pool: a unit of work was submitted / its completion ran.
    void pool_work_started() noexcept { ++pool_outstanding_; }
    void pool_work_finished() noexcept { --pool_outstanding_; }
    /// Used by the thread pool: the shared state other threads post completions through.
    const std::shared_ptr<detail::loop_remote>& remote_state() const noexcept { return remote_; }

private:
    bool manual_ = false;
    std::int64_t manual_now_ = 0;
    std::int64_t loop_now_ = 0;
    bool stop_ = false;
    bool in_io_ = false;
    int depth_ = 0;
    std::uint64_t io_polls_ = 0;
    loop* prev_current_ = nullptr;

    // Ticks and microtasks run until empty; the others run a snapshot, so they keep a size.
    detail::loop_queue<> ticks_, microtasks_;
    detail::loop_queue<true> pending_, posted_, closing_;
    std::vector<detail::loop_rejection*> rejections_;

    std::unordered_map<std::int64_t, detail::timer_list*> timer_lists_;
    detail::timer_heap heap_;
    std::int64_t next_list_id_ = 0;
    int timer_refs_ = 0;

    detail::loop_link_list immediates_, outstanding_;
    long immediate_count_ = 0;
    long immediate_refs_ = 0;

    std::atomic<long> io_work_{0};
    long pool_outstanding_ = 0;
    long handle_refs_ = 0;
    std::shared_ptr<detail::loop_remote> remote_;

    std::function<void(std::exception_ptr)> on_uncaught_, on_unhandled_;

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
};

/// The loop's Asio standard executor. execute() from the loop thread runs the function
/// inline when blocking.possibly (dispatch; so co_spawn from the loop thread starts the
/// coroutine at once, like calling an async function) and queues it for the poll phase when
/// blocking.never (post, defer); from another thread it goes through loop::post. A tracked executor
/// (prefer(ex, outstanding_work.tracked), which Asio I/O objects hold while an operation is
/// pending) keeps run() from returning. Completions delivered by the io_context run as poll-phase
/// callbacks followed by the tick/microtask drain.
class loop::executor_type {
public:
    executor_type(const executor_type& o) noexcept : loop_(o.loop_), bits_(o.bits_) { started(); }
    executor_type(executor_type&& o) noexcept : loop_(o.loop_), bits_(o.bits_) {
        o.bits_ &= ~tracked_bit;
    }
    executor_type& operator=(const executor_type& o) noexcept {
        if (this != &o) {
            finished();
            loop_ = o.loop_;
            bits_ = o.bits_;
            started();
        }
        return *this;
    }
    executor_type& operator=(executor_type&& o) noexcept {
        if (this != &o) {
            finished();
            loop_ = o.loop_;
            bits_ = o.bits_;
            o.bits_ &= ~tracked_bit;
        }
        return *this;
    }
    ~executor_type() { finished(); }

    /// The loop this executor schedules on.
    costream::loop& get_loop() const noexcept { return *loop_; }
    /// True on the loop's thread.
    bool running_in_this_thread() const noexcept { return loop_->is_current(); }

    executor_type require(boost::asio::execution::blocking_t::possibly_t) const noexcept {
        return executor_type(loop_, bits_ & ~never_bit);
    }
    executor_type require(boost::asio::execution::blocking_t::never_t) const noexcept {
        return executor_type(loop_, bits_ | never_bit);
    }
    executor_type require(boost::asio::execution::relationship_t::fork_t) const noexcept {
        return *this;
    }
    executor_type require(boost::asio::execution::relationship_t::continuation_t) const noexcept {
        return *this;
    }
    executor_type require(boost::asio::execution::outstanding_work_t::tracked_t) const noexcept {
        return executor_type(loop_, bits_ | tracked_bit);
    }
    executor_type require(boost::asio::execution::outstanding_work_t::untracked_t) const noexcept {
        return executor_type(loop_, bits_ & ~tracked_bit);
    }
    template <class A>
    executor_type require(boost::asio::execution::allocator_t<A>) const noexcept {
        return *this;
    }

    static constexpr boost::asio::execution::mapping_t
    query(boost::asio::execution::mapping_t) noexcept {
        return boost::asio::execution::mapping.thread;
    }
    boost::asio::io_context& query(boost::asio::execution::context_t) const noexcept {
        return loop_->io_;
    }
    boost::asio::execution::blocking_t query(boost::asio::execution::blocking_t) const noexcept {
        return (bits_ & never_bit)
                   ? boost::asio::execution::blocking_t(boost::asio::execution::blocking.never)
                   : boost::asio::execution::blocking_t(boost::asio::execution::blocking.possibly);
    }
    static constexpr boost::asio::execution::relationship_t
    query(boost::asio::execution::relationship_t) noexcept {
        return boost::asio::execution::relationship.fork;
    }
    boost::asio::execution::outstanding_work_t
    query(boost::asio::execution::outstanding_work_t) const noexcept {
        return (bits_ & tracked_bit) ? boost::asio::execution::outstanding_work_t(
                                           boost::asio::execution::outstanding_work.tracked)
                                     : boost::asio::execution::outstanding_work_t(
                                           boost::asio::execution::outstanding_work.untracked);
    }
    template <class A>
    std::allocator<void> query(boost::asio::execution::allocator_t<A>) const noexcept {
        return {};
    }

    /// Runs or queues `f` as described in the class comment.
    template <class F>
    void execute(F&& f) const {
        loop_->execute(std::forward<F>(f), (bits_ & never_bit) != 0);
    }

    friend bool operator==(const executor_type& a, const executor_type& b) noexcept {
        return a.loop_ == b.loop_ && a.bits_ == b.bits_;
    }
    friend bool operator!=(const executor_type& a, const executor_type& b) noexcept {
        return !(a == b);
    }

private:
    friend class costream::loop;
    static constexpr unsigned never_bit = 1, tracked_bit = 2;

    executor_type(costream::loop* l, unsigned bits) noexcept : loop_(l), bits_(bits) { started(); }
    void started() noexcept {
        if (bits_ & tracked_bit) loop_->io_work_.fetch_add(1, std::memory_order_relaxed);
    }
    void finished() noexcept {
        if (bits_ & tracked_bit) {
            // The last piece of work from another thread must wake a sleeping loop so that
            // it notices it may return.
            if (loop_->io_work_.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
                !loop_->is_current())
                loop_->remote_->wake();
        }
    }

    costream::loop* loop_;
    unsigned bits_;
};

inline loop::executor_type loop::get_executor() noexcept {
    return executor_type(this, 0);
}

/// A thread-safe handle on a loop, usable after the loop is gone (post() returns false).
/// While ref'd (the default) the loop's run() does not return: a ref'd uv_async_t.
class loop::remote_handle {
public:
    remote_handle() = default;
    explicit remote_handle(std::shared_ptr<detail::loop_remote> s) : s_(std::move(s)) { ref(); }
    remote_handle(const remote_handle& o) : s_(o.s_) {
        if (o.refed_) ref();
    }
    remote_handle(remote_handle&& o) noexcept : s_(std::move(o.s_)), refed_(o.refed_) {
        o.refed_ = false;
    }
    remote_handle& operator=(remote_handle o) noexcept {
        std::swap(s_, o.s_);
        std::swap(refed_, o.refed_);
        return *this;
    }
    ~remote_handle() { unref(); }

    /// Runs `f` on the loop in its poll phase; false if the loop is gone.
    template <class F>
    bool post(F&& f) const {
        return s_ && s_->post(detail::loop_task(std::forward<F>(f)));
    }
    /// Keeps the loop alive (again).
    void ref() {
        if (s_ && !refed_) {
            refed_ = true;
            s_->refs.fetch_add(1, std::memory_order_relaxed);
        }
    }
    /// Stops keeping the loop alive; wakes it so that it can notice.
    void unref() {
        if (s_ && refed_) {
            refed_ = false;
            if (s_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) s_->wake();
        }
    }
    bool has_ref() const noexcept { return refed_; }

private:
    std::shared_ptr<detail::loop_remote> s_;
    bool refed_ = false;
};

inline loop::remote_handle loop::make_remote() {
    return remote_handle(remote_);
}

namespace detail {
// The first use on a thread without a loop creates the default loop. Out of line, and
// reached by a tail call, so that queueing on an existing loop needs no stack frame.
template <class F>
[[gnu::noinline]] void next_tick_on_default_loop(F&& f) {
    loop::current().next_tick(std::forward<F>(f));
}
template <class F>
[[gnu::noinline]] void queue_microtask_on_default_loop(F&& f) {
    loop::current().queue_microtask(std::forward<F>(f));
}

/// Reports `e` as an uncaught exception of loop `l`, as Node treats an exception nobody
/// catches: a next tick rethrows it, so run() throws it, or gives it to the handler of
/// loop::on_uncaught_exception and goes on. For exceptions that must not unwind through
/// their caller: a stream that failed already, an emit in progress, an 'abort' listener.
inline void report_uncaught(loop& l, std::exception_ptr e) {
    l.next_tick([e = std::move(e)] { std::rethrow_exception(e); });
}
} // namespace detail

/// Node's process.nextTick(f, args...) on the current loop.
template <class F, class... Args>
void next_tick(F&& f, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
        if (loop* l = detail::current_loop_slot()) [[likely]]
            l->next_tick(std::forward<F>(f));
        else
            detail::next_tick_on_default_loop(std::forward<F>(f));
    } else {
        costream::next_tick([f = std::forward<F>(f), ... a = std::forward<Args>(args)]() mutable {
            std::invoke(f, a...);
        });
    }
}

/// Node's queueMicrotask(f) on the current loop.
template <class F>
void queue_microtask(F&& f) {
    if (loop* l = detail::current_loop_slot()) [[likely]]
        l->queue_microtask(std::forward<F>(f));
    else
        detail::queue_microtask_on_default_loop(std::forward<F>(f));
}

} // namespace costream
