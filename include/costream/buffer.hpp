// costream::buffer: Node's Buffer for C++.
//
// A buffer is a view {storage, data, size} (24 bytes) on reference-counted storage. Copying
// a buffer shares the bytes, as assigning a Buffer does in JavaScript; moving it transfers
// the reference. slice() and subarray() return views on the same storage, so a write through
// one is visible through the other; buffer::from(other) copies. Small allocations
// (alloc_unsafe(n) for n < 4096, from(string), from(bytes), concat) are carved from a
// per-thread 8 KiB pool slab as Node carves them from Buffer.poolSize. The reference count
// is atomic: views may be copied and destroyed on any thread (the bytes themselves are plain
// memory: concurrent writes need the caller's synchronisation, as with a SharedArrayBuffer).
//
// Arguments follow Node's rules, with C++ types instead of JavaScript coercion: offsets and
// lengths are any integer type (index_arg; floating point does not compile), encodings are
// a costream::encoding or a name (encoding_arg). Bad arguments throw at once, with Node's
// code and message: costream::range_error (ERR_OUT_OF_RANGE, ERR_BUFFER_OUT_OF_BOUNDS,
// ERR_INVALID_BUFFER_SIZE) or costream::type_error (ERR_UNKNOWN_ENCODING,
// ERR_INVALID_ARG_VALUE, ERR_INVALID_ARG_TYPE). See docs/buffer.md.
//
// Needs only the standard library; costream/buffer_sequence.hpp adds the Asio bridge.
#pragma once

#include <costream/config.hpp>
#include <costream/detail/buffer_impl.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>

#include <algorithm>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace costream {

/// An integer argument of a Buffer method: an offset, an index, a length or a size.
///
/// Converts implicitly from any integer type, so `b.slice(-3)` and `b.read_uint8(i)` with a
/// `std::size_t i` both work; floating point and bool do not compile (where JavaScript
/// would truncate 1.5 or throw ERR_OUT_OF_RANGE, C++ rejects the call). A default-constructed
/// index_arg stands for an argument JavaScript leaves `undefined`. Unsigned values above
/// INT64_MAX saturate, which every check treats as "too large".
class index_arg {
public:
    /// An omitted argument (`undefined`).
    constexpr index_arg() noexcept = default;
    /// A given integer.
    template <std::integral I>
    requires(!std::same_as<std::remove_cv_t<I>, bool>) constexpr index_arg(I v) noexcept
        : value_(clamp(v)), given_(true) {}
    template <std::floating_point F>
    index_arg(F) = delete; // JS would truncate or throw; use an integer
    template <class B>
    requires std::same_as<B, bool> index_arg(B)
    = delete; // a template, so that pointers do not convert through bool

    /// Whether the argument was given.
    constexpr bool has_value() const noexcept { return given_; }
    /// The value (0 when omitted).
    constexpr std::int64_t value() const noexcept { return value_; }
    /// The value, or `fallback` when omitted.
    constexpr std::int64_t value_or(std::int64_t fallback) const noexcept {
        return given_ ? value_ : fallback;
    }

private:
    template <class I>
    static constexpr std::int64_t clamp(I v) noexcept {
        if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
            if (v > static_cast<I>(std::numeric_limits<std::int64_t>::max()))
                return std::numeric_limits<std::int64_t>::max();
        }
        return static_cast<std::int64_t>(v);
    }
    std::int64_t value_ = 0;
    bool given_ = false;
};

/// An encoding argument: a costream::encoding, or a name ("hex", "UTF-8", "binary"...) that
/// is checked when the method runs (ERR_UNKNOWN_ENCODING), in the order Node checks it.
/// Default-constructed, it stands for an omitted argument. A name is referenced, not copied:
/// pass it directly to the call.
class encoding_arg {
public:
    /// An omitted encoding (`undefined`): the method's default, utf8 everywhere.
    constexpr encoding_arg() noexcept = default;
    /// A known encoding.
    constexpr encoding_arg(encoding e) noexcept : kind_(kind::value), enc_(e) {}
    /// An encoding name, case-insensitive as Node reads it.
    constexpr encoding_arg(std::string_view name) noexcept : kind_(kind::name), name_(name) {}
    /// An encoding name.
    encoding_arg(const std::string& name) noexcept : kind_(kind::name), name_(name) {}
    /// An encoding name (a string literal).
    template <std::size_t N>
    constexpr encoding_arg(const char (&name)[N]) noexcept
        : kind_(kind::name), name_(name, std::char_traits<char>::length(name)) {}
    /// An encoding name (a C string; not a null pointer).
    template <class P>
    requires(std::same_as<P, const char*> ||
             std::same_as<P, char*>) constexpr encoding_arg(P name) noexcept
        : kind_(kind::name), name_(name) {}

    /// Whether an encoding was given.
    constexpr bool has_value() const noexcept { return kind_ != kind::none; }

    /// The name as the caller spelled it ("HEX"), for messages that quote it as Node does
    /// (`Received 'HEX'`); "" when the encoding was given as a value or omitted.
    constexpr std::string_view name() const noexcept { return name_; }

    /// The encoding: `fallback` when omitted (or, if `empty_is_default`, named ""); throws
    /// type_error ERR_UNKNOWN_ENCODING for an unknown name.
    encoding resolve(encoding fallback, bool empty_is_default) const {
        switch (kind_) {
        case kind::none:
            return fallback;
        case kind::value:
            return enc_;
        case kind::name:
            if (name_.empty() && empty_is_default) return fallback;
            return to_encoding(name_);
        }
        return fallback;
    }

    /// The encoding, with unknown names read as utf8 (Buffer.byteLength's rule).
    encoding resolve_lenient() const noexcept {
        if (kind_ == kind::value) return enc_;
        if (kind_ == kind::name)
            if (auto e = parse_encoding(name_)) return *e;
        return encoding::utf8;
    }

private:
    enum class kind : std::uint8_t { none, value, name };
    kind kind_ = kind::none;
    encoding enc_ = encoding::utf8;
    std::string_view name_;
};

/// Node's Buffer: bytes with shared ownership. See the top of this file and docs/buffer.md.
///
/// A contiguous range of std::uint8_t (data(), size(), begin(), end(), operator[]), so it
/// converts to std::span<const std::uint8_t> and works with the standard algorithms.
/// Constness is that of a container (a const buffer gives const bytes), but it is not a
/// protection: copies and slices share the bytes. Equality and ordering compare contents.
///
///     auto b = costream::buffer::from("hello");       // Buffer.from('hello')
///     auto s = b.subarray(1, 3);                       // shares b's bytes
///     s[0] = 'E';                                      // b.to_string() == "hEllo"
///     std::string hex = b.to_string("hex");            // b.toString('hex')
class buffer {
public:
    using value_type = std::uint8_t;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using reference = std::uint8_t&;
    using const_reference = const std::uint8_t&;
    using pointer = std::uint8_t*;
    using const_pointer = const std::uint8_t*;
    using iterator = std::uint8_t*;
    using const_iterator = const std::uint8_t*;

    /// Buffer.poolSize: the size of a pool slab. Requests below half of it are pooled.
    static constexpr std::size_t pool_size = detail::pool_size;
    /// buffer.constants.MAX_LENGTH (COSTREAM_BUFFER_MAX_LENGTH, Node v20's 2**32 by default).
    static constexpr std::size_t max_length = COSTREAM_BUFFER_MAX_LENGTH;
    /// buffer.INSPECT_MAX_BYTES: bytes shown by inspect().
    static constexpr std::size_t inspect_max_bytes = 50;

    // -- lifetime -------------------------------------------------------------------------

    /// An empty buffer (Buffer.alloc(0)); owns nothing.
    constexpr buffer() noexcept = default;
    /// Shares `other`'s bytes (JavaScript reference assignment); one atomic increment.
    buffer(const buffer& other) noexcept
        : storage_(other.storage_), data_(other.data_), size_(other.size_) {
        detail::storage_add_ref(storage_);
    }
    /// Takes `other`'s reference; `other` becomes empty.
    buffer(buffer&& other) noexcept
        : storage_(std::exchange(other.storage_, nullptr)),
          data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    /// Shares `other`'s bytes, releasing the current view.
    buffer& operator=(const buffer& other) noexcept {
        detail::storage_add_ref(other.storage_);
        detail::storage_release(storage_);
        storage_ = other.storage_;
        data_ = other.data_;
        size_ = other.size_;
        return *this;
    }
    /// Takes `other`'s reference, releasing the current view.
    buffer& operator=(buffer&& other) noexcept {
        if (this != &other) {
            detail::storage_release(storage_);
            storage_ = std::exchange(other.storage_, nullptr);
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    /// Releases the view; the last view of a storage frees it.
    ~buffer() { detail::storage_release(storage_); }

    /// Exchanges two views (no bytes move).
    friend void swap(buffer& a, buffer& b) noexcept {
        std::swap(a.storage_, b.storage_);
        std::swap(a.data_, b.data_);
        std::swap(a.size_, b.size_);
    }

    // -- creating buffers -----------------------------------------------------------------

    /// Buffer.alloc(size): `size` zero bytes, never pooled. Throws ERR_OUT_OF_RANGE for a
    /// size below 0 or above max_length.
    static buffer alloc(index_arg size) {
        const std::size_t n = validate_size(size);
        if (n == 0) return {};
        return buffer(detail::allocate_storage(n, true), n);
    }
    /// Buffer.alloc(size, fill) with a number: every byte is `fill & 255`.
    template <std::integral V>
    static buffer alloc(index_arg size, V fill) {
        const std::size_t n = validate_size(size);
        if (n == 0) return {};
        if (fill == 0) return buffer(detail::allocate_storage(n, true), n);
        buffer b(detail::allocate_storage(n, false), n);
        std::memset(b.data_, static_cast<std::uint8_t>(fill), n);
        return b;
    }
    /// Buffer.alloc(size, fill, encoding) with a string: the encoded string repeated (a
    /// partial character at the end, as Node). ERR_INVALID_ARG_VALUE if `fill` encodes to
    /// nothing (bad hex); "" fills zeros.
    static buffer alloc(index_arg size, std::string_view fill, encoding_arg enc = {}) {
        return alloc_filled_string(size, fill, enc);
    }
    /// Same, for UTF-16 text.
    static buffer alloc(index_arg size, std::u16string_view fill, encoding_arg enc = {}) {
        return alloc_filled_string(size, fill, enc);
    }
    /// Buffer.alloc(size, fill) with bytes: `fill` repeated; ERR_INVALID_ARG_VALUE if empty.
    static buffer alloc(index_arg size, std::span<const std::uint8_t> fill) {
        const std::size_t n = validate_size(size);
        if (n == 0) return {};
        buffer b(detail::allocate_storage(n, false), n);
        b.fill(fill);
        return b;
    }

    /// Buffer.allocUnsafe(size): uninitialised bytes; sizes below pool_size / 2 come from
    /// the thread's pool (no malloc), larger ones from their own allocation.
    static buffer alloc_unsafe(index_arg size) {
        const std::size_t n = validate_size(size);
        return make_unsafe(n);
    }
    /// Buffer.allocUnsafeSlow(size): uninitialised bytes in their own allocation, never
    /// pooled (for buffers kept a long time, so they do not pin a pool slab).
    static buffer alloc_unsafe_slow(index_arg size) {
        const std::size_t n = validate_size(size);
        if (n == 0) return {};
        return buffer(detail::allocate_storage(n, false), n);
    }

    /// Buffer.from(string, encoding): `text` (UTF-8) encoded; utf8 when omitted or "".
    /// Pooled below pool_size / 2 bytes. Throws ERR_UNKNOWN_ENCODING for an unknown name.
    static buffer from(std::string_view text, encoding_arg enc = {}) {
        return from_text(text, enc);
    }
    /// Same, for UTF-16 text (a JavaScript string exactly; lone surrogates encode as U+FFFD
    /// in utf8).
    static buffer from(std::u16string_view text, encoding_arg enc = {}) {
        return from_text(text, enc);
    }
    /// Buffer.from(arrayLike) / Buffer.from(buffer): a copy of the bytes (pooled when small).
    static buffer from(std::span<const std::uint8_t> bytes) {
        buffer b = make_unsafe(bytes.size());
        if (!bytes.empty()) std::memcpy(b.data_, bytes.data(), bytes.size());
        return b;
    }
    /// Same, for std::byte.
    static buffer from(std::span<const std::byte> bytes) {
        return from(std::span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }
    /// Buffer.from(buf): a copy (unlike slice(), which shares).
    static buffer from(const buffer& other) { return from(std::span<const std::uint8_t>(other)); }
    /// Buffer.from([1, 2, 3]).
    static buffer from(std::initializer_list<std::uint8_t> bytes) {
        return from(std::span<const std::uint8_t>(bytes.begin(), bytes.size()));
    }
    /// Buffer.from(null) throws ERR_INVALID_ARG_TYPE in Node; here it does not compile.
    static buffer from(std::nullptr_t) = delete;

    /// Zero-copy view of memory costream does not own (Node's Buffer.from(arrayBuffer) over
    /// external memory): `deleter(data)` runs when the last view is gone, on that thread.
    /// No size limit applies. Costs one small allocation for the header.
    template <class Deleter>
    requires std::invocable<Deleter&, std::uint8_t*>
    static buffer wrap(std::uint8_t* data, std::size_t size, Deleter deleter) {
        using storage = detail::external_storage<Deleter, true>;
        storage* s;
        try {
            s = new storage(std::move(deleter), data, size);
        } catch (...) {
            deleter(data);
            throw;
        }
        return buffer(s, data, size);
    }
    /// Zero-copy adoption of a contiguous container of bytes (std::vector<std::uint8_t>,
    /// std::string, ...): the container is moved into the buffer's header and freed with it.
    template <class Container>
    requires(!std::is_lvalue_reference_v<Container> && std::ranges::contiguous_range<Container> &&
             sizeof(std::ranges::range_value_t<Container>) == 1 &&
             !std::is_const_v<
                 std::remove_reference_t<std::ranges::range_reference_t<Container>>>) static buffer
        adopt(Container&& owner) {
        using storage = detail::external_storage<std::remove_cvref_t<Container>, false>;
        auto* s = new storage(std::move(owner), nullptr, 0);
        auto* p = reinterpret_cast<std::uint8_t*>(std::ranges::data(s->owner));
        const std::size_t n = std::ranges::size(s->owner);
        s->base = p;
        s->capacity = n;
        return buffer(s, p, n);
    }

    /// Buffer.concat(list): the bytes of every element (buffers, spans, vectors of bytes) in
    /// one new buffer (pooled when small). An empty list gives an empty buffer.
    template <std::ranges::forward_range R>
    requires std::convertible_to<std::ranges::range_reference_t<R>, std::span<const std::uint8_t>>
    static buffer concat(R&& list, index_arg total_length = {}) {
        return concat_range(list, total_length);
    }
    /// Buffer.concat([a, b], totalLength): with a total length, the result is truncated or
    /// zero-padded to it (ERR_OUT_OF_RANGE if negative).
    static buffer concat(std::initializer_list<std::span<const std::uint8_t>> list,
                         index_arg total_length = {}) {
        return concat_range(list, total_length);
    }

    // -- static helpers -------------------------------------------------------------------

    /// Buffer.byteLength(string, encoding): bytes once encoded (base64: Node's estimate).
    /// As in Node, an unknown encoding name counts utf8 and does not throw.
    static std::size_t byte_length(std::string_view text, encoding_arg enc = {}) noexcept {
        return text.empty() ? 0 : costream::byte_length(text, enc.resolve_lenient());
    }
    /// Same, for UTF-16 text.
    static std::size_t byte_length(std::u16string_view text, encoding_arg enc = {}) noexcept {
        return text.empty() ? 0 : costream::byte_length(text, enc.resolve_lenient());
    }
    /// Buffer.byteLength(buffer): its size.
    static std::size_t byte_length(const buffer& b) noexcept { return b.size(); }
    /// Buffer.byteLength(typedArray or ArrayBuffer): its size in bytes.
    static std::size_t byte_length(std::span<const std::uint8_t> bytes) noexcept {
        return bytes.size();
    }
    /// Buffer.byteLength(arrayBuffer) over std::byte.
    static std::size_t byte_length(std::span<const std::byte> bytes) noexcept {
        return bytes.size();
    }
    /// Buffer.isEncoding(name).
    static bool is_encoding(std::string_view name) noexcept { return costream::is_encoding(name); }

    /// Buffer.compare(a, b): -1, 0 or 1 by bytes, then length (for sorting).
    static int compare(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
        return compare_bytes(a.data(), a.size(), b.data(), b.size());
    }

    // -- the bytes ------------------------------------------------------------------------

    /// The first byte (null for a default-constructed buffer).
    std::uint8_t* data() noexcept { return data_; }
    /// The first byte, read-only.
    const std::uint8_t* data() const noexcept { return data_; }
    /// buf.length.
    std::size_t size() const noexcept { return size_; }
    /// buf.length.
    std::size_t length() const noexcept { return size_; }
    /// size() == 0.
    bool empty() const noexcept { return size_ == 0; }
    /// Iterators over the bytes (pointers).
    iterator begin() noexcept { return data_; }
    iterator end() noexcept { return data_ + size_; }
    const_iterator begin() const noexcept { return data_; }
    const_iterator end() const noexcept { return data_ + size_; }
    const_iterator cbegin() const noexcept { return data_; }
    const_iterator cend() const noexcept { return data_ + size_; }
    /// buf[i], unchecked (i < size()).
    std::uint8_t& operator[](std::size_t i) noexcept { return data_[i]; }
    const std::uint8_t& operator[](std::size_t i) const noexcept { return data_[i]; }

    /// buf.byteOffset: where this view starts in its storage (its ArrayBuffer).
    std::size_t byte_offset() const noexcept {
        return storage_ ? static_cast<std::size_t>(data_ - storage_->base) : 0;
    }
    /// buf.buffer === other.buffer: whether both views are on the same storage (pooled
    /// buffers share a slab, as pooled Node Buffers share an ArrayBuffer).
    bool shares_storage_with(const buffer& other) const noexcept {
        return storage_ != nullptr && storage_ == other.storage_;
    }

    // -- views ----------------------------------------------------------------------------

    /// buf.subarray(start, end): a view on the same bytes. Negative indexes count from the
    /// end; indexes are clamped to [0, size()]; end <= start gives an empty view. Never
    /// allocates.
    buffer subarray(index_arg start = {}, index_arg end = {}) const noexcept {
        const std::size_t s = adjust_offset(start.value(), size_);
        const std::size_t e = end.has_value() ? adjust_offset(end.value(), size_) : size_;
        const std::size_t n = e > s ? e - s : 0;
        detail::storage_add_ref(storage_);
        return buffer(storage_, data_ + s, n);
    }
    /// buf.slice(start, end): the same as subarray (a view, not a copy).
    buffer slice(index_arg start = {}, index_arg end = {}) const noexcept {
        return subarray(start, end);
    }

    // -- text -----------------------------------------------------------------------------

    /// buf.toString(encoding, start, end), as UTF-8 text. start <= 0 means 0, end beyond
    /// size() means size(), an empty range gives "" (without checking the encoding, as
    /// Node); an unknown or "" name throws ERR_UNKNOWN_ENCODING.
    std::string to_string(encoding_arg enc = {}, index_arg start = {}, index_arg end = {}) const {
        auto [s, e] = string_range(start, end);
        if (e <= s) return {};
        return costream::decode(std::span<const std::uint8_t>(data_ + s, e - s),
                                enc.resolve(encoding::utf8, false));
    }
    /// The same, as UTF-16 code units (the JavaScript string exactly).
    std::u16string to_u16string(encoding_arg enc = {}, index_arg start = {},
                                index_arg end = {}) const {
        auto [s, e] = string_range(start, end);
        if (e <= s) return {};
        return costream::decode_u16(std::span<const std::uint8_t>(data_ + s, e - s),
                                    enc.resolve(encoding::utf8, false));
    }

    /// buf.write(string[, offset[, length]][, encoding]): encodes `text` at `offset`, at
    /// most `length` bytes and never a partial character; returns the bytes written.
    /// ERR_OUT_OF_RANGE for an offset or length outside [0, size()].
    std::size_t write(std::string_view text, index_arg offset = {}, index_arg length = {},
                      encoding_arg enc = {}) {
        return write_text(text, offset, length, enc);
    }
    /// buf.write(string, encoding).
    std::size_t write(std::string_view text, encoding_arg enc) {
        return write_text(text, 0, {}, enc);
    }
    /// buf.write(string, offset, encoding).
    std::size_t write(std::string_view text, index_arg offset, encoding_arg enc) {
        return write_text(text, offset, {}, enc);
    }
    /// Same three, for UTF-16 text.
    std::size_t write(std::u16string_view text, index_arg offset = {}, index_arg length = {},
                      encoding_arg enc = {}) {
        return write_text(text, offset, length, enc);
    }
    std::size_t write(std::u16string_view text, encoding_arg enc) {
        return write_text(text, 0, {}, enc);
    }
    std::size_t write(std::u16string_view text, index_arg offset, encoding_arg enc) {
        return write_text(text, offset, {}, enc);
    }

    /// buf.toJSON(), serialised: {"type":"Buffer","data":[1,2,3]}.
    std::string to_json() const {
        std::string out = "{\"type\":\"Buffer\",\"data\":[";
        out.reserve(out.size() + size_ * 4 + 2);
        for (std::size_t i = 0; i < size_; ++i) {
            if (i) out += ',';
            out += std::to_string(data_[i]);
        }
        out += "]}";
        return out;
    }
    /// util.inspect(buf): "<Buffer 61 62 63>", at most inspect_max_bytes bytes shown.
    std::string inspect() const { return inspect_bytes(*this); }

    // -- copy, fill, compare --------------------------------------------------------------

    /// buf.copy(target, targetStart, sourceStart, sourceEnd): copies bytes into `target`
    /// (overlap-safe); returns the number copied. ERR_OUT_OF_RANGE for a negative
    /// targetStart or sourceEnd, or a sourceStart outside [0, size()].
    std::size_t copy(std::span<std::uint8_t> target, index_arg target_start = {},
                     index_arg source_start = {}, index_arg source_end = {}) const {
        // node: buffer.js _copy, _copyActual
        const std::int64_t ts = target_start.value_or(0);
        if (ts < 0) detail::throw_out_of_range("targetStart", ">= 0", detail::received_number(ts));
        const std::int64_t ss = source_start.value_or(0);
        if (ss < 0 || std::cmp_greater(ss, size_))
            detail::throw_out_of_range("sourceStart",
                                       detail::str_cat({">= 0 && <= ", std::to_string(size_)}),
                                       detail::received_number(ss));
        std::int64_t se =
            source_end.has_value() ? source_end.value() : static_cast<std::int64_t>(size_);
        if (se < 0) detail::throw_out_of_range("sourceEnd", ">= 0", detail::received_number(se));
        if (std::cmp_greater_equal(ts, target.size()) || ss >= se) return 0;
        std::size_t n = static_cast<std::size_t>(se - ss);
        n = std::min(n, target.size() - static_cast<std::size_t>(ts));
        n = std::min(n, size_ - static_cast<std::size_t>(ss));
        if (n) std::memmove(target.data() + ts, data_ + ss, n);
        return n;
    }
    /// The same, into a temporary view (b.copy(target.subarray(4))).
    std::size_t copy(buffer&& target, index_arg target_start = {}, index_arg source_start = {},
                     index_arg source_end = {}) const {
        return copy(std::span<std::uint8_t>(target.data_, target.size_), target_start, source_start,
                    source_end);
    }

    /// buf.fill(value, offset, end) with a number: bytes [offset, end) become value & 255.
    /// offset >= end does nothing; ERR_OUT_OF_RANGE for a negative offset or an end outside
    /// [0, size()].
    template <std::integral V>
    buffer& fill(V value, index_arg offset = {}, index_arg end = {}) {
        auto [o, e] = fill_range(offset, end);
        if (o < e) std::memset(data_ + o, static_cast<std::uint8_t>(value), e - o);
        return *this;
    }
    /// buf.fill(string, offset, end, encoding): the encoded string repeated. "" fills
    /// zeros; a string that encodes to nothing (bad hex) throws ERR_INVALID_ARG_VALUE.
    buffer& fill(std::string_view value, index_arg offset = {}, index_arg end = {},
                 encoding_arg enc = {}) {
        return fill_text(value, offset, end, enc);
    }
    /// buf.fill(string, encoding).
    buffer& fill(std::string_view value, encoding_arg enc) { return fill_text(value, {}, {}, enc); }
    /// buf.fill(string, offset, encoding).
    buffer& fill(std::string_view value, index_arg offset, encoding_arg enc) {
        return fill_text(value, offset, {}, enc);
    }
    /// Same three, for UTF-16 text.
    buffer& fill(std::u16string_view value, index_arg offset = {}, index_arg end = {},
                 encoding_arg enc = {}) {
        return fill_text(value, offset, end, enc);
    }
    buffer& fill(std::u16string_view value, encoding_arg enc) {
        return fill_text(value, {}, {}, enc);
    }
    buffer& fill(std::u16string_view value, index_arg offset, encoding_arg enc) {
        return fill_text(value, offset, {}, enc);
    }
    /// buf.fill(bytes, offset, end): `value` repeated (it may overlap this buffer);
    /// ERR_INVALID_ARG_VALUE if it is empty and the range is not.
    buffer& fill(std::span<const std::uint8_t> value, index_arg offset = {}, index_arg end = {}) {
        auto [o, e] = fill_range(offset, end);
        if (o >= e) return *this;
        if (value.empty()) detail::throw_invalid_arg_value("value", inspect_bytes(value));
        const std::size_t n = std::min(value.size(), e - o);
        std::memmove(data_ + o, value.data(), n);
        repeat_pattern(o, e, n);
        return *this;
    }

    /// buf.equals(other): same length and bytes.
    bool equals(std::span<const std::uint8_t> other) const noexcept {
        return size_ == other.size() &&
               (size_ == 0 || std::memcmp(data_, other.data(), size_) == 0);
    }
    /// buf.compare(target, targetStart, targetEnd, sourceStart, sourceEnd): -1, 0 or 1,
    /// comparing this[sourceStart, sourceEnd) with target[targetStart, targetEnd).
    /// ERR_OUT_OF_RANGE for a negative start or an end beyond its buffer.
    int compare(std::span<const std::uint8_t> target, index_arg target_start = {},
                index_arg target_end = {}, index_arg source_start = {},
                index_arg source_end = {}) const {
        // node: buffer.js Buffer.prototype.compare, node_buffer.cc CompareOffset
        const std::int64_t ts =
            target_start.has_value() ? validate_offset(target_start, "targetStart", max_length) : 0;
        const std::int64_t te = target_end.has_value()
                                    ? validate_offset(target_end, "targetEnd", target.size())
                                    : static_cast<std::int64_t>(target.size());
        const std::int64_t ss =
            source_start.has_value() ? validate_offset(source_start, "sourceStart", max_length) : 0;
        const std::int64_t se = source_end.has_value()
                                    ? validate_offset(source_end, "sourceEnd", size_)
                                    : static_cast<std::int64_t>(size_);
        if (ss >= se) return ts >= te ? 0 : -1;
        if (ts >= te) return 1;
        return compare_bytes(data_ + ss, static_cast<std::size_t>(se - ss), target.data() + ts,
                             static_cast<std::size_t>(te - ts));
    }

    /// a.equals(b): the same bytes (not the same storage).
    friend bool operator==(const buffer& a, const buffer& b) noexcept { return a.equals(b); }
    /// Buffer.compare(a, b) as an ordering: bytes, then length.
    friend std::strong_ordering operator<=>(const buffer& a, const buffer& b) noexcept {
        const int c = compare(a, b);
        return c < 0   ? std::strong_ordering::less
               : c > 0 ? std::strong_ordering::greater
                       : std::strong_ordering::equal;
    }

    // -- searching ------------------------------------------------------------------------

    /// buf.indexOf(value, byteOffset) with a number: the first index of byte value & 255 at
    /// or after byteOffset (negative counts from the end), or -1.
    template <std::integral V>
    std::int64_t index_of(V value, index_arg byte_offset = {}) const noexcept {
        return find_byte(static_cast<std::uint8_t>(value), byte_offset.value_or(0), true);
    }
    /// buf.indexOf(string, byteOffset, encoding): the first index of the encoded string, or
    /// -1. An empty string matches at the clamped offset. utf16le matches only at even
    /// offsets, as in Node. ERR_UNKNOWN_ENCODING for an unknown (or "") name.
    std::int64_t index_of(std::string_view value, index_arg byte_offset = {},
                          encoding_arg enc = {}) const {
        return find_text(value, byte_offset.value_or(0), enc, true);
    }
    /// buf.indexOf(string, encoding).
    std::int64_t index_of(std::string_view value, encoding_arg enc) const {
        return find_text(value, 0, enc, true);
    }
    /// Same two, for UTF-16 text.
    std::int64_t index_of(std::u16string_view value, index_arg byte_offset = {},
                          encoding_arg enc = {}) const {
        return find_text(value, byte_offset.value_or(0), enc, true);
    }
    std::int64_t index_of(std::u16string_view value, encoding_arg enc) const {
        return find_text(value, 0, enc, true);
    }
    /// buf.indexOf(buffer, byteOffset, encoding): the first index of the bytes, or -1; the
    /// encoding matters only for utf16le (even offsets, whole units).
    std::int64_t index_of(std::span<const std::uint8_t> value, index_arg byte_offset = {},
                          encoding_arg enc = {}) const noexcept {
        return find_bytes(value, byte_offset.value_or(0), enc.resolve_lenient(), true);
    }
    /// buf.indexOf(buffer, encoding).
    std::int64_t index_of(std::span<const std::uint8_t> value, encoding_arg enc) const noexcept {
        return find_bytes(value, 0, enc.resolve_lenient(), true);
    }

    /// buf.lastIndexOf(value, byteOffset): the last match at or before byteOffset
    /// (default: the end), or -1.
    template <std::integral V>
    std::int64_t last_index_of(V value, index_arg byte_offset = {}) const noexcept {
        return find_byte(static_cast<std::uint8_t>(value), last_offset(byte_offset), false);
    }
    std::int64_t last_index_of(std::string_view value, index_arg byte_offset = {},
                               encoding_arg enc = {}) const {
        return find_text(value, last_offset(byte_offset), enc, false);
    }
    std::int64_t last_index_of(std::string_view value, encoding_arg enc) const {
        return find_text(value, static_cast<std::int64_t>(size_), enc, false);
    }
    std::int64_t last_index_of(std::u16string_view value, index_arg byte_offset = {},
                               encoding_arg enc = {}) const {
        return find_text(value, last_offset(byte_offset), enc, false);
    }
    std::int64_t last_index_of(std::u16string_view value, encoding_arg enc) const {
        return find_text(value, static_cast<std::int64_t>(size_), enc, false);
    }
    std::int64_t last_index_of(std::span<const std::uint8_t> value, index_arg byte_offset = {},
                               encoding_arg enc = {}) const noexcept {
        return find_bytes(value, last_offset(byte_offset), enc.resolve_lenient(), false);
    }
    std::int64_t last_index_of(std::span<const std::uint8_t> value,
                               encoding_arg enc) const noexcept {
        return find_bytes(value, static_cast<std::int64_t>(size_), enc.resolve_lenient(), false);
    }

    /// buf.includes(value, byteOffset, encoding): index_of(...) != -1.
    template <std::integral V>
    bool includes(V value, index_arg byte_offset = {}) const noexcept {
        return index_of(value, byte_offset) != -1;
    }
    bool includes(std::string_view value, index_arg byte_offset = {}, encoding_arg enc = {}) const {
        return index_of(value, byte_offset, enc) != -1;
    }
    bool includes(std::string_view value, encoding_arg enc) const {
        return index_of(value, enc) != -1;
    }
    bool includes(std::u16string_view value, index_arg byte_offset = {},
                  encoding_arg enc = {}) const {
        return index_of(value, byte_offset, enc) != -1;
    }
    bool includes(std::u16string_view value, encoding_arg enc) const {
        return index_of(value, enc) != -1;
    }
    bool includes(std::span<const std::uint8_t> value, index_arg byte_offset = {},
                  encoding_arg enc = {}) const noexcept {
        return index_of(value, byte_offset, enc) != -1;
    }
    bool includes(std::span<const std::uint8_t> value, encoding_arg enc) const noexcept {
        return index_of(value, enc) != -1;
    }

    // -- byte order -----------------------------------------------------------------------

    /// buf.swap16(): swaps byte pairs in place. ERR_INVALID_BUFFER_SIZE unless the size is a
    /// multiple of 2.
    buffer& swap16() { return swap_units<std::uint16_t>("16-bits"); }
    /// buf.swap32().
    buffer& swap32() { return swap_units<std::uint32_t>("32-bits"); }
    /// buf.swap64().
    buffer& swap64() { return swap_units<std::uint64_t>("64-bits"); }

    // -- numbers --------------------------------------------------------------------------
    // read_*(offset) read at `offset` (default 0); write_*(value, offset) write there and
    // return offset + bytes written. A value outside the type's range, or an offset that
    // leaves no room, throws ERR_OUT_OF_RANGE (ERR_BUFFER_OUT_OF_BOUNDS when the buffer is
    // smaller than the value), with Node's message. Values are any integer type; the big
    // (64-bit) variants are Node's BigInt methods.

    /// buf.readUInt8(offset).
    std::uint8_t read_uint8(index_arg offset = 0) const {
        return static_cast<std::uint8_t>(read_bits<1, false>(offset));
    }
    /// buf.readInt8(offset).
    std::int8_t read_int8(index_arg offset = 0) const {
        return static_cast<std::int8_t>(read_sbits<1, false>(offset));
    }
    /// buf.readUInt16LE(offset).
    std::uint16_t read_uint16_le(index_arg offset = 0) const {
        return static_cast<std::uint16_t>(read_bits<2, false>(offset));
    }
    /// buf.readUInt16BE(offset).
    std::uint16_t read_uint16_be(index_arg offset = 0) const {
        return static_cast<std::uint16_t>(read_bits<2, true>(offset));
    }
    /// buf.readInt16LE(offset).
    std::int16_t read_int16_le(index_arg offset = 0) const {
        return static_cast<std::int16_t>(read_sbits<2, false>(offset));
    }
    /// buf.readInt16BE(offset).
    std::int16_t read_int16_be(index_arg offset = 0) const {
        return static_cast<std::int16_t>(read_sbits<2, true>(offset));
    }
    /// buf.readUInt32LE(offset).
    std::uint32_t read_uint32_le(index_arg offset = 0) const {
        return static_cast<std::uint32_t>(read_bits<4, false>(offset));
    }
    /// buf.readUInt32BE(offset).
    std::uint32_t read_uint32_be(index_arg offset = 0) const {
        return static_cast<std::uint32_t>(read_bits<4, true>(offset));
    }
    /// buf.readInt32LE(offset).
    std::int32_t read_int32_le(index_arg offset = 0) const {
        return static_cast<std::int32_t>(read_sbits<4, false>(offset));
    }
    /// buf.readInt32BE(offset).
    std::int32_t read_int32_be(index_arg offset = 0) const {
        return static_cast<std::int32_t>(read_sbits<4, true>(offset));
    }
    /// buf.readBigUInt64LE(offset).
    std::uint64_t read_big_uint64_le(index_arg offset = 0) const {
        return read_bits<8, false>(offset);
    }
    /// buf.readBigUInt64BE(offset).
    std::uint64_t read_big_uint64_be(index_arg offset = 0) const {
        return read_bits<8, true>(offset);
    }
    /// buf.readBigInt64LE(offset).
    std::int64_t read_big_int64_le(index_arg offset = 0) const {
        return read_sbits<8, false>(offset);
    }
    /// buf.readBigInt64BE(offset).
    std::int64_t read_big_int64_be(index_arg offset = 0) const {
        return read_sbits<8, true>(offset);
    }
    /// buf.readFloatLE(offset) (a float; Node widens it to a double).
    float read_float_le(index_arg offset = 0) const {
        return std::bit_cast<float>(static_cast<std::uint32_t>(read_bits<4, false>(offset)));
    }
    /// buf.readFloatBE(offset).
    float read_float_be(index_arg offset = 0) const {
        return std::bit_cast<float>(static_cast<std::uint32_t>(read_bits<4, true>(offset)));
    }
    /// buf.readDoubleLE(offset).
    double read_double_le(index_arg offset = 0) const {
        return std::bit_cast<double>(read_bits<8, false>(offset));
    }
    /// buf.readDoubleBE(offset).
    double read_double_be(index_arg offset = 0) const {
        return std::bit_cast<double>(read_bits<8, true>(offset));
    }
    /// buf.readUIntLE(offset, byteLength): 1 to 6 bytes, unsigned. ERR_OUT_OF_RANGE for a
    /// byteLength outside [1, 6].
    std::uint64_t read_uint_le(index_arg offset, index_arg byte_length) const {
        return read_var<false, false>(offset, byte_length);
    }
    /// buf.readUIntBE(offset, byteLength).
    std::uint64_t read_uint_be(index_arg offset, index_arg byte_length) const {
        return read_var<true, false>(offset, byte_length);
    }
    /// buf.readIntLE(offset, byteLength): 1 to 6 bytes, two's complement.
    std::int64_t read_int_le(index_arg offset, index_arg byte_length) const {
        return static_cast<std::int64_t>(read_var<false, true>(offset, byte_length));
    }
    /// buf.readIntBE(offset, byteLength).
    std::int64_t read_int_be(index_arg offset, index_arg byte_length) const {
        return static_cast<std::int64_t>(read_var<true, true>(offset, byte_length));
    }

    /// buf.writeUInt8(value, offset).
    template <std::integral V>
    std::size_t write_uint8(V value, index_arg offset = 0) {
        return write_bits<1, false, false>(value, offset);
    }
    /// buf.writeInt8(value, offset).
    template <std::integral V>
    std::size_t write_int8(V value, index_arg offset = 0) {
        return write_bits<1, true, false>(value, offset);
    }
    /// buf.writeUInt16LE(value, offset).
    template <std::integral V>
    std::size_t write_uint16_le(V value, index_arg offset = 0) {
        return write_bits<2, false, false>(value, offset);
    }
    /// buf.writeUInt16BE(value, offset).
    template <std::integral V>
    std::size_t write_uint16_be(V value, index_arg offset = 0) {
        return write_bits<2, false, true>(value, offset);
    }
    /// buf.writeInt16LE(value, offset).
    template <std::integral V>
    std::size_t write_int16_le(V value, index_arg offset = 0) {
        return write_bits<2, true, false>(value, offset);
    }
    /// buf.writeInt16BE(value, offset).
    template <std::integral V>
    std::size_t write_int16_be(V value, index_arg offset = 0) {
        return write_bits<2, true, true>(value, offset);
    }
    /// buf.writeUInt32LE(value, offset).
    template <std::integral V>
    std::size_t write_uint32_le(V value, index_arg offset = 0) {
        return write_bits<4, false, false>(value, offset);
    }
    /// buf.writeUInt32BE(value, offset).
    template <std::integral V>
    std::size_t write_uint32_be(V value, index_arg offset = 0) {
        return write_bits<4, false, true>(value, offset);
    }
    /// buf.writeInt32LE(value, offset).
    template <std::integral V>
    std::size_t write_int32_le(V value, index_arg offset = 0) {
        return write_bits<4, true, false>(value, offset);
    }
    /// buf.writeInt32BE(value, offset).
    template <std::integral V>
    std::size_t write_int32_be(V value, index_arg offset = 0) {
        return write_bits<4, true, true>(value, offset);
    }
    /// buf.writeBigUInt64LE(value, offset).
    template <std::integral V>
    std::size_t write_big_uint64_le(V value, index_arg offset = 0) {
        return write_bits<8, false, false>(value, offset);
    }
    /// buf.writeBigUInt64BE(value, offset).
    template <std::integral V>
    std::size_t write_big_uint64_be(V value, index_arg offset = 0) {
        return write_bits<8, false, true>(value, offset);
    }
    /// buf.writeBigInt64LE(value, offset).
    template <std::integral V>
    std::size_t write_big_int64_le(V value, index_arg offset = 0) {
        return write_bits<8, true, false>(value, offset);
    }
    /// buf.writeBigInt64BE(value, offset).
    template <std::integral V>
    std::size_t write_big_int64_be(V value, index_arg offset = 0) {
        return write_bits<8, true, true>(value, offset);
    }
    /// buf.writeFloatLE(value, offset): `value` rounded to float (out of range: ±Infinity).
    std::size_t write_float_le(double value, index_arg offset = 0) {
        return write_raw<4, false>(std::bit_cast<std::uint32_t>(static_cast<float>(value)), offset);
    }
    /// buf.writeFloatBE(value, offset).
    std::size_t write_float_be(double value, index_arg offset = 0) {
        return write_raw<4, true>(std::bit_cast<std::uint32_t>(static_cast<float>(value)), offset);
    }
    /// buf.writeDoubleLE(value, offset).
    std::size_t write_double_le(double value, index_arg offset = 0) {
        return write_raw<8, false>(std::bit_cast<std::uint64_t>(value), offset);
    }
    /// buf.writeDoubleBE(value, offset).
    std::size_t write_double_be(double value, index_arg offset = 0) {
        return write_raw<8, true>(std::bit_cast<std::uint64_t>(value), offset);
    }
    /// buf.writeUIntLE(value, offset, byteLength): 1 to 6 bytes.
    template <std::integral V>
    std::size_t write_uint_le(V value, index_arg offset, index_arg byte_length) {
        return write_var<false, false>(value, offset, byte_length);
    }
    /// buf.writeUIntBE(value, offset, byteLength).
    template <std::integral V>
    std::size_t write_uint_be(V value, index_arg offset, index_arg byte_length) {
        return write_var<false, true>(value, offset, byte_length);
    }
    /// buf.writeIntLE(value, offset, byteLength).
    template <std::integral V>
    std::size_t write_int_le(V value, index_arg offset, index_arg byte_length) {
        return write_var<true, false>(value, offset, byte_length);
    }
    /// buf.writeIntBE(value, offset, byteLength).
    template <std::integral V>
    std::size_t write_int_be(V value, index_arg offset, index_arg byte_length) {
        return write_var<true, true>(value, offset, byte_length);
    }

private:
    // Adopts one reference on `s`.
    buffer(detail::buffer_storage* s, std::uint8_t* data, std::size_t size) noexcept
        : storage_(s), data_(data), size_(size) {}
    // The whole of a fresh own block.
    buffer(detail::buffer_storage* s, std::size_t size) noexcept
        : storage_(s), data_(s->base), size_(size) {}

    static std::size_t validate_size(index_arg size) {
        // node: validateNumber(size, 'size', 0, kMaxLength)
        if (!size.has_value()) detail::throw_undefined_number("size");
        if (size.value() < 0 || std::cmp_greater(size.value(), max_length))
            detail::throw_offset_range("size", size.value(), 0, max_length);
        return static_cast<std::size_t>(size.value());
    }

    // node: validateOffset(value, name, 0, max)
    static std::int64_t validate_offset(index_arg v, std::string_view name, std::size_t max) {
        if (v.value() < 0 || std::cmp_greater(v.value(), max))
            detail::throw_offset_range(name, v.value(), 0, max);
        return v.value();
    }

    // node: buffer.js allocate(size)
    static buffer make_unsafe(std::size_t n) {
        if (n == 0) return {};
        if (n < pool_size / 2) {
            auto& pool = detail::thread_buffer_pool();
            std::uint8_t* p = pool.reserve(n);
            return buffer(pool.commit(n), p, n);
        }
        return buffer(detail::allocate_storage(n, false), n);
    }

    static int compare_bytes(const std::uint8_t* a, std::size_t an, const std::uint8_t* b,
                             std::size_t bn) noexcept {
        // node: node_buffer.cc normalizeCompareVal
        const std::size_t n = std::min(an, bn);
        const int c = n ? std::memcmp(a, b, n) : 0;
        if (c != 0) return c < 0 ? -1 : 1;
        return an < bn ? -1 : an > bn ? 1 : 0;
    }

    // node: buffer.js adjustOffset
    static std::size_t adjust_offset(std::int64_t offset, std::size_t length) noexcept {
        if (offset < 0) {
            const auto len = static_cast<std::int64_t>(length);
            return offset + len > 0 ? static_cast<std::size_t>(offset + len) : 0;
        }
        return std::cmp_less(offset, length) ? static_cast<std::size_t>(offset) : length;
    }

    template <class Text>
    static buffer from_text(Text text, encoding_arg enc) {
        // node: buffer.js fromString / fromStringFast
        const encoding e = enc.resolve(encoding::utf8, true);
        if (text.empty()) return {};
        if constexpr (std::is_same_v<Text, std::string_view>) {
            // ASCII text is its own utf8, latin1 and ascii encoding: copy it (V8's one-byte
            // strings take the same shortcut).
            if ((e == encoding::utf8 || e == encoding::latin1 || e == encoding::ascii) &&
                detail::ascii_only(text))
                return from(std::span<const std::uint8_t>(
                    reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
        }
        const std::size_t estimate = costream::byte_length(text, e);
        if (estimate == 0) return {};
        if (estimate < pool_size / 2) {
            auto& pool = detail::thread_buffer_pool();
            std::uint8_t* p = pool.reserve(estimate);
            const std::size_t n = costream::encode_into(text, e, std::span(p, estimate));
            if (n == 0) return {};
            return buffer(pool.commit(n), p, n);
        }
        buffer b(detail::allocate_storage(estimate, false), estimate);
        b.size_ = costream::encode_into(text, e, std::span(b.data_, estimate));
        return b;
    }

    template <class R>
    static buffer concat_range(const R& list, index_arg total_length) {
        // node: buffer.js Buffer.concat
        if (std::ranges::empty(list)) return {};
        std::size_t length = 0;
        if (total_length.has_value()) {
            length = static_cast<std::size_t>(validate_offset(total_length, "length", max_length));
        } else {
            for (auto&& item : list)
                length += std::span<const std::uint8_t>(item).size();
        }
        buffer out = make_unsafe(length);
        std::size_t pos = 0;
        for (auto&& item : list) {
            const std::span<const std::uint8_t> bytes(item);
            const std::size_t n = std::min(bytes.size(), length - pos);
            if (n) std::memcpy(out.data_ + pos, bytes.data(), n);
            pos += n;
            if (pos == length) break;
        }
        if (pos < length) std::memset(out.data_ + pos, 0, length - pos);
        return out;
    }

    std::pair<std::size_t, std::size_t> string_range(index_arg start,
                                                     index_arg end) const noexcept {
        // node: Buffer.prototype.toString's clamping
        std::size_t s = 0;
        if (start.value() > 0) {
            if (std::cmp_greater_equal(start.value(), size_)) return {0, 0};
            s = static_cast<std::size_t>(start.value());
        }
        std::size_t e = size_;
        if (end.has_value() && !std::cmp_greater(end.value(), size_))
            e = end.value() < 0 ? 0 : static_cast<std::size_t>(end.value());
        return {s, e};
    }

    template <class Text>
    std::size_t write_text(Text text, index_arg offset, index_arg length, encoding_arg enc) {
        // node: Buffer.prototype.write. Without an offset Node writes utf8 whatever the
        // encoding argument says (buf.write(s, undefined, undefined, 'hex') is utf8).
        if (!offset.has_value())
            return costream::encode_into(text, encoding::utf8, std::span(data_, size_));
        const auto o = static_cast<std::size_t>(validate_offset(offset, "offset", size_));
        std::size_t n = size_ - o;
        if (length.has_value())
            n = std::min(n, static_cast<std::size_t>(validate_offset(length, "length", size_)));
        const encoding e = enc.resolve(encoding::utf8, true);
        if (n == 0) return 0;
        return costream::encode_into(text, e, std::span(data_ + o, n));
    }

    // node: _fill's offset handling; returns an empty range when there is nothing to do.
    std::pair<std::size_t, std::size_t> fill_range(index_arg offset, index_arg end) const {
        if (!offset.has_value()) return {0, size_};
        const auto o = static_cast<std::size_t>(validate_offset(offset, "offset", max_length));
        const std::size_t e =
            end.has_value() ? static_cast<std::size_t>(validate_offset(end, "end", size_)) : size_;
        if (o >= e) return {0, 0};
        return {o, e};
    }

    // Doubles the pattern in [o, o + have) until [o, e) is full (node_buffer.cc Fill).
    void repeat_pattern(std::size_t o, std::size_t e, std::size_t have) noexcept {
        const std::size_t total = e - o;
        while (have < total) {
            const std::size_t n = std::min(have, total - have);
            std::memcpy(data_ + o + have, data_ + o, n);
            have += n;
        }
    }

    template <class Text>
    buffer& fill_text(Text value, index_arg offset, index_arg end, encoding_arg enc) {
        // node: buffer.js _fill, node_buffer.cc Fill. The encoding is checked first.
        const encoding e = enc.resolve(encoding::utf8, true);
        auto [o, en] = fill_range(offset, end);
        if (o >= en) return *this;
        if (value.empty()) {
            std::memset(data_ + o, 0, en - o);
            return *this;
        }
        const std::size_t room = en - o;
        std::size_t have;
        if (e == encoding::utf8 || e == encoding::utf16le) {
            // Node copies a prefix of the whole encoded string, cutting a character if it
            // must; encode_into never cuts one, so encode aside when the string is too long.
            const std::size_t full = costream::byte_length(value, e);
            if (full <= room) {
                have = costream::encode_into(value, e, std::span(data_ + o, room));
            } else {
                std::string tmp(full, '\0');
                const std::size_t n = costream::encode_into(
                    value, e, std::span(reinterpret_cast<std::uint8_t*>(tmp.data()), full));
                have = std::min(n, room);
                std::memcpy(data_ + o, tmp.data(), have);
            }
        } else {
            have = costream::encode_into(value, e, std::span(data_ + o, room));
        }
        if (have == 0) {
            if constexpr (std::is_same_v<Text, std::u16string_view>) {
                detail::throw_invalid_arg_value("value", detail::inspect_string(value));
            } else {
                detail::throw_invalid_arg_value(
                    "value", detail::inspect_string(costream::to_u16string(value)));
            }
        }
        repeat_pattern(o, en, have);
        return *this;
    }

    template <class Text>
    static buffer alloc_filled_string(index_arg size, Text fill, encoding_arg enc) {
        // node: Buffer.alloc: a fill is applied only when size > 0
        const std::size_t n = validate_size(size);
        if (n == 0) return {};
        buffer b(detail::allocate_storage(n, fill.empty()), n);
        b.fill_text(fill, {}, {}, enc);
        return b;
    }

    static std::string inspect_bytes(std::span<const std::uint8_t> bytes) {
        static constexpr char hexd[] = "0123456789abcdef";
        // node: Buffer.prototype[customInspectSymbol]: `<Buffer ${bytes joined by ' '}>`.
        std::string out = "<Buffer ";
        const std::size_t shown = std::min(bytes.size(), inspect_max_bytes);
        for (std::size_t i = 0; i < shown; ++i) {
            if (i) out += ' ';
            out += hexd[bytes[i] >> 4];
            out += hexd[bytes[i] & 15];
        }
        if (bytes.size() > shown) {
            const std::size_t rest = bytes.size() - shown;
            out.append(" ... ").append(std::to_string(rest));
            out.append(rest > 1 ? " more bytes" : " more byte");
        }
        out += '>';
        return out;
    }

    // lastIndexOf's default byteOffset is the end of the buffer.
    std::int64_t last_offset(index_arg byte_offset) const noexcept {
        return byte_offset.value_or(static_cast<std::int64_t>(size_));
    }

    std::int64_t find_byte(std::uint8_t value, std::int64_t byte_offset,
                           bool forward) const noexcept {
        // node: node_buffer.cc IndexOfNumber
        const std::int64_t start = detail::index_of_offset(size_, byte_offset, 1, forward);
        if (start <= -1 || size_ == 0) return -1;
        const auto s = static_cast<std::size_t>(start);
        if (forward) {
            const void* hit = std::memchr(data_ + s, value, size_ - s);
            return hit ? static_cast<const std::uint8_t*>(hit) - data_ : -1;
        }
        for (std::size_t i = s + 1; i-- > 0;)
            if (data_[i] == value) return static_cast<std::int64_t>(i);
        return -1;
    }

    std::int64_t find_bytes(std::span<const std::uint8_t> needle, std::int64_t byte_offset,
                            encoding enc, bool forward) const noexcept {
        // node: node_buffer.cc IndexOfBuffer
        const std::size_t hay_n = size_;
        const std::size_t needle_n = needle.size();
        const std::int64_t start = detail::index_of_offset(
            hay_n, byte_offset, static_cast<std::int64_t>(needle_n), forward);
        if (needle_n == 0) return start;
        if (hay_n == 0 || start <= -1) return -1;
        const auto s = static_cast<std::size_t>(start);
        if ((forward && needle_n + s > hay_n) || needle_n > hay_n) return -1;
        if (enc == encoding::utf16le) {
            // Whole UTF-16 units at even offsets only. (Node returns hay_n - 1 instead of -1
            // for a miss in an odd-sized haystack; costream returns -1.)
            if (hay_n < 2 || needle_n < 2) return -1;
            return find_units(needle.data(), needle_n / 2, s, forward);
        }
        const std::size_t r = detail::search(data_, hay_n, needle.data(), needle_n, s, forward);
        return r == hay_n ? -1 : static_cast<std::int64_t>(r);
    }

    // Searches the buffer's 16-bit units for `units` little-endian units starting at `p`.
    std::int64_t find_units(const std::uint8_t* p, std::size_t units, std::size_t start,
                            bool forward) const noexcept {
        const std::size_t hay_units = size_ / 2;
        if (units > hay_units) return -1;
        const std::size_t last = hay_units - units;
        const std::size_t first = start / 2;
        auto match = [&](std::size_t u) { return std::memcmp(data_ + 2 * u, p, 2 * units) == 0; };
        if (forward) {
            for (std::size_t u = first; u <= last; ++u)
                if (match(u)) return static_cast<std::int64_t>(2 * u);
            return -1;
        }
        for (std::size_t u = std::min(first, last) + 1; u-- > 0;)
            if (match(u)) return static_cast<std::int64_t>(2 * u);
        return -1;
    }

    template <class Text>
    std::int64_t find_text(Text value, std::int64_t byte_offset, encoding_arg enc,
                           bool forward) const {
        // node: buffer.js bidirectionalIndexOf and encodingOps[enc].indexOf; node_buffer.cc
        // IndexOfString. An omitted encoding is utf8; "" and unknown names throw.
        const encoding e = enc.resolve(encoding::utf8, false);
        if (e == encoding::utf16le) {
            // IndexOfString with UCS2: the haystack is rounded down to whole units.
            const std::size_t hay_n = size_ & ~std::size_t(1);
            const std::size_t needle_n = costream::byte_length(value, e);
            const std::int64_t start = detail::index_of_offset(
                hay_n, byte_offset, static_cast<std::int64_t>(needle_n), forward);
            if (needle_n == 0) return start;
            if (hay_n == 0 || start <= -1) return -1;
            const auto s = static_cast<std::size_t>(start);
            if ((forward && needle_n + s > hay_n) || needle_n > hay_n) return -1;
            std::u16string units;
            if constexpr (std::is_same_v<Text, std::u16string_view>) {
                units.assign(value);
            } else {
                units = costream::to_u16string(value);
            }
            std::string bytes(units.size() * 2, '\0');
            for (std::size_t i = 0; i < units.size(); ++i) {
                bytes[2 * i] = static_cast<char>(units[i] & 0xFF);
                bytes[2 * i + 1] = static_cast<char>(units[i] >> 8);
            }
            return find_units(reinterpret_cast<const std::uint8_t*>(bytes.data()), units.size(), s,
                              forward);
        }
        std::string needle;
        if (e == encoding::utf8) {
            // V8's Utf8Value: lone surrogates as their own 3 bytes (they then never match
            // the EF BF BD that Buffer.from writes for them).
            if constexpr (std::is_same_v<Text, std::u16string_view>) {
                needle = detail::wtf8(value);
            } else {
                needle.resize(costream::byte_length(value, e));
                needle.resize(costream::encode_into(
                    value, e,
                    std::span(reinterpret_cast<std::uint8_t*>(needle.data()), needle.size())));
            }
        } else {
            // latin1 (IndexOfString writes each unit's low byte) and, through
            // fromStringFast, ascii, hex, base64 and base64url: the encoded bytes.
            needle.resize(costream::byte_length(value, e));
            needle.resize(costream::encode_into(
                value, e,
                std::span(reinterpret_cast<std::uint8_t*>(needle.data()), needle.size())));
        }
        return find_bytes(
            std::span(reinterpret_cast<const std::uint8_t*>(needle.data()), needle.size()),
            byte_offset, e, forward);
    }

    template <class T>
    buffer& swap_units(std::string_view bits) {
        if (size_ % sizeof(T) != 0) detail::throw_invalid_buffer_size(bits);
        for (std::size_t i = 0; i < size_; i += sizeof(T)) {
            T v;
            std::memcpy(&v, data_ + i, sizeof v);
            v = detail::byteswap(v);
            std::memcpy(data_ + i, &v, sizeof v);
        }
        return *this;
    }

    // node: checkBounds / boundsError. The offset of a read or write of N bytes.
    template <std::size_t N>
    std::size_t checked_offset(index_arg offset) const {
        const std::int64_t o = offset.value();
        if (o < 0 || size_ < N || static_cast<std::uint64_t>(o) > size_ - N) [[unlikely]]
            detail::bounds_error(o,
                                 static_cast<std::int64_t>(size_) - static_cast<std::int64_t>(N));
        return static_cast<std::size_t>(o);
    }

    template <std::size_t N, bool Big>
    std::uint64_t read_bits(index_arg offset) const {
        return detail::load_bits<N, Big>(data_ + checked_offset<N>(offset));
    }
    template <std::size_t N, bool Big>
    std::int64_t read_sbits(index_arg offset) const {
        return detail::sign_extend<N>(read_bits<N, Big>(offset));
    }

    template <std::size_t N, bool Big>
    std::size_t write_raw(std::uint64_t bits, index_arg offset) {
        const std::size_t o = checked_offset<N>(offset);
        detail::store_bits<N, Big>(data_ + o, bits);
        return o + N;
    }

    template <std::size_t N, bool Signed, bool Big, std::integral V>
    std::size_t write_bits(V v, index_arg offset) {
        // node: writeU_Int8 / checkInt: the value's range first, then the bounds. Widened
        // first so that bool and character types compare as numbers.
        using wide = std::conditional_t<std::is_signed_v<V>, std::int64_t, std::uint64_t>;
        const wide value = static_cast<wide>(v);
        if constexpr (Signed) {
            constexpr std::int64_t min = N == 8 ? std::numeric_limits<std::int64_t>::min()
                                                : -(std::int64_t(1) << (8 * N - 1));
            constexpr std::int64_t max = N == 8 ? std::numeric_limits<std::int64_t>::max()
                                                : (std::int64_t(1) << (8 * N - 1)) - 1;
            if (std::cmp_less(value, min) || std::cmp_greater(value, max)) [[unlikely]]
                detail::throw_value_range<N, true>(value);
        } else {
            constexpr std::uint64_t max = N == 8 ? std::numeric_limits<std::uint64_t>::max()
                                                 : (std::uint64_t(1) << (8 * N)) - 1;
            if (std::cmp_less(value, 0) || std::cmp_greater(value, max)) [[unlikely]]
                detail::throw_value_range<N, false>(value);
        }
        return write_raw<N, Big>(static_cast<std::uint64_t>(value), offset);
    }

    template <bool Big, bool Signed>
    std::uint64_t read_var(index_arg offset, index_arg byte_length) const {
        // node: readUIntLE and friends check the byte length first.
        if (!offset.has_value()) detail::throw_undefined_number("offset");
        if (!byte_length.has_value()) detail::throw_undefined_number("byteLength");
        switch (byte_length.value()) {
        case 1:
            return read_n<1, Big, Signed>(offset);
        case 2:
            return read_n<2, Big, Signed>(offset);
        case 3:
            return read_n<3, Big, Signed>(offset);
        case 4:
            return read_n<4, Big, Signed>(offset);
        case 5:
            return read_n<5, Big, Signed>(offset);
        case 6:
            return read_n<6, Big, Signed>(offset);
        default:
            detail::bounds_error(byte_length.value(), 6, "byteLength");
        }
    }
    template <std::size_t N, bool Big, bool Signed>
    std::uint64_t read_n(index_arg offset) const {
        if constexpr (Signed) {
            return static_cast<std::uint64_t>(read_sbits<N, Big>(offset));
        } else {
            return read_bits<N, Big>(offset);
        }
    }

    template <bool Signed, bool Big, std::integral V>
    std::size_t write_var(V value, index_arg offset, index_arg byte_length) {
        // node: writeUIntLE dispatches on byteLength before anything else.
        if (!byte_length.has_value()) detail::throw_undefined_number("byteLength");
        if (byte_length.value() < 1 || byte_length.value() > 6)
            detail::bounds_error(byte_length.value(), 6, "byteLength");
        if (!offset.has_value()) detail::throw_undefined_number("offset");
        switch (byte_length.value()) {
        case 1:
            return write_bits<1, Signed, Big>(value, offset);
        case 2:
            return write_bits<2, Signed, Big>(value, offset);
        case 3:
            return write_bits<3, Signed, Big>(value, offset);
        case 4:
            return write_bits<4, Signed, Big>(value, offset);
        case 5:
            return write_bits<5, Signed, Big>(value, offset);
        case 6:
            return write_bits<6, Signed, Big>(value, offset);
        default:
            detail::bounds_error(byte_length.value(), 6, "byteLength");
        }
    }

    detail::buffer_storage* storage_ = nullptr;
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

static_assert(sizeof(buffer) == 3 * sizeof(void*), "a buffer is a 24-byte view");
static_assert(std::ranges::contiguous_range<buffer> && std::ranges::sized_range<buffer>);

} // namespace costream
