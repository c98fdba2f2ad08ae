// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/write_stream.hpp: costream::fs::write_stream and create_write_stream, Node's
// fs.WriteStream (lib/internal/fs/streams.js): a writable stream into a file, written
// with pwrite/pwritev on the thread pool.
#pragma once

#include <costream/abort_signal.hpp>
#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/fs/detail/stream_io.hpp>
#include <costream/fs/detail/sys.hpp>
#include <costream/fs/detail/validate.hpp>
#include <costream/fs/error.hpp>
#include <costream/fs/types.hpp>
#include <costream/stream/add_abort_signal.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/writable.hpp>
#include <costream/thread_pool.hpp>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <climits>
#include <sys/uio.h>

namespace costream::fs {

/// Options of create_write_stream (Node's fs.createWriteStream options).
struct write_stream_options {
    /// Node's flags: 'w' (create or truncate, the default), 'a' (append), 'r+' (write
    /// into an existing file without truncating it), 'wx', ...
    open_flags flags = O_TRUNC | O_CREAT | O_WRONLY;
    /// Node's mode of a created file (before the umask).
    unsigned mode = 0666;
    /// Node's fd: write to this open descriptor (no 'open' event).
    std::optional<int> fd{};
    /// Node's autoClose: destroy (closing the descriptor) after 'finish' or an error.
    bool auto_close = true;
    /// Node's emitClose.
    bool emit_close = true;
    /// Node's start: the offset of the first byte (pwrite at explicit offsets; without
    /// it the descriptor's position, or the end with 'a').
    std::optional<std::int64_t> start{};
    /// Node's flush: fsync the file before closing it.
    bool flush = false;
    /// Node's highWaterMark (default 16 KiB).
    std::optional<double> high_water_mark{};
    /// Node's signal: aborting it destroys the stream with ABORT_ERR ('error', then 'close'),
    /// as stream.addAbortSignal. An already aborted signal destroys the stream in its
    /// constructor, before any open (Node opens the file afterwards all the same and leaks the
    /// descriptor; costream does not open it).
    std::optional<costream::abort_signal> signal{};
    /// Node's encoding: the default encoding of strings written without one.
    costream::encoding default_encoding = costream::encoding::utf8;
};

/// Node's fs.WriteStream: a writable byte stream into a file. Made by
/// create_write_stream().
///
/// Events in Node's order: 'open' (fd) and 'ready' once the file is open, 'drain',
/// 'finish', then 'close' after the descriptor was closed (and fsynced with `flush`). A
/// failed open or write calls the pending write callbacks with the error, then emits
/// 'error' and 'close'; the descriptor is closed in every case. The 'error' listener gets
/// the error_code; errored_info() has Node's syscall ('open' with the path, 'write') and
/// path. Each write runs on costream's thread pool (pwrite, looping over short writes);
/// chunks buffered behind a write in progress go out as one pwritev. Chunks are written
/// from the caller's buffers: nothing is copied.
///
/// Differences from Node: writes issued before the open completed are parked inside the
/// stream (Node keeps them in the writable buffer until _construct ends): same events, but
/// writable_writing() is already true for the first of them.
///
///     auto ws = costream::fs::create_write_stream("out.txt", {.flags = "a"});
///     ws->write("line\n");
///     ws->end();
class write_stream : public stream::writable {
public:
    /// Prefer create_write_stream(). Throws range_error ERR_OUT_OF_RANGE for a start
    /// outside 0..2**53-1 or a negative fd, type_error ERR_INVALID_ARG_VALUE for a path with
    /// a NUL byte, as Node.
    write_stream(std::string path, const write_stream_options& opts = {})
        : stream::writable(writable_opts(opts)), path_(std::move(path)), flags_(opts.flags),
          mode_(opts.mode), flush_(opts.flush), auto_close_(opts.auto_close) {
        // node: WriteStream: validateInt32(fd) with an fd; otherwise open() validates the path
        if (opts.fd)
            detail::validate_fd(*opts.fd);
        else
            detail::validate_path(path_);
        if (opts.start) {
            if (*opts.start < 0 || *opts.start > detail::max_safe_integer)
                detail::throw_out_of_range("start", ">= 0 && <= 9007199254740991", *opts.start);
            pos_ = *opts.start;
        }
        if (opts.fd) {
            fd_ = *opts.fd;
            constructed_ = true;
        } else if (opts.signal && opts.signal->aborted()) {
            constructed_ = true; // destroyed below: nothing to open
        } else {
            // node: Writable holds writes in its buffer while !state.constructed and clears
            // it (one _writev) once _construct is done. costream's writable has no construct
            // state: a cork held until the open does the same (released in on_construct).
            cork();
            corked_for_open_ = true;
            next_tick([s = stream::ptr<write_stream>(this)] { s->start_open(); });
        }
        // node: Writable: if (options.signal) addAbortSignal(options.signal, this)
        if (opts.signal) stream::add_abort_signal(*opts.signal, *this);
    }

    write_stream(const write_stream&) = delete;
    write_stream& operator=(const write_stream&) = delete;
    /// A stream released while its descriptor is still open (never destroyed: its loop was
    /// destroyed first, or every reference was dropped) closes it here, synchronously,
    /// unless auto_close is false (then the descriptor is the caller's) or it is descriptor 0.
    /// Bytes not written by then are not written.
    ~write_stream() override {
        if (fd_ > 0 && auto_close_) (void)detail::sys::close(fd_); // never 0, as close_fd
    }

    /// Node's path.
    const std::string& path() const noexcept { return path_; }
    /// Node's fd: -1 before the open and after the close (descriptor 0 is never closed and
    /// stays, as in Node).
    int fd() const noexcept { return fd_; }
    /// Node's bytesWritten: bytes the file has acknowledged.
    std::uint64_t bytes_written() const noexcept { return bytes_written_; }
    /// Node's pending: there is no descriptor (not open yet, or closed).
    bool pending() const noexcept { return fd_ < 0; }
    /// Node's `err.syscall` / `err.path` of the error the stream failed with.
    const error_info& errored_info() const noexcept { return error_; }

    /// Node's close(cb): close(), with cb as a 'close' listener; on a stream already closed
    /// cb runs on the next tick.
    template <class F>
    void close(F&& cb) {
        // node: WriteStream.prototype.close: if (this.closed) process.nextTick(cb), else
        // this.on('close', cb)
        if (closed()) {
            next_tick([f = std::forward<F>(cb)]() mutable { f(); });
            return;
        }
        once("close", std::forward<F>(cb));
        close();
    }
    /// Node's close(): end() (the buffered data is still written; on a stream already ended
    /// or destroyed it only waits for 'close'); with auto_close false the stream is also
    /// destroyed at 'finish', so the descriptor is closed and 'close' comes.
    void close() {
        // node: if (!this.autoClose) this.on('finish', this.destroy); this.end()
        // (end() never destroys: `close()` after `end()` must not drop the writes still
        // buffered).
        if (!auto_close_) on("finish", [this] { destroy(); });
        end();
    }

protected:
    // node: WriteStream.prototype._write
    void do_write(costream::buffer&& chunk, write_callback cb) override {
        if (!constructed_) {
            parked_.emplace(std::move(chunk), std::move(cb));
            return;
        }
        start_write(std::move(chunk), std::move(cb));
    }

    // node: WriteStream.prototype._writev
    void do_writev(std::span<costream::buffer> chunks, write_callback cb) override {
        if (!constructed_) {
            parked_.emplace(chunks, std::move(cb));
            return;
        }
        start_writev(chunks, std::move(cb));
    }
    bool has_writev() const noexcept override { return true; }

    // Node's WriteStream has no _final; a parked one only waits for the open.
    void do_final(final_callback cb) override {
        if (!constructed_) {
            parked_final_.emplace(std::move(cb));
            return;
        }
        stream::writable::do_final(std::move(cb));
    }

    // node: WriteStream.prototype._destroy
    void do_destroy(const boost::system::error_code& ec, destroy_callback cb) override {
        if (!constructed_ || io_) {
            parked_destroy_.emplace(ec, std::move(cb));
            if (!constructed_) {
                // node: Writable.destroy -> process.nextTick(errorBuffer): a write parked
                // before the open fails now (not after the open), and _final never runs.
                parked_final_.reset();
                if (parked_)
                    next_tick([s = stream::ptr<write_stream>(this), ec] { s->fail_parked(ec); });
            }
            return;
        }
        close_fd(ec, std::move(cb));
    }

private:
    // A write issued before the open completed (constructors, not default member
    // initializers: clang 14 and g++ -O3 handle the optional of it better).
    struct parked_write {
        parked_write(costream::buffer b, write_callback c)
            : one(std::move(b)), is_vector(false), cb(std::move(c)) {}
        parked_write(std::span<costream::buffer> m, write_callback c)
            : many(m), is_vector(true), cb(std::move(c)) {}
        costream::buffer one;
        std::span<costream::buffer> many;
        bool is_vector;
        write_callback cb;
    };

    static stream::writable_options writable_opts(const write_stream_options& o) {
        stream::writable_options w;
        w.high_water_mark = o.high_water_mark;
        w.emit_close = o.emit_close;
        w.auto_destroy = o.auto_close;
        w.default_encoding = o.default_encoding;
        return w;
    }

    void start_open() {
        detail::async_open(path_, flags_.value(), mode_,
                           [s = stream::ptr<write_stream>(this)](long r) { s->opened(r); });
    }

    void opened(long r) {
        if (r < 0) {
            error_ = error_info{detail::errno_code(static_cast<int>(-r)), "open", path_, {}};
            next_tick([s = stream::ptr<write_stream>(this)] { s->on_construct(s->error_.code); });
            return;
        }
        fd_ = static_cast<int>(r);
        next_tick([s = stream::ptr<write_stream>(this)] { s->on_construct({}); });
        emit("open", fd_);
        emit("ready");
    }

    // node: destroy.js constructNT onConstruct, then Writable's construct callback
    // (clearBuffer, finishMaybe)
    void on_construct(boost::system::error_code ec) {
        constructed_ = true;
        if (parked_destroy_) {
            auto [err, cb] = std::move(*parked_destroy_);
            parked_destroy_.reset();
            // node: _destroy(aggregateTwoErrors(openError, destroyError)): with both, an
            // AggregateError with the destroy's code and no syscall; the open's error
            // details no longer describe what 'error' carries.
            if (err && ec) error_ = error_info{err, "", {}, {}};
            fail_parked(err ? err : ec);
            close_fd(err ? err : ec, std::move(cb));
            return;
        }
        if (ec) {
            if (parked_ || parked_final_) {
                // The parked write's callback reports the error first, then 'error'
                // follows (Node: errorBuffer before emitErrorNT).
                fail_parked(ec);
            } else {
                error_or_destroy(ec, true);
            }
            return;
        }
        if (std::exchange(corked_for_open_, false) && writable_corked() && !parked_) {
            // node: the construct callback's clearBuffer: the writes held since before the
            // open go out now, several as one pwritev. (A user's end() before the open
            // already uncorked fully; that write was parked and is started below.)
            uncork();
        }
        if (parked_) {
            parked_write p = std::move(*parked_);
            parked_.reset();
            if (p.is_vector)
                start_writev(p.many, std::move(p.cb));
            else
                start_write(std::move(p.one), std::move(p.cb));
        } else if (parked_final_) {
            final_callback cb = std::move(*parked_final_);
            parked_final_.reset();
            cb();
        }
    }

    void fail_parked(boost::system::error_code ec) {
        if (!ec) ec = make_error_code(errc::stream_destroyed);
        if (parked_) {
            parked_write p = std::move(*parked_);
            parked_.reset();
            p.cb(ec);
        }
        if (parked_final_) {
            final_callback cb = std::move(*parked_final_);
            parked_final_.reset();
            cb(ec);
        }
    }

    void start_write(costream::buffer chunk, write_callback cb) {
        io_ = true;
        const std::size_t n = chunk.size();
        const std::int64_t pos = pos_;
        // node: if (this.pos !== undefined) this.pos += data.length (at issue time)
        if (pos_ >= 0) pos_ += static_cast<std::int64_t>(n);
        costream::offload(
            [fd = fd_, chunk = std::move(chunk), pos]() noexcept {
                return write_all(fd, chunk.data(), chunk.size(), pos);
            },
            [s = stream::ptr<write_stream>(this), cb = std::move(cb)](
                std::exception_ptr, io_result r) mutable { s->write_done(r, std::move(cb)); });
    }

    void start_writev(std::span<costream::buffer> chunks, write_callback cb) {
        io_ = true;
        std::size_t total = 0;
        iov_.clear();
        for (auto& c : chunks) {
            total += c.size();
            if (c.size()) iov_.push_back(::iovec{c.data(), c.size()});
        }
        const std::int64_t pos = pos_;
        if (pos_ >= 0) pos_ += static_cast<std::int64_t>(total);
        // The chunks stay alive in the writable's buffer until cb is called; iov_ is only
        // touched by the pool thread until the completion.
        costream::offload(
            [fd = fd_, iov = &iov_, pos]() noexcept { return writev_all(fd, *iov, pos); },
            [s = stream::ptr<write_stream>(this), cb = std::move(cb)](
                std::exception_ptr, io_result r) mutable { s->write_done(r, std::move(cb)); });
    }

    // What one write or writev job did: the bytes written (counted even when a later part
    // failed, as Node's bytesWritten) and 0 or -errno.
    struct io_result {
        std::size_t done = 0;
        long err = 0;
        bool stalled = false; // more than 5 zero-byte results in a row
    };

    // node: streams.js writeAll/writevAll: EAGAIN counts as a write of 0 bytes, and more
    // than 5 zero-byte results in a row fail the write with ERR_SYSTEM_ERROR ('write
    // failed'). Returns whether to go on after a result `r` of the system call, updating
    // `res` and `retries`.
    static bool account(long r, io_result& res, int& retries) noexcept {
        if (r == -EAGAIN) r = 0;
        if (r < 0) {
            res.err = r;
            return false;
        }
        res.done += static_cast<std::size_t>(r);
        retries = r ? 0 : retries + 1;
        if (retries > 5) {
            res.stalled = true;
            return false;
        }
        return true;
    }

    // node: streams.js writeAll: loop over short writes
    static io_result write_all(int fd, const std::uint8_t* data, std::size_t len,
                               std::int64_t pos) {
        io_result res;
        int retries = 0;
        while (res.done < len) {
            long r = detail::sys::write(fd, data + res.done, len - res.done,
                                        pos >= 0 ? pos + static_cast<std::int64_t>(res.done) : -1);
            if (!account(r, res, retries)) break;
        }
        return res;
    }

    // node: streams.js writevAll (IOV_MAX iovecs per call)
    static io_result writev_all(int fd, std::vector<::iovec>& iov, std::int64_t pos) {
        io_result res;
        int retries = 0;
        std::size_t first = 0;
        while (first < iov.size()) {
            int n = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
            long r = detail::sys::writev(fd, iov.data() + first, n,
                                         pos >= 0 ? pos + static_cast<std::int64_t>(res.done) : -1);
            if (!account(r, res, retries)) break;
            // Skip what was written; a partly written iovec is advanced in place.
            auto left = static_cast<std::size_t>(r > 0 ? r : 0);
            while (first < iov.size() && left >= iov[first].iov_len)
                left -= iov[first++].iov_len;
            if (left) {
                iov[first].iov_base = static_cast<std::uint8_t*>(iov[first].iov_base) + left;
                iov[first].iov_len -= left;
            }
        }
        return res;
    }

    void write_done(io_result r, write_callback cb) {
        io_ = false;
        boost::system::error_code ec;
        // node: this.bytesWritten += bytesWritten after each successful part
        bytes_written_ += static_cast<std::uint64_t>(r.done);
        if (r.err < 0) {
            ec = detail::errno_code(static_cast<int>(-r.err));
            if (!error_) error_ = error_info{ec, "write", {}, {}};
        } else if (r.stalled) {
            // node: new ERR_SYSTEM_ERROR('write failed'): no errno, no syscall
            ec = make_error_code(errc::system_error);
            if (!error_) error_ = error_info{ec, "", {}, {}};
        }
        if (destroyed()) {
            // node: cb(er); this.emit(kIoDone, er): the parked _destroy proceeds
            cb(ec);
            if (parked_destroy_) {
                auto [err, dcb] = std::move(*parked_destroy_);
                parked_destroy_.reset();
                close_fd(err ? err : ec, std::move(dcb));
            }
            return;
        }
        cb(ec);
    }

    void close_fd(const boost::system::error_code& ec, destroy_callback cb) {
        // node: if (!stream.fd) cb(err): no descriptor, or descriptor 0, which Node's
        // streams never close (stdin given as {fd: 0} stays open; fd stays 0).
        if (fd_ <= 0) {
            cb(ec);
            return;
        }
        int fd = std::exchange(fd_, -1);
        // The completion holds the stream, so error_ outlives the write to it.
        detail::async_close(fd, flush_, ec, &error_,
                            [s = stream::ptr<write_stream>(this), cb = std::move(cb)](
                                const boost::system::error_code& e) mutable { cb(e); });
    }

    std::string path_;
    open_flags flags_;
    unsigned mode_;
    bool flush_;
    bool auto_close_;
    int fd_ = -1;
    bool constructed_ = false;
    bool io_ = false;
    bool corked_for_open_ = false; // the cork() of the constructor, until the open completes
    std::int64_t pos_ = -1;
    std::uint64_t bytes_written_ = 0;
    std::vector<::iovec> iov_;
    std::optional<parked_write> parked_;
    std::optional<final_callback> parked_final_;
    std::optional<std::pair<boost::system::error_code, destroy_callback>> parked_destroy_;
    error_info error_;
};

/// Node's fs.createWriteStream(path[, options]): a write_stream into `path`.
///
///     auto ws = costream::fs::create_write_stream("out.bin", {.flags = "r+", .start = 4});
inline stream::ptr<write_stream> create_write_stream(std::string path,
                                                     const write_stream_options& opts = {}) {
    return stream::make<write_stream>(std::move(path), opts);
}

} // namespace costream::fs
