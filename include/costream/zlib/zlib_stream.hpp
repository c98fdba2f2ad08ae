// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib/zlib_stream.hpp: zlib::zlib_stream, Node's ZlibBase (Gzip, Gunzip, Deflate, Inflate,
// DeflateRaw, InflateRaw, Unzip), and the create_* factories. The zlib work of each chunk
// runs on the thread pool; the loop only pushes the results.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/thread_pool.hpp>
#include <costream/zlib/detail/engine.hpp>
#include <costream/zlib/error.hpp>
#include <costream/zlib/options.hpp>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace costream::zlib {

namespace detail {

/// The result of one zlib call (node: what one processCallback sees).
struct zlib_step {
    costream::buffer out;          // the bytes this call produced (a view of the output buffer)
    std::size_t in_delta = 0;      // input bytes this call consumed
    bool out_full = false;         // avail_out reached 0: the chunk needs more calls
    bool input_left = false;       // the last call, and the stream ended before the input did
    boost::system::error_code err; // the call failed (then out is empty)
    bool last() const noexcept { return err || !out_full; }
};

/// How long a zlib job waits on its pool thread, after a chunk's last call, for the loop to
/// hand it the stream's next chunk: COSTREAM_ZLIB_LINGER_US microseconds (read once,
/// clamped to [0, 10000]; 0 never waits), else 200. Why: a stream's chunks then run on one
/// pool thread, one after another, instead of each on whichever thread the pool wakes; the
/// deflate state (window, hash chains, pending output: about 260 KiB at level 6) stays in
/// that core's cache instead of moving to another core every chunk (measured: libz took 16%
/// more CPU time when each 64 KiB chunk ran on a different thread). The loop normally hands
/// the next chunk within tens of microseconds (the write callback runs, the writable passes
/// its next buffered chunk); a job that waits longer gives up and ends as before, and so
/// does one whose thread other work needs (thread_pool::starved(): every other pool thread is
/// busy while work waits, e.g. the file reads and writes around the stream on a pool of one).
inline std::chrono::microseconds linger_time() {
    static const std::chrono::microseconds d =
        costream::detail::env_microseconds("COSTREAM_ZLIB_LINGER_US", 200);
    return d;
}

/// The zlib side of a zlib_stream: a job on a pool thread that makes zlib calls over the
/// current chunk, each into the rest of the current chunk_size output buffer (node: one
/// DoThreadPoolWork per call), and appends their results to a bounded ring that the loop
/// hands out. The job keeps going without a loop round trip while the ring has room, and
/// stops when the ring is full; the loop starts it again once the consumer has taken half
/// of the ring. So zlib works while the consumer writes, and stops when the consumer stops
/// (at most `capacity` results wait). After the chunk's last call the job parks: it waits
/// briefly (linger_time()) for the loop to hand it the next chunk (hand()), so that the
/// stream's chunks run on one thread; else it ends.
///
/// Threads: the engine and the fields above `mutex` belong to the job while the worker is
/// `running` and to the loop otherwise (parked or idle: the job touches neither until the
/// loop hands it a chunk, under `mutex`); the ring slots in [consumed, produced) belong to
/// the loop, the others to the job; the counters and flags below are under `mutex`. A job
/// that ends (idle) touches nothing of the worker afterwards, so the loop may start the
/// next job before the previous one's completion arrives.
class zlib_worker {
public:
    const std::uint8_t* in = nullptr;
    std::size_t in_len = 0;
    int flush = 0;
    std::size_t chunk_size = 0;
    costream::buffer out; // current output buffer, carried over between chunks as Node does
                          // (empty: the next call makes one)
    std::size_t out_off = 0;

    /// A ring of `capacity` results; a job parks for up to `linger` after a chunk.
    explicit zlib_worker(std::size_t capacity, std::chrono::microseconds linger = linger_time())
        : ring_(capacity), linger_(linger) {}

    std::size_t capacity() const noexcept { return ring_.size(); }

    /// The job (pool thread) started by start() with its `id`. `notify()` tells the loop that
    /// results wait (false: it could not); it is called only when the loop asked for it (see
    /// take()), and for the chunk's last result only if the job parks (else the job's own
    /// completion reports it).
    template <class Notify>
    void run(std::uint64_t id, engine& e, Notify&& notify) noexcept {
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stop_ || produced_ - consumed_ >= ring_.size()) {
                    phase_ = phase::idle;
                    return;
                }
            }
            zlib_step& st = ring_[produced_ % ring_.size()]; // beyond produced_: the job's slot
            // node: a new output buffer once the last one is used up (made here, not after
            // the call that filled it, so that a failed allocation is this call's error)
            boost::system::error_code ec;
            if (out.empty()) {
                try {
                    out = costream::buffer::alloc_unsafe_slow(chunk_size);
                    out_off = 0;
                } catch (...) {
                    ec = make_zlib_error(Z_MEM_ERROR, "insufficient memory");
                }
            }
            const std::size_t avail_out_before = chunk_size - out_off;
            if (!ec) {
                e.write(flush, in, in_len, out.data() + out_off, avail_out_before);
                ec = e.error();
            }
            if (ec) {
                st.err = ec;
                st.in_delta = 0;
                st.out_full = false;
                st.input_left = false;
                st.out = costream::buffer();
            } else {
                const std::size_t avail_out_after = e.avail_out();
                const std::size_t avail_in_after = e.avail_in();
                const std::size_t have = avail_out_before - avail_out_after;
                st.err.clear();
                st.in_delta = in_len - avail_in_after;
                st.out_full = avail_out_after == 0;
                st.input_left = !st.out_full && avail_in_after > 0;
                st.out = have > 0 ? out.subarray(out_off, out_off + have) : costream::buffer();
                out_off += have;
                // node: exhausted the output buffer: the next call makes a new one
                if (st.out_full || out_off >= chunk_size) {
                    out = costream::buffer();
                    out_off = 0;
                }
                in += st.in_delta;
                in_len = avail_in_after;
            }
            const bool last = st.last();
            bool wake = false;
            {
                std::lock_guard lock(mutex_);
                ++produced_;
                if (last) {
                    finished_ = true;
                    // Park (the loop may take this result and hand the next chunk from
                    // now on) unless told to stop, or the stream failed.
                    const bool park = !stop_ && !st.err && linger_.count() > 0;
                    phase_ = park ? phase::parked : phase::idle;
                    if (!park) return; // the completion reports the last result
                    wake = notify_;
                    notify_ = false;
                } else if (notify_ && produced_ - consumed_ >= notify_batch()) {
                    // Batches of a few results per wake-up of the loop.
                    notify_ = false;
                    wake = true;
                }
            }
            if (last) {
                if (wake && !notify()) {
                    // The loop cannot be told: end, so that the completion reports.
                    std::lock_guard lock(mutex_);
                    if (phase_ == phase::parked && owner_ == id) {
                        phase_ = phase::idle;
                        return;
                    }
                    if (owner_ != id || phase_ != phase::running) return;
                    continue; // handed a chunk meanwhile
                }
                if (!linger(id)) return;
                continue;
            }
            if (wake) {
                notify();
                // The loop thread may have been woken onto this core (all others busy):
                // let it hand out the results now rather than after this job's time slice.
                std::this_thread::yield();
            }
        }
    }

    /// Loop: takes the next result into `st`. False if there is none yet; then, while the
    /// job runs, it will notify() once a batch is ready (or its chunk's last result is).
    bool take(zlib_step& st) {
        std::lock_guard lock(mutex_);
        if (consumed_ < produced_) {
            zlib_step& slot = ring_[consumed_ % ring_.size()];
            st = std::move(slot);
            slot.out = costream::buffer();
            ++consumed_;
            return true;
        }
        if (phase_ == phase::running) notify_ = true;
        return false;
    }

    /// Loop: a job owns the engine and the fields above (it makes zlib calls).
    bool busy() {
        std::lock_guard lock(mutex_);
        return phase_ == phase::running;
    }

    /// Loop: whether a job should be started again: the last one stopped with the ring full
    /// (or was stopped) before the chunk's last call, and the consumer has taken at least
    /// half of the ring.
    bool wants_restart() {
        std::lock_guard lock(mutex_);
        return phase_ == phase::idle && !finished_ && produced_ - consumed_ <= ring_.size() / 2;
    }

    /// Loop, worker not busy: a new chunk for the job.
    void begin_chunk(const std::uint8_t* data, std::size_t len, int flush_flag) {
        in = data;
        in_len = len;
        flush = flush_flag;
        std::lock_guard lock(mutex_);
        finished_ = false;
        stop_ = false;
    }

    /// Loop, after begin_chunk(): gives the chunk to the parked job (true), which goes on
    /// with it on its thread; false if no job is parked (then start() a new one).
    bool hand(bool awaited) {
        std::lock_guard lock(mutex_);
        if (phase_ != phase::parked || stop_) return false;
        phase_ = phase::running;
        notify_ = awaited;
        poke_.store(true, std::memory_order_release);
        poked_.notify_one();
        return true;
    }

    /// Loop, worker not busy and no job parked: marks the worker running for a new job and
    /// returns the job's id (run()'s first argument); `awaited`: the loop waits for its
    /// results.
    std::uint64_t start(bool awaited) {
        std::lock_guard lock(mutex_);
        stop_ = false;
        notify_ = awaited;
        phase_ = phase::running;
        owner_ = ++last_id_;
        poke_.store(false, std::memory_order_relaxed);
        return owner_;
    }

    /// Loop, worker not busy: releases a parked job, which ends at once. True if one was
    /// parked (its completion is still to come).
    bool release() {
        std::lock_guard lock(mutex_);
        if (phase_ != phase::parked) return false;
        phase_ = phase::idle;
        poke_.store(true, std::memory_order_release);
        poked_.notify_one();
        return true;
    }

    /// Any thread: the running job stops after its current call, a parked one ends at once
    /// (destroy(), reset()).
    void request_stop() {
        std::lock_guard lock(mutex_);
        stop_ = true;
        if (phase_ == phase::parked) phase_ = phase::idle;
        poke_.store(true, std::memory_order_release);
        poked_.notify_one();
    }

    /// Loop, worker not busy: drops the results not handed out and gives their input back,
    /// so the calls run again (reset() while results wait for the consumer: Node would
    /// make those calls only after the reset). The next call starts a new output buffer.
    void discard_pending() {
        std::lock_guard lock(mutex_);
        if (consumed_ == produced_) return;
        std::size_t back = 0;
        for (; consumed_ < produced_; ++consumed_) {
            zlib_step& slot = ring_[consumed_ % ring_.size()];
            back += slot.in_delta;
            slot.out = costream::buffer();
        }
        in -= back;
        in_len += back;
        finished_ = false;
        out = costream::buffer(); // the next call makes a new one
        out_off = 0;
    }

    /// Loop, worker not busy: drops the results not handed out (destroyed stream).
    void clear() {
        std::lock_guard lock(mutex_);
        for (; consumed_ < produced_; ++consumed_)
            ring_[consumed_ % ring_.size()].out = costream::buffer();
    }

private:
    enum class phase : std::uint8_t {
        idle,    // no job owns the engine (none runs, or one is ending)
        running, // job `owner_` makes zlib calls
        parked,  // job `owner_` finished its chunk and waits for hand()
    };

    std::size_t notify_batch() const noexcept { return std::max<std::size_t>(1, ring_.size() / 4); }

    // The parked job `id` waits for hand(), release() or request_stop() (each sets poke_)
    // for at most linger_, watching with detail::spin_until, or, while watching is paused
    // (another thread needs a core), asleep on poked_. True: handed a chunk, go on.
    bool linger(std::uint64_t id) noexcept {
        const auto until = std::chrono::steady_clock::now() + linger_;
        for (;;) {
            // Other work waits for a thread and every other one is busy (a pool of one,
            // or all threads compressing): do not hold this thread back from it.
            bool starved = false;
            auto poked_or_starved = [&] {
                if (poke_.load(std::memory_order_acquire)) return true;
                starved = thread_pool::instance().starved();
                return starved;
            };
            const bool poked = costream::detail::spin_until(poked_or_starved, until) && !starved;
            std::unique_lock lock(mutex_);
            if (owner_ != id) return false; // released, and another job started since
            poke_.store(false, std::memory_order_relaxed);
            if (phase_ == phase::running) return true; // handed
            if (phase_ == phase::idle) return false;   // released or stopped
            const auto now = std::chrono::steady_clock::now();
            if (!poked && !starved && now < until) {
                // spin_until gave up early: sleep, in slices that look at starved() again.
                poked_.wait_until(lock, std::min(until, now + std::chrono::microseconds(50)),
                                  [&] { return poke_.load(std::memory_order_relaxed); });
                continue;
            }
            if (!poked) {
                phase_ = phase::idle; // timed out, or the pool needs this thread
                return false;
            }
        }
    }

    std::vector<zlib_step> ring_;
    std::chrono::microseconds linger_;
    std::atomic<bool> poke_{false}; // a parked job should look at phase_ (set under mutex_)
    std::mutex mutex_;
    std::condition_variable poked_; // poke_ was set (a parked job that does not watch sleeps)
    std::uint64_t produced_ = 0, consumed_ = 0;
    std::uint64_t owner_ = 0, last_id_ = 0; // the job that runs or is parked; the last id given
    phase phase_ = phase::idle;
    bool notify_ = false;   // the loop waits for results: notify() after a batch
    bool finished_ = false; // the chunk's last call was made
    bool stop_ = false;
};

} // namespace detail

/// Node's zlib stream (ZlibBase: Gzip, Gunzip, Deflate, Inflate, DeflateRaw, InflateRaw,
/// Unzip): a transform from uncompressed to compressed bytes or back. Made by create_gzip()
/// and friends.
///
/// Each written chunk is compressed or decompressed on costream's thread pool (Node: the
/// libuv threadpool), so the loop keeps serving timers and I/O meanwhile. Only one piece
/// of work per stream is in flight at a time, so chunks keep their order and the z_stream
/// is never touched by two threads. Output is pushed as views of chunk_size buffers, cut
/// exactly where Node cuts them ('data' events are the same chunks as Node's); when push()
/// returns false, the stream waits for the consumer to read before producing more.
///
/// Events and order are Node's: 'data'..., then ('finish' comes first for zlib streams)
/// 'prefinish', the end() callback, 'finish', 'end', 'close'. A corrupt or truncated input
/// destroys the stream with a zlib error (node_code "Z_DATA_ERROR" / "Z_BUF_ERROR",
/// message "incorrect header check" / "unexpected end of file", error_errno -3 / -5):
/// 'error' once, then 'close'.
///
///     auto gz = costream::zlib::create_gzip({.level = 9});
///     costream::stream::pipeline(source, gz, sink, [](auto ec) { ... });
class zlib_stream : public stream::basic_duplex<costream::buffer> {
    using base = stream::basic_duplex<costream::buffer>;

public:
    /// The chunk type on both sides (named once for pipe()/pipeline(), which read it).
    using chunk_type = costream::buffer;
    using write_callback = typename stream::basic_writable<costream::buffer>::write_callback;
    using final_callback = typename stream::basic_writable<costream::buffer>::final_callback;

    /// A stream of kind `m`; throws range_error ERR_OUT_OF_RANGE for bad options (Node's
    /// checks and messages), costream::error ERR_ZLIB_INITIALIZATION_FAILED if zlib refuses.
    zlib_stream(zlib::mode m, const options& o)
        : zlib_stream(detail::resolve(m, o), stream_options(o.stream)) {}

    /// Node's bytesWritten: input bytes consumed by the engine so far.
    std::uint64_t bytes_written() const noexcept { return bytes_written_; }
    /// The kind of stream (gzip, gunzip, ...).
    zlib::mode get_mode() const noexcept { return opts_.mode; }

    /// Node's flush(kind, callback): writes a flush marker through the stream, so that
    /// everything written before it comes out (Z_FULL_FLUSH by default). After end(), the
    /// callback waits for 'end'; after 'finish' it runs on the next tick.
    void flush(int kind, stream::write_completion cb = {}) {
        detail::check_range(std::optional<int>(kind), "kind", Z_NO_FLUSH, Z_BLOCK, 0);
        if (this->writable_finished()) {
            if (cb) this->get_loop().next_tick([cb = std::move(cb)]() mutable { cb({}); });
        } else if (this->writable_ended()) {
            if (cb) {
                auto box = std::make_shared<stream::write_completion>(std::move(cb));
                this->once("end", [box] { (*box)({}); });
            }
        } else {
            this->write(flush_marker_.subarray(kind, kind), std::move(cb));
        }
    }
    /// flush() with Node's default kind, Z_FULL_FLUSH.
    void flush(stream::write_completion cb = {}) { flush(Z_FULL_FLUSH, std::move(cb)); }

    /// Node's params(level, strategy, callback): changes the compression level and
    /// strategy after flushing what was written (Z_SYNC_FLUSH). Deflate-side streams only.
    /// Unlike Node (whose params() can run deflateParams while the next chunk is on the
    /// thread pool, failing with Z_STREAM_ERROR), the change takes effect exactly at the
    /// flush point in the write sequence: chunks written before params() use the old
    /// settings, chunks written after it the new ones.
    void params(int level, int strategy, stream::write_completion cb = {}) {
        detail::check_range(std::optional<int>(level), "level", constants::Z_MIN_LEVEL,
                            constants::Z_MAX_LEVEL, 0);
        detail::check_range(std::optional<int>(strategy), "strategy", Z_DEFAULT_STRATEGY, Z_FIXED,
                            0);
        if (level_ != level || strategy_ != strategy) {
            if (this->writable_ended() || this->writable_finished()) {
                flush(Z_SYNC_FLUSH, std::move(cb)); // node: flush() ignores the params then
                return;
            }
            params_queue_.emplace_back(level, strategy);
            auto box = std::make_shared<stream::write_completion>(std::move(cb));
            this->write(flush_marker_.subarray(params_marker, params_marker),
                        [s = stream::ptr<zlib_stream>(this), level, strategy,
                         box](const boost::system::error_code& ec) {
                            // node: paramsAfterFlushCallback
                            if (!ec && !s->destroyed()) {
                                s->level_ = level;
                                s->strategy_ = strategy;
                            }
                            if (*box) (*box)(ec);
                        });
        } else if (cb) {
            this->get_loop().next_tick([cb = std::move(cb)]() mutable { cb({}); });
        }
    }

    /// Node's reset(): resets the engine to its initial state (throws if closed).
    void reset() {
        if (!engine_ || engine_->closed())
            throw costream::error(errc::zlib_initialization_failed, "zlib binding closed");
        pending_reset_ = true;
        apply_pending();
    }

    /// Node's close(callback): destroys the stream; `cb` runs at 'close'.
    void close(std::function<void()> cb = {}) {
        if (cb) this->once("close", std::move(cb));
        this->destroy();
    }

protected:
    zlib_stream(detail::resolved_options r, const stream::duplex_options& so)
        : base(so), opts_(std::move(r)), level_(opts_.level), strategy_(opts_.strategy),
          worker_(ring_capacity(opts_.chunk_size)) {
        // node: transform.js `this._readableState.sync = false`
        this->clear_readable_sync();
        engine_ = std::make_unique<detail::engine>(opts_);
        if (engine_->init_failed())
            throw costream::error(errc::zlib_initialization_failed, "Initialization failed");
        worker_.chunk_size = opts_.chunk_size;
        worker_.out = costream::buffer::alloc_unsafe_slow(opts_.chunk_size);
        // flush(kind) writes an empty view at offset `kind` of this private storage (Node
        // tags its empty flush buffers with a symbol; a view's position is our tag).
        flush_marker_ = costream::buffer::alloc_unsafe_slow(8);
    }

    // node: transform.js Transform.prototype._write + zlib.js ZlibBase.prototype._transform
    void do_write(costream::buffer&& chunk, std::optional<costream::encoding>,
                  write_callback cb) override {
        int flush_flag = opts_.flush;
        apply_params_ = false;
        if (chunk.empty() && chunk.shares_storage_with(flush_marker_)) {
            flush_flag = static_cast<int>(chunk.data() - flush_marker_.data());
            if (flush_flag == params_marker) {
                flush_flag = Z_SYNC_FLUSH;
                apply_params_ = true;
            }
        }
        // node: for the last chunk, also apply finishFlush
        if (this->writable_ended() && this->writable_length() == chunk.size())
            flush_flag = detail::max_flush(flush_flag, opts_.finish_flush);
        length_at_write_ = this->readable_length();
        wcb_.emplace(std::move(cb));
        wcb_->unown(); // held by the stream itself: no reference cycle
        kind_ = chunk_kind::write;
        process_chunk(std::move(chunk), flush_flag);
    }
    void do_write(costream::buffer&& chunk, write_callback cb) override {
        do_write(std::move(chunk), std::nullopt, std::move(cb));
    }

    // node: ZlibBase.prototype._final calls back at once ("Transform compat"), then the
    // 'prefinish' listener runs transform.js final(), which runs _flush: an empty chunk.
    void do_final(final_callback cb) override {
        cb();
        if (this->destroyed()) {
            this->push(nullptr);
            return;
        }
        kind_ = chunk_kind::flush;
        int flush_flag = opts_.flush;
        if (this->writable_ended() && this->writable_length() == 0)
            flush_flag = detail::max_flush(flush_flag, opts_.finish_flush);
        process_chunk(costream::buffer(), flush_flag);
    }

    void do_read(std::size_t) override {
        read_requested_ = true; // until a push answers it
        // node: processCallback's replaced _read: resume the chunk, then Transform._read
        if (waiting_read_) {
            waiting_read_ = false;
            deliver();
            return;
        }
        // node: transform.js Transform.prototype._read
        if (pending_cb_) {
            write_callback c = std::move(*pending_cb_);
            pending_cb_.reset();
            c();
        }
    }

    // node: ZlibBase.prototype._destroy -> _close(this)
    void do_destroy(const boost::system::error_code& ec, destroy_callback cb) override {
        worker_.request_stop(); // a parked job ends at once, so the engine is free then
        close_engine();
        // node: a chunk on the pool still calls back when it returns; one that waits for
        // the consumer never does
        if (!awaiting_) wcb_.reset();
        pending_cb_.reset();
        cb(ec);
    }

private:
    enum class chunk_kind : std::uint8_t { write, flush };

    static stream::duplex_options stream_options(stream::duplex_options so) {
        // node: zlib ignores encoding and object mode
        so.encoding.reset();
        so.object_mode = so.readable_object_mode = so.writable_object_mode = false;
        return so;
    }

    // node: zlib.js processChunk
    void process_chunk(costream::buffer chunk, int flush_flag) {
        if (!engine_ || engine_->closed()) {
            this->get_loop().next_tick([s = stream::ptr<zlib_stream>(this)] { s->chunk_done(); });
            return;
        }
        in_ = std::move(chunk);
        awaiting_ = true; // node: the chunk is on the pool
        apply_pending();
        if (!engine_ || engine_->closed()) { // a failed reset() destroyed the stream
            awaiting_ = false;
            this->get_loop().next_tick([s = stream::ptr<zlib_stream>(this)] { s->chunk_done(); });
            return;
        }
        worker_.begin_chunk(in_.data(), in_.size(), flush_flag);
        job_in_ = in_;
        // The job that made the previous chunk's calls may still wait on its thread: it
        // goes on with this chunk there (same core, warm caches), else a new job starts.
        if (!worker_.hand(awaiting_)) start_job();
    }

    // Results of zlib calls that may wait for the consumer: 256 KiB of output buffers (16 of
    // Node's default 16 KiB chunks), at least 4.
    static std::size_t ring_capacity(std::size_t chunk_size) {
        return std::clamp<std::size_t>((256 * 1024) / std::max<std::size_t>(chunk_size, 1), 4, 64);
    }
    // flush_marker_ offsets 0..5 are flush kinds; this one is params()' sync flush.
    static constexpr int params_marker = 6;

    void start_job() {
        apply_pending();
        if (!engine_ || engine_->closed()) { // a failed reset() destroyed the stream
            awaiting_ = false;
            this->get_loop().next_tick([s = stream::ptr<zlib_stream>(this)] { s->chunk_done(); });
            return;
        }
        if (!remote_.has_value()) {
            remote_.emplace(this->get_loop().make_remote());
            remote_->unref(); // the job's own completion keeps the loop alive
        }
        const std::uint64_t id = worker_.start(awaiting_);
        ++jobs_out_;
        // The input buffer stays alive while a job reads it (job_in_, until no job is out),
        // even if the chunk is dropped meanwhile (destroy() while the job runs ahead).
        // `self` is safe in notify(): the job's completion, which holds a reference on the
        // stream, is posted after it.
        costream::offload(
            [id, e = engine_.get(), w = &worker_, remote = &*remote_, self = this]() noexcept {
                w->run(id, *e, [remote, self]() noexcept {
                    try {
                        return remote->post([self] { self->on_results(); });
                    } catch (...) {
                        return false; // no memory for the wake-up: the completion reports
                    }
                });
            },
            [s = stream::ptr<zlib_stream>(this)](std::exception_ptr) { s->on_job_done(); });
    }

    void on_job_done() {
        --jobs_out_;
        const bool busy = worker_.busy();
        if (jobs_out_ == 0) job_in_ = costream::buffer();
        if (close_pending_ && !busy) {
            close_pending_ = false;
            engine_->close();
        }
        if (!this->destroyed()) apply_pending();
        on_results();
    }

    // Results wait in the ring (the job notified, or completed).
    void on_results() {
        // node: processCallback `if (self.destroyed) { this.cb(); return; }`
        if (this->destroyed()) {
            if (!worker_.busy()) worker_.clear();
            if (awaiting_) {
                awaiting_ = false;
                chunk_done();
            }
            return;
        }
        if (awaiting_) deliver();
    }

    // node: processCallback, once per zlib call
    void deliver() {
        awaiting_ = false;
        for (;;) {
            detail::zlib_step st;
            if (!worker_.take(st)) {
                awaiting_ = true; // node: the next call is on the pool
                // A job stopped with the ring full (or for a reset): start another.
                if (worker_.wants_restart()) start_job();
                return;
            }
            if (worker_.wants_restart()) start_job();
            if (st.err) {
                // node: zlibOnError: destroy with the error; the chunk's callback is dropped
                this->destroy(st.err);
                return;
            }
            bytes_written_ += st.in_delta;
            bool full = false;
            if (!st.out.empty()) {
                read_requested_ = false;
                full = !this->push(std::move(st.out));
            }
            if (this->destroyed()) {
                if (!worker_.busy()) worker_.clear();
                chunk_done();
                return;
            }
            if (!st.out_full) {
                // node: the chunk is done; a stream that ended before its input did ends
                if (st.input_left && !this->readable_ended_pushed()) this->push(nullptr);
                chunk_done();
                return;
            }
            if (full) {
                waiting_read_ = true; // node: wait for _read before the next call
                return;
            }
        }
    }

    // The chunk is done: node's `this.cb()` in processCallback.
    void chunk_done() {
        in_ = costream::buffer();
        if (!worker_.busy()) {
            worker_.in = nullptr;
            worker_.in_len = 0;
        }
        if (kind_ == chunk_kind::flush) {
            worker_.release(); // the stream ended: no next chunk for a parked job
            // node: transform.js final(): the _flush callback
            if (!this->destroyed() && !this->readable_ended_pushed()) this->push(nullptr);
            return;
        }
        if (apply_params_ && !params_queue_.empty() && !this->destroyed()) {
            // params(): the sync flush is done and nothing is on the pool: switch here
            apply_params_ = false;
            auto [level, strategy] = params_queue_.front();
            params_queue_.pop_front();
            if (engine_ && !engine_->closed())
                if (auto ec = engine_->params(level, strategy)) {
                    wcb_.reset();
                    this->destroy(ec);
                    return;
                }
        }
        if (!wcb_) return;
        write_callback cb = std::move(*wcb_);
        wcb_.reset();
        // node: transform.js Transform.prototype._write's callback
        if (this->readable_ended_pushed()) {
            auto box = std::make_shared<write_callback>(std::move(cb));
            this->get_loop().next_tick(
                [s = stream::ptr<zlib_stream>(this), box]() mutable { (*box)(); });
        } else if (this->writable_ended() || length_at_write_ == this->readable_length() ||
                   this->readable_length() < this->readable_high_water_mark() || read_requested_) {
            // (read_requested_: do_read resumed this chunk synchronously, inside read(), where
            // the buffer still counts the data being read; Node resumes on the pool and checks
            // later. Holding the callback then would wait for a read that never comes.)
            cb();
        } else {
            pending_cb_.emplace(std::move(cb));
        }
    }

    void apply_pending() {
        if (!pending_reset_ || !engine_ || engine_->closed()) return;
        if (worker_.busy()) {
            worker_.request_stop(); // applied when the job completes
            return;
        }
        pending_reset_ = false;
        // Results computed before the reset but not handed out yet are made again after it,
        // as Node makes those calls only when the consumer asks for them (by a new job: a
        // parked one ends).
        worker_.release();
        worker_.discard_pending();
        if (auto ec = engine_->reset()) this->destroy(ec);
    }

    void close_engine() {
        if (!engine_) return;
        if (worker_.busy())
            close_pending_ = true; // node: pending_close_ while a write is in progress
        else
            engine_->close();
    }

    detail::resolved_options opts_;
    int level_, strategy_;
    std::unique_ptr<detail::engine> engine_;
    detail::zlib_worker worker_;
    std::optional<loop::remote_handle> remote_; // unref'd: how the job wakes the loop
    costream::buffer in_;
    costream::buffer job_in_; // the chunk a job reads: kept while any job is out
    costream::buffer flush_marker_;
    std::optional<write_callback> wcb_;
    std::optional<write_callback> pending_cb_;     // node: transform.js this[kCallback]
    std::deque<std::pair<int, int>> params_queue_; // params() in write order
    std::uint64_t bytes_written_ = 0;
    std::size_t length_at_write_ = 0;
    chunk_kind kind_ = chunk_kind::write;
    std::size_t jobs_out_ = 0; // offloaded jobs whose completion has not run (at most 2:
                               // one ending, one started after it)
    bool awaiting_ = false;    // node: the chunk is on the pool (no result to hand out yet)
    bool waiting_read_ = false;
    bool close_pending_ = false;
    bool pending_reset_ = false;
    bool apply_params_ = false;
    bool read_requested_ = false;
};

/// zlib.createGzip(options): compresses to the gzip format.
inline stream::ptr<zlib_stream> create_gzip(const options& o = {}) {
    return stream::make<zlib_stream>(mode::gzip, o);
}
/// zlib.createGunzip(options): decompresses gzip (concatenated members decode as one stream;
/// trailing zero bytes are ignored, as Node does).
inline stream::ptr<zlib_stream> create_gunzip(const options& o = {}) {
    return stream::make<zlib_stream>(mode::gunzip, o);
}
/// zlib.createDeflate(options): compresses to the zlib format (RFC 1950).
inline stream::ptr<zlib_stream> create_deflate(const options& o = {}) {
    return stream::make<zlib_stream>(mode::deflate, o);
}
/// zlib.createInflate(options): decompresses the zlib format.
inline stream::ptr<zlib_stream> create_inflate(const options& o = {}) {
    return stream::make<zlib_stream>(mode::inflate, o);
}
/// zlib.createDeflateRaw(options): compresses to raw deflate (RFC 1951), no header.
inline stream::ptr<zlib_stream> create_deflate_raw(const options& o = {}) {
    return stream::make<zlib_stream>(mode::deflate_raw, o);
}
/// zlib.createInflateRaw(options): decompresses raw deflate.
inline stream::ptr<zlib_stream> create_inflate_raw(const options& o = {}) {
    return stream::make<zlib_stream>(mode::inflate_raw, o);
}
/// zlib.createUnzip(options): decompresses gzip or zlib format, detected from the header.
inline stream::ptr<zlib_stream> create_unzip(const options& o = {}) {
    return stream::make<zlib_stream>(mode::unzip, o);
}

} // namespace costream::zlib
