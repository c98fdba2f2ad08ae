// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// fs/read_stream.hpp: costream::fs::read_stream and create_read_stream, Node's
// fs.ReadStream (lib/internal/fs/streams.js): a readable stream of a file's bytes, read
// with pread on the thread pool.
#pragma once

#include <costream/abort_signal.hpp>
#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/fs/detail/stream_io.hpp>
#include <costream/fs/detail/sys.hpp>
#include <costream/fs/detail/validate.hpp>
#include <costream/fs/error.hpp>
#include <costream/fs/types.hpp>
#include <costream/stream/add_abort_signal.hpp>
#include <costream/stream/finished.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/thread_pool.hpp>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

namespace costream::fs {

/// Options of create_read_stream (Node's fs.createReadStream options).
struct read_stream_options {
    /// Node's flags: how the file is opened (default 'r').
    open_flags flags = O_RDONLY;
    /// Node's encoding: 'data' then delivers decoded text (see readable::set_encoding).
    std::optional<costream::encoding> encoding{};
    /// Node's fd: read this open descriptor instead of opening `path` (no 'open' event).
    std::optional<int> fd{};
    /// Node's mode, for a file created by the flags.
    unsigned mode = 0666;
    /// Node's autoClose: destroy (and close the descriptor) after 'end' or an error.
    /// With false the descriptor stays open until destroy() or close().
    bool auto_close = true;
    /// Node's emitClose.
    bool emit_close = true;
    /// Node's start: the first byte to read (reads then use pread at explicit offsets;
    /// without it they use read() from the descriptor's position).
    std::optional<std::int64_t> start{};
    /// Node's end: the last byte to read, inclusive (default: to the end of the file).
    std::optional<std::int64_t> end{};
    /// Node's highWaterMark: the size of each read (default 64 KiB).
    std::optional<double> high_water_mark{};
    /// Node's signal: aborting it destroys the stream with ABORT_ERR ('error', then 'close'),
    /// as stream.addAbortSignal. An already aborted signal destroys the stream in its
    /// constructor, before any open (Node opens the file afterwards all the same and leaks the
    /// descriptor; costream does not open it).
    std::optional<costream::abort_signal> signal{};
};

/// Node's fs.ReadStream: a readable byte stream of a file. Made by create_read_stream().
///
/// Events in Node's order: 'open' (fd) and 'ready' once the file is open (not when an
/// fd was given), 'data' chunks of up to high_water_mark bytes, 'end', then 'close' after
/// the descriptor was closed. A failure emits 'error' then 'close': the 'error' listener
/// gets the error_code; errored_info() has Node's syscall ('open' with the path, 'read')
/// and path. Opening and each read run on costream's thread pool: one pread per do_read
/// into a fresh costream::buffer of the requested size, pushed as is (no copy) unless the
/// read came back less than half full (the last bytes of the file), which are copied into a
/// buffer of their size so a small tail does not pin a large allocation (Node copies every
/// short read).
///
/// Differences from Node: Node's _construct delays _read; here do_read calls made
/// before the open completed are parked and issued once it has (same events, same order).
///
///     auto rs = costream::fs::create_read_stream("big.log");
///     rs->on("data", [](const costream::buffer& b) { ... });
class read_stream : public stream::readable {
public:
    /// Prefer create_read_stream(). Throws range_error ERR_OUT_OF_RANGE for a negative
    /// start or end, or start > end, or a negative fd, and type_error ERR_INVALID_ARG_VALUE
    /// for a path with a NUL byte, as Node.
    read_stream(std::string path, const read_stream_options& opts = {})
        : stream::readable(readable_opts(opts)), path_(std::move(path)), flags_(opts.flags),
          mode_(opts.mode), auto_close_(opts.auto_close) {
        // node: ReadStream: validateInt32(fd) with an fd; otherwise open() validates the path
        if (opts.fd)
            detail::validate_fd(*opts.fd);
        else
            detail::validate_path(path_);
        if (opts.start) {
            check_range("start", *opts.start);
            pos_ = *opts.start;
        }
        if (opts.end) {
            check_range("end", *opts.end);
            end_ = *opts.end;
        }
        if (opts.start && *opts.start > end_) {
            // node: new ERR_OUT_OF_RANGE('start', `<= "end" (here: ${this.end})`, this.start):
            // `here` is the number as JavaScript prints it, Received groups digits above 2**32.
            throw range_error(errc::out_of_range,
                              "The value of \"start\" is out of range. It must be <= \"end\" "
                              "(here: " +
                                  std::to_string(end_) + "). Received " +
                                  detail::node_number(*opts.start));
        }
        if (opts.fd) {
            fd_ = *opts.fd;
            constructed_ = true;
        } else if (opts.signal && opts.signal->aborted()) {
            constructed_ = true; // destroyed below: nothing to open
        } else {
            // node: destroy.js construct -> process.nextTick(constructNT)
            next_tick([s = stream::ptr<read_stream>(this)] { s->start_open(); });
        }
        // node: Readable: if (options.signal) addAbortSignal(options.signal, this)
        if (opts.signal) stream::add_abort_signal(*opts.signal, *this);
    }

    read_stream(const read_stream&) = delete;
    read_stream& operator=(const read_stream&) = delete;
    /// A stream released while its descriptor is still open (never destroyed: its loop was
    /// destroyed first, or every reference was dropped mid-file) closes it here, synchronously,
    /// unless auto_close is false (then the descriptor is the caller's) or it is descriptor 0.
    ~read_stream() override {
        if (fd_ > 0 && auto_close_) (void)detail::sys::close(fd_); // never 0, as close_fd
    }

    /// Node's path.
    const std::string& path() const noexcept { return path_; }
    /// Node's fd: the descriptor, -1 before the open (Node's null) and after the close
    /// (descriptor 0 is never closed and stays, as in Node).
    int fd() const noexcept { return fd_; }
    /// Node's bytesRead.
    std::uint64_t bytes_read() const noexcept { return bytes_read_; }
    /// Node's pending: there is no descriptor (not open yet, or closed).
    bool pending() const noexcept { return fd_ < 0; }
    /// Node's `err.syscall` / `err.path` of the error the stream failed with (empty code
    /// if none): {ENOENT, "open", path} or {EIO, "read", ""}.
    const error_info& errored_info() const noexcept { return error_; }

    /// Node's close(cb): destroy(), with cb waiting through stream::finished() as Node's
    /// `finished(this, cb)`: cb(error_code) gets ERR_STREAM_PREMATURE_CLOSE when the stream
    /// had not ended, the stream's error if it failed, and no error after 'end' or on a stream
    /// already closed (then on the next tick). A cb taking no argument is called the same way.
    template <class F>
    void close(F&& cb) {
        // node: ReadStream.prototype.close: if (typeof cb === 'function') finished(this, cb)
        if constexpr (std::is_invocable_v<F&, const boost::system::error_code&>)
            (void)stream::finished(*this, std::forward<F>(cb));
        else
            (void)stream::finished(*this, [f = std::forward<F>(cb)](
                                              const boost::system::error_code&) mutable { f(); });
        destroy();
    }
    /// Node's close().
    void close() { destroy(); }

protected:
    // node: ReadStream.prototype._read
    void do_read(std::size_t n) override {
        if (!constructed_) {
            parked_read_ = n;
            return;
        }
        start_read(n);
    }

    // node: ReadStream.prototype._destroy (waits for the open and for a read in flight)
    void do_destroy(const boost::system::error_code& ec, destroy_callback cb) override {
        if (!constructed_ || io_) {
            parked_destroy_.emplace(ec, std::move(cb));
            return;
        }
        close_fd(ec, std::move(cb));
    }

private:
    static stream::readable_options readable_opts(const read_stream_options& o) {
        stream::readable_options r;
        r.high_water_mark = o.high_water_mark.value_or(64 * 1024);
        r.encoding = o.encoding;
        r.emit_close = o.emit_close;
        r.auto_destroy = o.auto_close;
        return r;
    }

    static void check_range(const char* name, std::int64_t v) {
        if (v < 0 || v > detail::max_safe_integer)
            detail::throw_out_of_range(name, ">= 0 && <= 9007199254740991", v);
    }

    // node: streams.js _construct (open on the pool)
    void start_open() {
        detail::async_open(path_, flags_.value(), mode_,
                           [s = stream::ptr<read_stream>(this)](long r) { s->opened(r); });
    }

    void opened(long r) {
        if (r < 0) {
            error_ = error_info{detail::errno_code(static_cast<int>(-r)), "open", path_, {}};
            next_tick([s = stream::ptr<read_stream>(this)] { s->on_construct(s->error_.code); });
            return;
        }
        fd_ = static_cast<int>(r);
        // node: callback(); stream.emit('open', fd); stream.emit('ready')
        next_tick([s = stream::ptr<read_stream>(this)] { s->on_construct({}); });
        emit("open", fd_);
        emit("ready");
    }

    // node: destroy.js constructNT onConstruct
    void on_construct(boost::system::error_code ec) {
        constructed_ = true;
        if (parked_destroy_) {
            auto [err, cb] = std::move(*parked_destroy_);
            parked_destroy_.reset();
            // node: _destroy(aggregateTwoErrors(openError, destroyError)): with both, an
            // AggregateError with the destroy's code and no syscall; the open's error
            // details no longer describe what 'error' carries.
            if (err && ec) error_ = error_info{err, "", {}, {}};
            close_fd(err ? err : ec, std::move(cb));
        } else if (ec) {
            error_or_destroy(ec, true);
        } else if (parked_read_) {
            std::size_t n = *parked_read_;
            parked_read_.reset();
            start_read(n);
        }
    }

    void start_read(std::size_t n) {
        // node: n = MathMin(this.end - this.pos + 1, n) (or - this.bytesRead without start)
        const std::int64_t done = pos_ >= 0 ? pos_ : static_cast<std::int64_t>(bytes_read_);
        if (end_ - done + 1 < static_cast<std::int64_t>(n))
            n = static_cast<std::size_t>(std::max<std::int64_t>(end_ - done + 1, 0));
        if (n == 0) {
            push(nullptr);
            return;
        }
        io_ = true;
        // The pool job is submitted after the current callback, not now: a consumer that
        // takes the chunk this read refills usually issues its own pool work in the same
        // callback (pipe(): 'data' -> write), and that work, not this read-ahead, is what
        // the pipeline waits for. Submitted first, it goes to the pool thread that is still
        // spinning for work (thread_pool::default_spin()) instead of one that must be woken.
        // Nothing a user observes changes: io_ is set, so destroy() waits for this read
        // exactly as for one already on the pool.
        next_tick([s = stream::ptr<read_stream>(this), n] { s->submit_read(n); });
    }

    void submit_read(std::size_t n) {
        costream::buffer buf;
        try {
            buf = costream::buffer::alloc_unsafe(n);
        } catch (const costream::range_error& e) {
            // node: _read's Buffer.allocUnsafeSlow(n) throws for a high_water_mark above
            // 4 GiB; the stream is destroyed with that error ('error', 'close'), nothing
            // escapes the loop.
            read_failed(make_error_code(e.code()));
            return;
        } catch (const std::bad_alloc&) {
            read_failed(detail::errno_code(ENOMEM));
            return;
        }
        std::uint8_t* data = buf.data(); // before buf moves into the completion
        costream::offload([fd = fd_, data, n,
                           pos = pos_]() noexcept { return detail::sys::read(fd, data, n, pos); },
                          [s = stream::ptr<read_stream>(this),
                           buf = std::move(buf)](std::exception_ptr, long r) mutable {
                              s->read_done(r, std::move(buf));
                          });
    }

    // A read that could not start (no buffer for it): as a failed read, without a syscall.
    void read_failed(boost::system::error_code ec) {
        io_ = false;
        if (destroyed()) {
            if (parked_destroy_) {
                auto [err, cb] = std::move(*parked_destroy_);
                parked_destroy_.reset();
                close_fd(err ? err : ec, std::move(cb));
            }
            return;
        }
        error_ = error_info{ec, "", {}, {}};
        error_or_destroy(ec);
    }

    void read_done(long r, costream::buffer buf) {
        io_ = false;
        if (destroyed()) {
            // node: this.emit(kIoDone, er): the parked _destroy proceeds
            if (parked_destroy_) {
                auto [err, cb] = std::move(*parked_destroy_);
                parked_destroy_.reset();
                boost::system::error_code e = err;
                if (!e && r < 0) e = detail::errno_code(static_cast<int>(-r));
                close_fd(e, std::move(cb));
            }
            return;
        }
        if (r < 0) {
            error_ = error_info{detail::errno_code(static_cast<int>(-r)), "read", {}, {}};
            error_or_destroy(error_.code);
            return;
        }
        if (r == 0) {
            push(nullptr);
            return;
        }
        const auto got = static_cast<std::size_t>(r);
        if (pos_ >= 0) pos_ += r;
        bytes_read_ += got;
        if (got != buf.size()) {
            if (got * 2 >= buf.size())
                buf = buf.subarray(0, got);
            else
                buf = costream::buffer::from(std::span<const std::uint8_t>(buf.data(), got));
        }
        push(std::move(buf));
    }

    // node: streams.js close(stream, err, cb)
    void close_fd(const boost::system::error_code& ec, destroy_callback cb) {
        // node: if (!stream.fd) cb(err): no descriptor, or descriptor 0, which Node's
        // streams never close (stdin given as {fd: 0} stays open; fd stays 0).
        if (fd_ <= 0) {
            cb(ec);
            return;
        }
        int fd = std::exchange(fd_, -1);
        // The completion holds the stream, so error_ outlives the write to it.
        detail::async_close(fd, false, ec, &error_,
                            [s = stream::ptr<read_stream>(this), cb = std::move(cb)](
                                const boost::system::error_code& e) mutable { cb(e); });
    }

    std::string path_;
    open_flags flags_;
    unsigned mode_;
    bool auto_close_;
    int fd_ = -1;
    bool constructed_ = false;
    bool io_ = false;
    std::int64_t pos_ = -1; // -1: read from the descriptor's position
    std::int64_t end_ = std::numeric_limits<std::int64_t>::max() - 1;
    std::uint64_t bytes_read_ = 0;
    std::optional<std::size_t> parked_read_;
    std::optional<std::pair<boost::system::error_code, destroy_callback>> parked_destroy_;
    error_info error_;
};

/// Node's fs.createReadStream(path[, options]): a read_stream of `path`.
///
///     auto rs = costream::fs::create_read_stream("in.bin", {.start = 10, .end = 19});
inline stream::ptr<read_stream> create_read_stream(std::string path,
                                                   const read_stream_options& opts = {}) {
    return stream::make<read_stream>(std::move(path), opts);
}

} // namespace costream::fs
