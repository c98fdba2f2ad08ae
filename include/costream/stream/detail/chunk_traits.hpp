// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/chunk_traits.hpp: what a stream needs to know about its chunk type.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>

namespace costream::stream {

/// Customisation point describing a chunk type. `bytes` is true only for costream::buffer:
/// those streams count high_water_mark in bytes (unless object_mode) and accept strings with
/// an encoding. `is_null(c)` says whether `c` is JavaScript's null for this type (end of
/// stream for push(), ERR_STREAM_NULL_VALUES for write()): an empty std::optional, a null
/// pointer; specialise it for your own nullable types.
template <class T>
struct chunk_traits {
    static constexpr bool bytes = false;
    static bool is_null(const T& v) noexcept {
        if constexpr (requires { v.has_value(); })
            return !v.has_value();
        else if constexpr (std::is_pointer_v<T> || std::is_null_pointer_v<T>)
            return v == nullptr;
        else if constexpr (requires {
                               static_cast<bool>(v);
                               v == nullptr;
                           })
            return v == nullptr; // smart pointers, std::function; never std::string, whose
                                 // == nullptr would read a null C string
        else
            return false;
    }
};

template <>
struct chunk_traits<costream::buffer> {
    static constexpr bool bytes = true;
    static bool is_null(const costream::buffer&) noexcept { return false; }
};

} // namespace costream::stream
