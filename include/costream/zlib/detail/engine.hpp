// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// zlib/detail/engine.hpp: one z_stream with Node's semantics (node_zlib.cc ZlibContext):
// lazy init per mode, the unzip header sniffing, multi-member gunzip, dictionaries, and
// the error classification of GetErrorInfo. Not thread-safe: one thread at a time.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/zlib/error.hpp>
#include <costream/zlib/options.hpp>

#include <boost/system/error_code.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

namespace costream::zlib::detail {

class engine {
public:
    explicit engine(const resolved_options& o)
        : mode_(o.mode), level_(o.level), window_bits_(o.window_bits), mem_level_(o.mem_level),
          strategy_(o.strategy), dictionary_(o.dictionary) {
        std::memset(&strm_, 0, sizeof strm_);
        init();
    }
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine() { close(); }

    /// The error of initialisation, if any (Node throws ERR_ZLIB_INITIALIZATION_FAILED).
    bool init_failed() const noexcept { return init_failed_; }

    /// One zlib call over in[0, in_len) into out[0, out_len), with flush flag `flush`
    /// (node: ZlibContext::DoThreadPoolWork). Afterwards avail_in()/avail_out() tell what
    /// is left, and error() whether the stream failed.
    ///
    /// zlib counts both sides in uInt (32 bits). A side longer than that is handed to zlib
    /// in pieces within this call: truncating the count would make zlib see only the low 32
    /// bits (an input of 4 GiB + 5 bytes read as 5 bytes, the rest reported as consumed and
    /// silently lost). While input beyond the current piece waits, the calls use Z_NO_FLUSH,
    /// so `flush` (Z_FINISH...) applies only once zlib has been given all of the input.
    void write(int flush, const std::uint8_t* in, std::size_t in_len, std::uint8_t* out,
               std::size_t out_len) noexcept {
        flush_ = flush;
        strm_.next_in = const_cast<Bytef*>(in);
        strm_.next_out = out;
        in_extra_ = in_len - take(in_len, strm_.avail_in);
        out_extra_ = out_len - take(out_len, strm_.avail_out);
        for (;;) {
            step(in_extra_ > 0 ? Z_NO_FLUSH : flush);
            if (err_ != Z_OK && err_ != Z_BUF_ERROR) break; // the end, or a failure
            const bool refill_in = strm_.avail_in == 0 && in_extra_ > 0;
            const bool refill_out = strm_.avail_out == 0 && out_extra_ > 0;
            if (refill_out) out_extra_ -= take(out_extra_, strm_.avail_out);
            if (refill_in && (strm_.avail_out > 0)) {
                in_extra_ -= take(in_extra_, strm_.avail_in);
            } else if (!refill_out) {
                break; // output full (the caller makes another call), or all input given
            }
        }
    }

    std::size_t avail_in() const noexcept { return strm_.avail_in + in_extra_; }
    std::size_t avail_out() const noexcept { return strm_.avail_out + out_extra_; }
    /// zlib's last return code.
    int last_code() const noexcept { return err_; }

private:
    // The part of `len` zlib takes in one call, stored into `avail`.
    static std::size_t take(std::size_t len, uInt& avail) noexcept {
        const std::size_t n = std::min<std::size_t>(len, static_cast<uInt>(-1));
        avail = static_cast<uInt>(n);
        return n;
    }

    // One zlib call on strm_ as set up by write() (node: DoThreadPoolWork's body).
    void step(int flush) noexcept {
        const Bytef* next_expected_header_byte = nullptr;
        switch (mode_) {
        case mode::deflate:
        case mode::gzip:
        case mode::deflate_raw:
            err_ = ::deflate(&strm_, flush);
            return;
        case mode::unzip:
            // node: the first two bytes decide between gunzip (multi-member) and inflate
            if (strm_.avail_in > 0) next_expected_header_byte = strm_.next_in;
            if (gzip_id_bytes_read_ == 0) {
                if (next_expected_header_byte == nullptr) break;
                if (*next_expected_header_byte == 0x1f) {
                    gzip_id_bytes_read_ = 1;
                    ++next_expected_header_byte;
                    if (strm_.avail_in == 1) break; // the only byte was read
                } else {
                    mode_ = mode::inflate;
                    break;
                }
            }
            if (gzip_id_bytes_read_ == 1) {
                if (next_expected_header_byte == nullptr) break;
                if (*next_expected_header_byte == 0x8b) {
                    gzip_id_bytes_read_ = 2;
                    mode_ = mode::gunzip;
                } else {
                    mode_ = mode::inflate;
                }
            }
            break;
        default:
            break;
        }
        err_ = ::inflate(&strm_, flush);
        if (mode_ != mode::inflate_raw && err_ == Z_NEED_DICT && !dictionary_.empty()) {
            if (mode_ == mode::inflate)
                err_ = ::inflateSetDictionary(&strm_, dictionary_.data(),
                                              static_cast<uInt>(dictionary_.size()));
            if (err_ == Z_OK)
                err_ = ::inflate(&strm_, flush);
            else if (err_ == Z_DATA_ERROR)
                err_ = Z_NEED_DICT; // node: tell a bad dictionary from bad input
        }
        // node: bytes after a gzip member are another member (or trailing zero padding)
        while (strm_.avail_in > 0 && mode_ == mode::gunzip && err_ == Z_STREAM_END &&
               strm_.next_in[0] != 0x00) {
            reset_stream();
            err_ = ::inflate(&strm_, flush);
        }
    }

public:
    /// node: ZlibContext::GetErrorInfo: whether the last write() failed, and how.
    boost::system::error_code error() const noexcept {
        if (init_failed_) return make_zlib_error(err_, msg_or("Init error"));
        switch (err_) {
        case Z_OK:
        case Z_BUF_ERROR:
            if (avail_out() != 0 && flush_ == Z_FINISH)
                return make_zlib_error(err_, msg_or("unexpected end of file"));
            return {};
        case Z_STREAM_END:
            return {};
        case Z_NEED_DICT:
            return make_zlib_error(
                err_, msg_or(dictionary_.empty() ? "Missing dictionary" : "Bad dictionary"));
        default:
            return make_zlib_error(err_, msg_or("Zlib error"));
        }
    }

    /// node: ZlibContext::SetParams (deflate only; the caller flushed first).
    boost::system::error_code params(int level, int strategy) noexcept {
        err_ = Z_OK;
        if (mode_ == mode::deflate || mode_ == mode::gzip || mode_ == mode::deflate_raw)
            err_ = ::deflateParams(&strm_, level, strategy);
        if (err_ != Z_OK && err_ != Z_BUF_ERROR)
            return make_zlib_error(err_, "Failed to set parameters");
        level_ = level;
        strategy_ = strategy;
        return {};
    }

    /// node: ZlibContext::ResetStream (zlib.reset()).
    boost::system::error_code reset() noexcept {
        reset_stream();
        if (err_ != Z_OK) return make_zlib_error(err_, "Failed to reset stream");
        return {};
    }

    /// Frees zlib's state (idempotent).
    void close() noexcept {
        if (!initialized_) return;
        initialized_ = false;
        if (is_inflate_side(mode_))
            ::inflateEnd(&strm_);
        else
            ::deflateEnd(&strm_);
    }

    bool closed() const noexcept { return !initialized_; }

private:
    std::string_view msg_or(std::string_view fallback) const noexcept {
        return strm_.msg ? std::string_view(strm_.msg) : fallback;
    }

    // node: ZlibContext::Init + InitZlib (done eagerly: the options are known here)
    void init() noexcept {
        int wb = window_bits_;
        if (mode_ == mode::gzip || mode_ == mode::gunzip) wb += 16;
        if (mode_ == mode::unzip) wb += 32;
        if (mode_ == mode::deflate_raw || mode_ == mode::inflate_raw) wb *= -1;
        switch (mode_) {
        case mode::deflate:
        case mode::gzip:
        case mode::deflate_raw:
            err_ = ::deflateInit2(&strm_, level_, Z_DEFLATED, wb, mem_level_, strategy_);
            break;
        default:
            err_ = ::inflateInit2(&strm_, wb);
            break;
        }
        if (err_ != Z_OK) {
            init_failed_ = true;
            return;
        }
        initialized_ = true;
        set_dictionary();
    }

    // node: ZlibContext::SetDictionary
    void set_dictionary() noexcept {
        if (dictionary_.empty()) return;
        err_ = Z_OK;
        switch (mode_) {
        case mode::deflate:
        case mode::deflate_raw:
            err_ = ::deflateSetDictionary(&strm_, dictionary_.data(),
                                          static_cast<uInt>(dictionary_.size()));
            break;
        case mode::inflate_raw:
            err_ = ::inflateSetDictionary(&strm_, dictionary_.data(),
                                          static_cast<uInt>(dictionary_.size()));
            break;
        default:
            break;
        }
        if (err_ != Z_OK) init_failed_ = true;
    }

    // node: ZlibContext::ResetStream
    void reset_stream() noexcept {
        err_ = Z_OK;
        switch (mode_) {
        case mode::deflate:
        case mode::deflate_raw:
        case mode::gzip:
            err_ = ::deflateReset(&strm_);
            break;
        case mode::inflate:
        case mode::inflate_raw:
        case mode::gunzip:
            err_ = ::inflateReset(&strm_);
            break;
        default:
            break;
        }
        if (err_ == Z_OK) set_dictionary();
    }

    z_stream strm_;
    mode mode_;
    int level_, window_bits_, mem_level_, strategy_;
    costream::buffer dictionary_;
    int err_ = Z_OK;
    int flush_ = Z_NO_FLUSH;
    int gzip_id_bytes_read_ = 0;
    std::size_t in_extra_ = 0, out_extra_ = 0; // input/output beyond zlib's uInt counts
    bool initialized_ = false;
    bool init_failed_ = false;
};

} // namespace costream::zlib::detail
