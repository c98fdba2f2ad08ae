// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/state.hpp: the state bits shared by both sides of a stream (Node's
// internal/streams/utils.js bit layout) and the highWaterMark rules (internal/streams/state.js).
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>

#include <boost/system/error_code.hpp>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace costream::stream::detail {

// node: internal/streams/utils.js and readable.js bit positions. The common bits (0-8) are
// read by destroy.js on whichever side exists; the others belong to one side.
enum : std::uint32_t {
    k_object_mode = 1u << 0,
    k_error_emitted = 1u << 1,
    k_auto_destroy = 1u << 2,
    k_emit_close = 1u << 3,
    k_destroyed = 1u << 4,
    k_closed = 1u << 5,
    k_close_emitted = 1u << 6,
    k_errored = 1u << 7,
    k_constructed = 1u << 8,
    // readable side (readable.js)
    k_ended = 1u << 9,
    k_end_emitted = 1u << 10,
    k_reading = 1u << 11,
    k_sync = 1u << 12,
    k_need_readable = 1u << 13,
    k_emitted_readable = 1u << 14,
    k_readable_listening = 1u << 15,
    k_resume_scheduled = 1u << 16,
    k_multi_await_drain = 1u << 17,
    k_reading_more = 1u << 18,
    k_data_emitted = 1u << 19,
    k_decoder = 1u << 21,
    k_has_flowing = 1u << 23,
    k_flowing = 1u << 24,
    k_has_paused = 1u << 25,
    k_paused = 1u << 26,
    k_data_listening = 1u << 27,
    // either side: the side was switched off (Duplex readable:false / writable:false)
    k_side_disabled = 1u << 28,
    // writable side, read by the readable side's autoDestroy check (writable.js finished)
    k_finished = 1u << 29,
};

/// The part of a side's state that destroy.js and the other side look at.
struct side_state {
    std::uint32_t bits = k_emit_close | k_auto_destroy | k_constructed;
    boost::system::error_code errored_value; // meaningful when k_errored is set

    bool has(std::uint32_t b) const noexcept { return (bits & b) != 0; }
    void set(std::uint32_t b) noexcept { bits |= b; }
    void clear(std::uint32_t b) noexcept { bits &= ~b; }
    void set_errored(const boost::system::error_code& ec) noexcept {
        if (ec) {
            errored_value = ec;
            bits |= k_errored;
        } else {
            bits &= ~k_errored;
        }
    }
    bool errored() const noexcept { return has(k_errored); }
};

inline std::atomic<std::size_t>& default_hwm_slot(bool object_mode) noexcept {
    static std::atomic<std::size_t> bytes{16 * 1024};
    static std::atomic<std::size_t> objects{16};
    return object_mode ? objects : bytes;
}

inline std::string format_hwm(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    std::string s = std::to_string(v);
    while (!s.empty() && s.back() == '0')
        s.pop_back();
    return s;
}

// node: state.js getHighWaterMark(state, options, duplexKey, isDuplex).
inline std::size_t get_high_water_mark(std::optional<double> hwm, std::string_view name,
                                       bool object_mode) {
    if (hwm) {
        double v = *hwm;
        if (!(v >= 0) || v != std::floor(v) || std::isinf(v))
            throw type_error(errc::invalid_arg_value, "The property '" + std::string(name) +
                                                          "' is invalid. Received " +
                                                          format_hwm(v));
        return static_cast<std::size_t>(v);
    }
    return default_hwm_slot(object_mode).load(std::memory_order_relaxed);
}

} // namespace costream::stream::detail

namespace costream::stream {

/// Node's stream.getDefaultHighWaterMark(objectMode): 16384 bytes, or 16 objects.
inline std::size_t get_default_high_water_mark(bool object_mode) noexcept {
    return detail::default_hwm_slot(object_mode).load(std::memory_order_relaxed);
}

/// Node's stream.setDefaultHighWaterMark(objectMode, value): changes the default for streams
/// created afterwards (process-wide, as in Node).
inline void set_default_high_water_mark(bool object_mode, std::size_t value) noexcept {
    detail::default_hwm_slot(object_mode).store(value, std::memory_order_relaxed);
}

} // namespace costream::stream
