// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib/parallel_gzip.hpp: zlib::parallel_gzip (beyond Node): gzip compression of independent
// blocks on all thread-pool threads at once, emitted as one standard gzip member (pigz's
// scheme), and create_parallel_gzip().
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/thread_pool.hpp>
#include <costream/zlib/error.hpp>
#include <costream/zlib/options.hpp>

#include <boost/system/error_code.hpp>

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace costream::zlib {

/// Options of create_parallel_gzip().
struct parallel_gzip_options {
    std::optional<int> level{};     ///< -1..9 (default 6, as gzip)
    std::optional<int> mem_level{}; ///< 1..9 (default 8)
    std::optional<int> strategy{};  ///< 0..4 (default Z_DEFAULT_STRATEGY)
    /// Input bytes per independently compressed block (default 128 KiB, at least 32 KiB).
    std::optional<std::size_t> block_size{};
    /// Blocks compressed or waiting to be emitted at once (default: twice the pool size).
    /// Memory is bounded by about max_in_flight * (2 * block_size + zlib's state).
    std::optional<std::size_t> max_in_flight{};
    stream::duplex_options stream{}; ///< high_water_mark etc. of the stream
};

namespace detail {

// z_streams (raw deflate) shared by the jobs of one parallel_gzip: a job takes one for the
// blocks it compresses (resetting it for each) and gives it back when it ends, so a stream
// allocates about as many as it runs jobs at once.
class deflater_pool {
public:
    deflater_pool(int level, int mem_level, int strategy)
        : level_(level), mem_level_(mem_level), strategy_(strategy) {}
    deflater_pool(const deflater_pool&) = delete;
    deflater_pool& operator=(const deflater_pool&) = delete;
    ~deflater_pool() {
        for (z_stream* z : free_) {
            ::deflateEnd(z);
            delete z;
        }
    }
    z_stream* acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                z_stream* z = free_.back();
                free_.pop_back();
                return z;
            }
        }
        auto* z = new z_stream{};
        if (::deflateInit2(z, level_, Z_DEFLATED, -15, mem_level_, strategy_) != Z_OK) {
            delete z;
            return nullptr;
        }
        return z;
    }
    void release(z_stream* z) {
        std::lock_guard lock(mutex_);
        free_.push_back(z);
    }

private:
    int level_, mem_level_, strategy_;
    std::mutex mutex_;
    std::vector<z_stream*> free_;
};

// One block: compressed on a pool thread, read on the loop after its completion.
struct gzip_block {
    costream::buffer in;   // the block's input (whole block_size buffer, or less at the end)
    costream::buffer dict; // the previous block's last 32 KiB (empty for the first)
    std::size_t len = 0;   // in.size(), kept after run() released `in`
    bool last = false;
    // results
    costream::buffer out;
    std::uint32_t crc = 0;
    boost::system::error_code err;
    std::atomic<bool> done{false}; // set by the pool thread after the results

    // pigz: a raw deflate of the block primed with the previous 32 KiB as dictionary; a
    // non-last block ends with a sync flush (byte-aligned, not final), the last with
    // Z_FINISH, so the concatenation is one valid deflate stream.
    // `z`: the calling job's deflater (null when none could be allocated).
    void run(z_stream* z) noexcept {
        crc = static_cast<std::uint32_t>(::crc32(0, in.data(), static_cast<uInt>(in.size())));
        if (!z) {
            err = make_zlib_error(Z_MEM_ERROR, "insufficient memory");
            return;
        }
        int rc = ::deflateReset(z);
        if (rc == Z_OK && !dict.empty())
            rc = ::deflateSetDictionary(z, dict.data(), static_cast<uInt>(dict.size()));
        std::size_t cap = ::deflateBound(z, static_cast<uLong>(in.size())) + 16;
        costream::buffer o;
        if (!allocate(o, cap)) return;
        std::size_t have = 0;
        z->next_in = const_cast<Bytef*>(in.data());
        z->avail_in = static_cast<uInt>(in.size());
        const int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
        while (rc == Z_OK) {
            if (have == o.size()) { // deflateBound is an upper bound: only a safety net
                costream::buffer bigger;
                if (!allocate(bigger, o.size() * 2)) return;
                std::memcpy(bigger.data(), o.data(), have);
                o = std::move(bigger);
            }
            z->next_out = o.data() + have;
            z->avail_out = static_cast<uInt>(o.size() - have);
            rc = ::deflate(z, flush);
            have = o.size() - z->avail_out;
            if (rc == Z_STREAM_END) break;
            if (rc == Z_OK && z->avail_out != 0 && z->avail_in == 0) break; // flushed
        }
        if (rc != Z_OK && rc != Z_STREAM_END)
            err = make_zlib_error(rc, z->msg ? z->msg : "Zlib error");
        out = o.subarray(0, have);
        in = costream::buffer(); // the next block keeps what it needs as its dictionary
        dict = costream::buffer();
    }

private:
    // An output buffer of `n` bytes; false (the block's error) if there is no memory: run()
    // is noexcept on a pool thread, where a bad_alloc would end the process.
    bool allocate(costream::buffer& b, std::size_t n) noexcept {
        try {
            b = costream::buffer::alloc_unsafe_slow(n);
            return true;
        } catch (...) {
            err = make_zlib_error(Z_MEM_ERROR, "insufficient memory");
            return false;
        }
    }
};

// The blocks waiting for a compressing thread, shared by the stream and its pool jobs. A job
// takes blocks until none is left, so a thread goes from one block to the next without a
// loop round trip; at most `max_jobs` jobs run, so compression does not take every pool
// thread (file reads and writes of the same pipeline need one) nor more threads than cores.
struct gzip_queue {
    explicit gzip_queue(int level, int mem_level, int strategy)
        : deflaters(level, mem_level, strategy) {}
    deflater_pool deflaters;
    std::mutex mutex;
    std::deque<std::shared_ptr<gzip_block>> blocks; // submitted, not yet taken by a job
    std::size_t jobs = 0;                           // jobs running
};

} // namespace detail

/// Parallel gzip compression (beyond Node; pigz's scheme): the input is cut into blocks
/// (128 KiB by default), each compressed as raw deflate on a thread-pool thread, primed
/// with the previous block's last 32 KiB as dictionary, so all pool threads compress at
/// once. The output is one standard gzip member (one header, the blocks' deflate data in
/// order, one trailer with the CRC-32 combined by crc32_combine and the length) that
/// `gzip -d`, create_gunzip() or any gunzip reads. Compression is slightly worse than
/// create_gzip at the same level (each block ends with a 5-byte sync marker and cannot
/// refer past 32 KiB back), and the bytes differ from it when the input spans blocks.
///
/// Memory is bounded: at most max_in_flight blocks are being compressed or waiting to be
/// emitted; beyond that, and while the readable side is at its high_water_mark, writes are
/// held back (the write callback waits), which is backpressure to the writer.
///
/// Events: a transform's ('data'..., then at end(): 'prefinish', 'end', the end()
/// callback, 'finish', 'close'); a zlib failure destroys the stream with it.
class parallel_gzip : public stream::basic_duplex<costream::buffer> {
    using base = stream::basic_duplex<costream::buffer>;

public:
    /// The chunk type on both sides.
    using chunk_type = costream::buffer;
    using write_callback = typename stream::basic_writable<costream::buffer>::write_callback;
    using final_callback = typename stream::basic_writable<costream::buffer>::final_callback;

    /// Throws range_error ERR_OUT_OF_RANGE for options out of range.
    explicit parallel_gzip(const parallel_gzip_options& o = {})
        : base(o.stream),
          level_(detail::check_range(o.level, "options.level", constants::Z_MIN_LEVEL,
                                     constants::Z_MAX_LEVEL, Z_DEFAULT_COMPRESSION)),
          mem_level_(detail::check_range(o.mem_level, "options.memLevel", constants::Z_MIN_MEMLEVEL,
                                         constants::Z_MAX_MEMLEVEL, constants::Z_DEFAULT_MEMLEVEL)),
          strategy_(detail::check_range(o.strategy, "options.strategy", Z_DEFAULT_STRATEGY, Z_FIXED,
                                        Z_DEFAULT_STRATEGY)),
          block_size_(detail::check_range<std::size_t>(o.block_size, "options.blockSize", 32 * 1024,
                                                       1 << 30, 128 * 1024)),
          max_in_flight_(
              detail::check_range<std::size_t>(o.max_in_flight, "options.maxInFlight", 1, 1024,
                                               2 * costream::thread_pool::instance().size())),
          max_jobs_(default_jobs()),
          queue_(std::make_shared<detail::gzip_queue>(level_, mem_level_, strategy_)) {
        this->clear_readable_sync(); // node: transform.js
    }

    /// Input bytes accepted so far (as zlib streams' bytes_written()).
    std::uint64_t bytes_written() const noexcept { return total_in_; }

protected:
    void do_write(costream::buffer&& chunk, std::optional<costream::encoding>,
                  write_callback cb) override {
        length_at_write_ = this->readable_length();
        cur_ = std::move(chunk);
        cur_off_ = 0;
        wcb_.emplace(std::move(cb));
        wcb_->unown();
        feed();
    }
    void do_write(costream::buffer&& chunk, write_callback cb) override {
        do_write(std::move(chunk), std::nullopt, std::move(cb));
    }

    void do_final(final_callback cb) override {
        fcb_.emplace(std::move(cb));
        submit(true);
    }

    void do_read(std::size_t) override {
        // node: a _read call must lead to a push, or the readable never calls it again: owe
        // one until a block is submitted (its output will be pushed) or a block is pushed
        read_requested_ = true;
        if (waiting_read_) {
            waiting_read_ = false;
            drain(); // compressed blocks wait for the reader, and input for their room
            if (this->destroyed()) return;
        }
        // node: transform.js Transform.prototype._read
        if (pending_cb_) {
            write_callback c = std::move(*pending_cb_);
            pending_cb_.reset();
            c();
        }
    }

    void do_destroy(const boost::system::error_code& ec, destroy_callback cb) override {
        {
            std::lock_guard lock(queue_->mutex);
            queue_->blocks.clear(); // not compressed by anyone now
        }
        wcb_.reset();
        pending_cb_.reset();
        fcb_.reset();
        cb(ec);
    }

private:
    static constexpr std::size_t window = 32 * 1024;

    // Compressing threads: the pool's threads but one (left for the file reads and writes
    // around the stream), at most one per core.
    static std::size_t default_jobs() {
        const std::size_t pool = costream::thread_pool::instance().size();
        const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
        return std::max<std::size_t>(1, std::min(pool > 1 ? pool - 1 : 1, cores));
    }

    // Copies the current chunk into blocks, submitting each full one, while max_in_flight
    // blocks (compressing, or compressed and waiting for the reader) allow.
    void feed() {
        while (cur_off_ < cur_.size()) {
            if (jobs_.size() >= max_in_flight_) return; // resumed by drain()
            if (block_.empty()) {
                block_ = costream::buffer::alloc_unsafe_slow(block_size_);
                block_len_ = 0;
            }
            const std::size_t n = std::min(cur_.size() - cur_off_, block_size_ - block_len_);
            std::memcpy(block_.data() + block_len_, cur_.data() + cur_off_, n);
            block_len_ += n;
            cur_off_ += n;
            total_in_ += n;
            if (block_len_ == block_size_) submit(false);
        }
        if (!wcb_) return;
        cur_ = costream::buffer();
        write_callback cb = std::move(*wcb_);
        wcb_.reset();
        // node: transform.js Transform.prototype._write's callback
        // (plus: a read request not yet answered by a push would never come again, so a held
        // callback would wait forever: call it now, as Node's asynchronous resume would
        // once the read had taken its data)
        if (this->writable_ended() || length_at_write_ == this->readable_length() ||
            this->readable_length() < this->readable_high_water_mark() || read_requested_)
            cb();
        else
            pending_cb_.emplace(std::move(cb));
    }

    void submit(bool last) {
        auto job = std::make_shared<detail::gzip_block>();
        job->in = block_len_ ? block_.subarray(0, block_len_) : costream::buffer();
        job->len = block_len_;
        job->dict = dict_;
        job->last = last;
        dict_ = job->in.subarray(job->in.size() > window ? job->in.size() - window : 0);
        block_ = costream::buffer();
        block_len_ = 0;
        jobs_.push_back(job);
        bool start = false;
        {
            std::lock_guard lock(queue_->mutex);
            queue_->blocks.push_back(std::move(job));
            if (queue_->jobs < max_jobs_) {
                ++queue_->jobs;
                start = true;
            }
        }
        if (start) start_job();
    }

    // A pool job that compresses queued blocks until none is left. Each finished block wakes
    // the loop to emit it; `self` is safe there: the job's completion, which holds a
    // reference on the stream, is posted after the job's last wake-up.
    void start_job() {
        if (!remote_) {
            remote_.emplace(this->get_loop().make_remote());
            remote_->unref(); // the job's own completion keeps the loop alive
        }
        costream::offload(
            [q = queue_, remote = &*remote_, self = this]() noexcept {
                // One deflater for every block this job takes: its ~260 KiB of state stays
                // in this thread's cache (for a gzip stream, chunks moving between threads
                // made zlib 16% slower; here the gain was within the noise of 4 rounds).
                z_stream* z = nullptr;
                for (;;) {
                    std::shared_ptr<detail::gzip_block> job;
                    {
                        std::lock_guard lock(q->mutex);
                        if (q->blocks.empty()) {
                            --q->jobs;
                            break;
                        }
                        job = std::move(q->blocks.front());
                        q->blocks.pop_front();
                    }
                    if (!z) z = q->deflaters.acquire();
                    job->run(z);
                    job->done.store(true, std::memory_order_release);
                    try {
                        remote->post([self] { self->drain(); });
                    } catch (...) {
                        // no memory for the wake-up: the job's completion drains instead
                    }
                }
                if (z) q->deflaters.release(z);
            },
            [s = stream::ptr<parallel_gzip>(this)](std::exception_ptr) { s->drain(); });
    }

    // Emits finished blocks in order, while the reader takes them.
    void drain() {
        if (this->destroyed()) return;
        bool freed = false;
        while (!jobs_.empty() && jobs_.front()->done.load(std::memory_order_acquire)) {
            if (!read_requested_ && this->readable_length() >= this->readable_high_water_mark()) {
                waiting_read_ = true; // resumed by do_read()
                break;
            }
            auto job = std::move(jobs_.front());
            jobs_.pop_front();
            freed = true;
            if (job->err) {
                this->destroy(job->err);
                return;
            }
            if (!header_pushed_) push_header();
            crc_ = static_cast<std::uint32_t>(
                ::crc32_combine(crc_, job->crc, static_cast<z_off_t>(job->len)));
            if (!job->out.empty()) {
                read_requested_ = false;
                this->push(std::move(job->out));
            }
            if (this->destroyed()) return;
            if (job->last) {
                push_trailer();
                this->push(nullptr);
                if (fcb_) {
                    final_callback cb = std::move(*fcb_);
                    fcb_.reset();
                    cb();
                }
                return;
            }
        }
        if (freed && wcb_) feed();
    }

    void push_header() {
        header_pushed_ = true;
        // zlib's own gzip header: no name, no mtime, XFL by level, OS 3 (Unix)
        const int level = level_ == Z_DEFAULT_COMPRESSION ? 6 : level_;
        const std::uint8_t xfl = level == 9                                   ? 2
                                 : (strategy_ >= Z_HUFFMAN_ONLY || level < 2) ? 4
                                                                              : 0;
        const std::uint8_t h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3};
        this->push(costream::buffer::from(std::span<const std::uint8_t>(h, 10)));
    }

    void push_trailer() {
        std::uint8_t t[8];
        const std::uint32_t len = static_cast<std::uint32_t>(total_in_);
        for (int i = 0; i < 4; ++i) {
            t[i] = static_cast<std::uint8_t>(crc_ >> (8 * i));
            t[4 + i] = static_cast<std::uint8_t>(len >> (8 * i));
        }
        this->push(costream::buffer::from(std::span<const std::uint8_t>(t, 8)));
    }

    int level_, mem_level_, strategy_;
    std::size_t block_size_, max_in_flight_;
    std::size_t max_jobs_;
    std::shared_ptr<detail::gzip_queue> queue_;
    std::optional<loop::remote_handle> remote_;            // unref'd: how the jobs wake the loop
    std::deque<std::shared_ptr<detail::gzip_block>> jobs_; // submitted, in input order
    costream::buffer block_;                               // the block being filled
    std::size_t block_len_ = 0;
    costream::buffer dict_; // the last 32 KiB of the previous block
    costream::buffer cur_;  // the chunk being fed
    std::size_t cur_off_ = 0;
    std::optional<write_callback> wcb_;
    std::optional<write_callback> pending_cb_; // node: transform.js this[kCallback]
    std::optional<final_callback> fcb_;
    std::uint64_t total_in_ = 0;
    std::uint32_t crc_ = 0;
    std::size_t length_at_write_ = 0;
    bool header_pushed_ = false;
    bool waiting_read_ = false;
    bool read_requested_ = false;
};

/// Makes a parallel_gzip stream (beyond Node: no Node equivalent; the output is what
/// `pigz` writes, readable by any gunzip).
inline stream::ptr<parallel_gzip> create_parallel_gzip(const parallel_gzip_options& o = {}) {
    return stream::make<parallel_gzip>(o);
}

} // namespace costream::zlib
