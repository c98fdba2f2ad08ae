// Private helpers of costream::buffer: the refcounted storage block, the per-thread
// allocation pool, byte-order loads and stores, byte searches, and the builders of Node's
// error messages. Nothing here is public API.
#pragma once

#include <costream/config.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>

#include <atomic>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

/// Largest size Buffer.alloc and friends accept. Node v20's buffer.constants.MAX_LENGTH on
/// 64-bit platforms is 2**32, and it appears in Node's error messages ("It must be >= 0 &&
/// <= 4294967296"). Define it before including costream to lift the limit (Node 22 uses
/// 2**53 - 1); it must be the same in every translation unit. buffer::wrap has no limit.
#ifndef COSTREAM_BUFFER_MAX_LENGTH
#define COSTREAM_BUFFER_MAX_LENGTH 4294967296ULL
#endif

namespace costream::detail {

// ---------------------------------------------------------------------------------------
// Storage. One block per ArrayBuffer: the header, then (for costream's own allocations)
// the bytes, in a single malloc. Views ({storage*, data*, size}) hold one reference each.
// The count is atomic because views cross to the thread pool and to worker threads.

struct alignas(16) buffer_storage {
    std::atomic<std::size_t> refs;
    void (*destroy)(buffer_storage*) noexcept;
    std::uint8_t* base;   // first byte of the memory (the ArrayBuffer)
    std::size_t capacity; // bytes at base (ArrayBuffer byteLength)

    buffer_storage(std::size_t initial_refs, void (*d)(buffer_storage*) noexcept, std::uint8_t* b,
                   std::size_t cap) noexcept
        : refs(initial_refs), destroy(d), base(b), capacity(cap) {}
};
static_assert(sizeof(buffer_storage) == 32, "the bytes follow the header at a 16-byte boundary");

inline void storage_add_ref(buffer_storage* s) noexcept {
    // Relaxed: a new reference is made from an existing one, which already orders the memory.
    if (s) s->refs.fetch_add(1, std::memory_order_relaxed);
}

inline void storage_release(buffer_storage* s, std::size_t n = 1) noexcept {
    if (!s) return;
    // The last owner frees without a locked instruction: when the count equals the references
    // we hold, nobody else holds one, so nobody can add one (a reference is only made from an
    // existing one). The acquire load pairs with other owners' decrements, as below.
    if (s->refs.load(std::memory_order_acquire) == n) return s->destroy(s);
    // acq_rel (rather than a release decrement plus an acquire fence) keeps TSan informed:
    // the thread that frees must see every write made through other views.
    if (s->refs.fetch_sub(n, std::memory_order_acq_rel) == n) s->destroy(s);
}

inline void destroy_own_storage(buffer_storage* s) noexcept {
    s->~buffer_storage();
    std::free(s);
}

/// A block of `n` bytes with its header, in one allocation, holding `refs` references.
/// `zero` uses calloc, which gets fresh zero pages from the OS for large sizes.
inline buffer_storage* allocate_storage(std::size_t n, bool zero, std::size_t refs = 1) {
    if (n > std::numeric_limits<std::size_t>::max() - sizeof(buffer_storage))
        throw std::bad_alloc();
    void* p =
        zero ? std::calloc(1, sizeof(buffer_storage) + n) : std::malloc(sizeof(buffer_storage) + n);
    if (!p) throw std::bad_alloc();
    auto* bytes = static_cast<std::uint8_t*>(p) + sizeof(buffer_storage);
    return ::new (p) buffer_storage(refs, &destroy_own_storage, bytes, n);
}

/// Header for memory costream does not own: `owner` (a deleter, a moved-in container) is
/// destroyed or called when the last view goes.
template <class Owner, bool CallWithData>
struct external_storage : buffer_storage {
    Owner owner;

    template <class O>
    external_storage(O&& o, std::uint8_t* data, std::size_t size)
        : buffer_storage(1, &destroy_self, data, size), owner(std::forward<O>(o)) {}

    static void destroy_self(buffer_storage* s) noexcept {
        auto* self = static_cast<external_storage*>(s);
        if constexpr (CallWithData) self->owner(self->base);
        delete self;
    }
};

// ---------------------------------------------------------------------------------------
// The per-thread pool (Node's allocPool). Node carves Buffer.allocUnsafe(n) for n <
// poolSize >>> 1, Buffer.from(string) and Buffer.from(array) from one 8 KiB ArrayBuffer and
// starts a new one when the request does not fit; offsets are aligned to 8.
//
// Carving must not cost an atomic operation: the slab is created holding a batch of
// references that the pool hands out one per carve with a plain decrement; the unused rest
// is returned in one atomic subtraction when the slab is retired. A slab is freed when the
// pool has moved on and its last view is gone, on whichever thread that happens.

inline constexpr std::size_t pool_size = 8192;  // Buffer.poolSize
inline constexpr std::size_t pool_batch = 1024; // carves per batch of prepaid references

struct buffer_pool {
    buffer_storage* slab = nullptr;
    std::size_t offset = 0;
    std::size_t prepaid = 0; // references counted in slab->refs not yet handed out

    buffer_pool() = default;
    buffer_pool(const buffer_pool&) = delete;
    buffer_pool& operator=(const buffer_pool&) = delete;
    ~buffer_pool() { retire(); }

    void retire() noexcept {
        if (slab) storage_release(slab, prepaid);
        slab = nullptr;
        prepaid = 0;
    }

    /// Room for `n` bytes (n < pool_size / 2) at the current offset; a new slab if needed.
    std::uint8_t* reserve(std::size_t n) {
        if (!slab || n > pool_size - offset) {
            // node: buffer.js createPool(). Allocate before retiring so that a bad_alloc
            // leaves the pool as it was.
            buffer_storage* fresh = allocate_storage(pool_size, false, pool_batch + 1);
            retire();
            slab = fresh;
            prepaid = pool_batch + 1; // + 1: the pool's own reference
            offset = 0;
        }
        return slab->base + offset;
    }

    /// Takes the `n` (> 0) bytes at the offset for a view; returns its storage with one
    /// reference for the caller.
    buffer_storage* commit(std::size_t n) noexcept {
        if (prepaid == 1) {
            slab->refs.fetch_add(pool_batch, std::memory_order_relaxed);
            prepaid += pool_batch;
        }
        --prepaid;
        offset += n;
        offset = (offset + 7) & ~std::size_t(7); // node: alignPool()
        return slab;
    }
};

inline buffer_pool& thread_buffer_pool() noexcept {
    thread_local buffer_pool pool;
    return pool;
}

// ---------------------------------------------------------------------------------------
// Byte order.

template <class T>
constexpr T byteswap(T v) noexcept {
    static_assert(std::is_unsigned_v<T>);
#if defined(__GNUC__) || defined(__clang__)
    if constexpr (sizeof(T) == 1) {
        return v;
    } else if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(v));
    } else if constexpr (sizeof(T) == 4) {
        return __builtin_bswap32(v);
    } else {
        static_assert(sizeof(T) == 8);
        return __builtin_bswap64(v);
    }
#else
    T r = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        r = static_cast<T>((r << 8) | ((v >> (8 * i)) & 0xFF));
    return r;
#endif
}

/// Loads an unsigned T stored little- (Big = false) or big-endian at p (any alignment).
template <class T, bool Big>
inline T load(const std::uint8_t* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (Big != (std::endian::native == std::endian::big)) v = byteswap(v);
    return v;
}

template <class T, bool Big>
inline void store(std::uint8_t* p, T v) noexcept {
    if constexpr (Big != (std::endian::native == std::endian::big)) v = byteswap(v);
    std::memcpy(p, &v, sizeof v);
}

/// The low `Bytes` bytes of v (1..8), in the given order.
template <std::size_t Bytes, bool Big>
inline void store_bits(std::uint8_t* p, std::uint64_t v) noexcept {
    if constexpr (Bytes == 1) {
        p[0] = static_cast<std::uint8_t>(v);
    } else if constexpr (Bytes == 2) {
        store<std::uint16_t, Big>(p, static_cast<std::uint16_t>(v));
    } else if constexpr (Bytes == 4) {
        store<std::uint32_t, Big>(p, static_cast<std::uint32_t>(v));
    } else if constexpr (Bytes == 8) {
        store<std::uint64_t, Big>(p, v);
    } else {
        for (std::size_t i = 0; i < Bytes; ++i) {
            const std::size_t shift = 8 * (Big ? Bytes - 1 - i : i);
            p[i] = static_cast<std::uint8_t>(v >> shift);
        }
    }
}

template <std::size_t Bytes, bool Big>
inline std::uint64_t load_bits(const std::uint8_t* p) noexcept {
    if constexpr (Bytes == 1) {
        return p[0];
    } else if constexpr (Bytes == 2) {
        return load<std::uint16_t, Big>(p);
    } else if constexpr (Bytes == 4) {
        return load<std::uint32_t, Big>(p);
    } else if constexpr (Bytes == 8) {
        return load<std::uint64_t, Big>(p);
    } else {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < Bytes; ++i) {
            const std::size_t shift = 8 * (Big ? Bytes - 1 - i : i);
            v |= std::uint64_t(p[i]) << shift;
        }
        return v;
    }
}

/// Sign-extends the low `Bytes` bytes of v.
template <std::size_t Bytes>
constexpr std::int64_t sign_extend(std::uint64_t v) noexcept {
    if constexpr (Bytes == 8) {
        return static_cast<std::int64_t>(v);
    } else {
        constexpr unsigned shift = 64 - 8 * Bytes;
        return static_cast<std::int64_t>(v << shift) >> shift;
    }
}

/// Whether every byte of `s` is ASCII (a word at a time).
inline bool ascii_only(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size(), i = 0;
    std::uint64_t high = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        high |= w;
    }
    for (; i < n; ++i)
        high |= static_cast<std::uint8_t>(p[i]);
    return (high & 0x8080808080808080ULL) == 0;
}

// ---------------------------------------------------------------------------------------
// Searching (node: src/node_buffer.cc IndexOfOffset, nbytes::SearchString).

/// Node's IndexOfOffset: where an indexOf (forward) or lastIndexOf search starts, or -1
/// when no match is possible.
constexpr std::int64_t index_of_offset(std::size_t length, std::int64_t offset,
                                       std::int64_t needle_length, bool forward) noexcept {
    const auto len = static_cast<std::int64_t>(length);
    if (offset < 0) {
        if (offset + len >= 0) return len + offset; // counts back from the end
        if (forward || needle_length == 0) return 0;
        return -1;
    }
    if (offset <= len - needle_length) return offset;
    if (needle_length == 0) return len;
    if (forward) return -1;
    return len - 1;
}

/// First match of `needle` at or after `start`, or last match at or before `start`, in
/// units of T; `hay_n` when there is none. Requires needle_n > 0.
template <class T>
inline std::size_t search(const T* hay, std::size_t hay_n, const T* needle, std::size_t needle_n,
                          std::size_t start, bool forward) noexcept {
    if (hay_n < needle_n) return hay_n;
    const std::size_t last = hay_n - needle_n;
    const T first = needle[0];
    if (forward) {
        for (std::size_t i = start; i <= last; ++i) {
            if constexpr (sizeof(T) == 1) {
                const void* hit = std::memchr(hay + i, first, last - i + 1);
                if (!hit) return hay_n;
                i = static_cast<std::size_t>(static_cast<const T*>(hit) - hay);
            } else if (hay[i] != first) {
                continue;
            }
            if (std::memcmp(hay + i + 1, needle + 1, (needle_n - 1) * sizeof(T)) == 0) return i;
        }
        return hay_n;
    }
    for (std::size_t i = start < last ? start : last;; --i) {
        if (hay[i] == first &&
            std::memcmp(hay + i + 1, needle + 1, (needle_n - 1) * sizeof(T)) == 0)
            return i;
        if (i == 0) return hay_n;
    }
}

/// V8's String::Utf8Value, which Node uses for utf8 indexOf needles: like UTF-8, but a lone
/// surrogate is written as its own three bytes (ED A0 80 for U+D800), not as U+FFFD.
inline std::string wtf8(std::u16string_view s) {
    std::string out;
    out.reserve(s.size() * 3);
    for (std::size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
            s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        }
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Node's error messages (lib/internal/errors.js, lib/internal/buffer.js, lib/buffer.js).

/// Concatenates pieces with one allocation. (g++ 12 at -O3 reports false -Wrestrict
/// warnings on chains of std::string operator+, which -Werror users would see.)
inline std::string str_cat(std::initializer_list<std::string_view> pieces) {
    std::size_t n = 0;
    for (auto p : pieces)
        n += p.size();
    std::string out;
    out.reserve(n);
    for (auto p : pieces)
        out.append(p);
    return out;
}

/// node: addNumericalSeparator. "4294967297" -> "4_294_967_297".
inline std::string add_numerical_separator(const std::string& val) {
    const std::size_t start = !val.empty() && val[0] == '-' ? 1 : 0;
    const std::size_t digits = val.size() - start;
    if (digits < 4) return val;
    std::size_t first = digits % 3;
    if (first == 0) first = 3;
    std::string out;
    out.reserve(val.size() + digits / 3);
    out.append(val, 0, start + first);
    for (std::size_t i = start + first; i < val.size(); i += 3) {
        out.push_back('_');
        out.append(val, i, 3);
    }
    return out;
}

/// How ERR_OUT_OF_RANGE prints a number it received: digits, with separators past 2**32.
template <std::integral T>
std::string received_number(T v) {
    std::string s = std::to_string(v);
    if (std::cmp_greater(v, 4294967296ULL) || std::cmp_less(v, -4294967296LL))
        s = add_numerical_separator(s);
    return s;
}

/// The same for a BigInt: separators past 2n ** 32n, then "n".
template <std::integral T>
std::string received_bigint(T v) {
    std::string s = received_number(v);
    s.push_back('n');
    return s;
}

/// ERR_OUT_OF_RANGE: `The value of "<name>" is out of range. It must be <range>. Received <r>`.
[[noreturn]] inline void throw_out_of_range(std::string_view name, std::string_view range,
                                            std::string_view received) {
    std::string m = "The value of \"";
    m.append(name).append("\" is out of range. It must be ").append(range);
    m.append(". Received ").append(received);
    throw range_error(errc::out_of_range, m);
}

/// ERR_BUFFER_OUT_OF_BOUNDS without a name.
[[noreturn]] inline void throw_buffer_out_of_bounds() {
    throw range_error(errc::buffer_out_of_bounds, "Attempt to access memory outside buffer bounds");
}

/// node: internal/buffer.js boundsError(value, length, type) for integer values.
[[noreturn]] inline void bounds_error(std::int64_t value, std::int64_t length,
                                      std::string_view type = {}) {
    if (length < 0) throw_buffer_out_of_bounds();
    std::string range = type.empty() ? ">= 0 and <= " : ">= 1 and <= ";
    range += std::to_string(length);
    throw_out_of_range(type.empty() ? "offset" : type, range, received_number(value));
}

/// node: validateOffset / validateNumber with a minimum and a maximum.
[[noreturn]] inline void throw_offset_range(std::string_view name, std::int64_t value,
                                            std::uint64_t min, std::uint64_t max) {
    const std::string range = str_cat({">= ", std::to_string(min), " && <= ", std::to_string(max)});
    throw_out_of_range(name, range, received_number(value));
}

/// ERR_INVALID_ARG_TYPE for an argument JavaScript would have left undefined.
[[noreturn]] inline void throw_undefined_number(std::string_view name) {
    std::string m = "The \"";
    m.append(name).append("\" argument must be of type number. Received undefined");
    throw type_error(errc::invalid_arg_type, m);
}

/// ERR_OUT_OF_RANGE for a write*() value, worded as node's checkInt words it.
template <std::size_t Bytes, bool Signed, std::integral V>
[[noreturn]] void throw_value_range(V value) {
    std::string range;
    if constexpr (Bytes == 8) {
        range = Signed ? ">= -(2n ** 63n) and < 2n ** 63n" : ">= 0n and < 2n ** 64n";
        throw_out_of_range("value", range, received_bigint(value));
    } else if constexpr (Bytes > 4) {
        const std::string bits = std::to_string(Signed ? Bytes * 8 - 1 : Bytes * 8);
        range = Signed ? str_cat({">= -(2 ** ", bits, ") and < 2 ** ", bits})
                       : str_cat({">= 0 and < 2 ** ", bits});
        throw_out_of_range("value", range, received_number(value));
    } else {
        constexpr std::int64_t min = Signed ? -(std::int64_t(1) << (Bytes * 8 - 1)) : 0;
        constexpr std::int64_t max = Signed ? (std::int64_t(1) << (Bytes * 8 - 1)) - 1
                                            : (std::int64_t(1) << (Bytes * 8)) - 1;
        range = str_cat({">= ", std::to_string(min), " and <= ", std::to_string(max)});
        throw_out_of_range("value", range, received_number(value));
    }
}

/// ERR_INVALID_BUFFER_SIZE from swap16/32/64.
[[noreturn]] inline void throw_invalid_buffer_size(std::string_view bits) {
    std::string m = "Buffer size must be a multiple of ";
    m.append(bits);
    throw range_error(errc::invalid_buffer_size, m);
}

/// util.inspect of a JS string, as error messages quote it: single quotes unless the text
/// has one (then double quotes, then backticks), control characters escaped.
inline std::string inspect_string(std::u16string_view s) {
    const bool has_single = s.find(u'\'') != s.npos;
    char quote = '\'';
    if (has_single) {
        if (s.find(u'"') == s.npos) {
            quote = '"';
        } else if (s.find(u'`') == s.npos && s.find(u"${") == s.npos) {
            quote = '`';
        }
    }
    static constexpr char hexd[] = "0123456789ABCDEF";
    std::string out(1, quote);
    for (std::size_t i = 0; i < s.size(); ++i) {
        char16_t c = s[i];
        switch (c) {
        case u'\b':
            out += "\\b";
            continue;
        case u'\t':
            out += "\\t";
            continue;
        case u'\n':
            out += "\\n";
            continue;
        case u'\f':
            out += "\\f";
            continue;
        case u'\r':
            out += "\\r";
            continue;
        case u'\v':
            out += "\\x0B";
            continue;
        case u'\\':
            out += "\\\\";
            continue;
        default:
            break;
        }
        if (c == static_cast<char16_t>(quote) && quote == '\'') {
            out += "\\'";
        } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            out += "\\x";
            out += hexd[c >> 4];
            out += hexd[c & 15];
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            const bool pair =
                c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF;
            if (pair) {
                out += costream::to_utf8_string(s.substr(i, 2));
                ++i;
            } else {
                static constexpr char lower[] = "0123456789abcdef";
                out += "\\u";
                for (int shift = 12; shift >= 0; shift -= 4)
                    out += lower[(c >> shift) & 15];
            }
        } else {
            out += costream::to_utf8_string(s.substr(i, 1));
        }
    }
    out += quote;
    return out;
}

/// ERR_INVALID_ARG_VALUE: `The argument '<name>' is invalid. Received <inspected>`.
[[noreturn]] inline void throw_invalid_arg_value(std::string_view name, std::string inspected) {
    if (inspected.size() > 128) {
        inspected.resize(128);
        inspected.append("...");
    }
    std::string m = "The argument '";
    m.append(name).append("' is invalid. Received ").append(inspected);
    throw type_error(errc::invalid_arg_value, m);
}

} // namespace costream::detail
