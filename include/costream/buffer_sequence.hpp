// The Asio bridge of costream::buffer: a buffer as boost::asio::const_buffer /
// mutable_buffer without copying, and a contiguous range of buffers as an Asio buffer
// sequence without allocating, for gathered writes (one writev for many chunks) and
// scattered reads.
//
// Includes only Boost.Asio's buffer header, not the rest of Asio.
//
// boost::asio::buffer(buf) also works on a costream::buffer directly (Asio treats it as a
// contiguous container of bytes): mutable_buffer for a non-const buffer, const_buffer for a
// const one, pointing at the same bytes. A costream::buffer or a std::vector of them is not
// itself a buffer sequence; pass asio_buffer(b) or asio_buffers(chunks).
//
// Lifetime: these views do not hold a reference. Keep the buffers (and the vector holding
// them) alive until the operation completes, as for any Asio buffer.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <iterator>
#include <span>

namespace costream {

/// The bytes of `b` as a boost::asio::const_buffer (no copy). Node: writing a Buffer to a
/// socket hands libuv its memory.
inline boost::asio::const_buffer asio_buffer(const buffer& b) noexcept {
    return boost::asio::const_buffer(b.data(), b.size());
}

/// The bytes of `b` as a boost::asio::mutable_buffer, to read into (no copy).
inline boost::asio::mutable_buffer asio_mutable_buffer(buffer& b) noexcept {
    return boost::asio::mutable_buffer(b.data(), b.size());
}

namespace detail {

/// Iterator over a contiguous run of buffers that yields Asio buffers by value. It is random
/// access so that Asio's consuming_buffers can resume after a partial write in O(1).
template <class Buffer, class AsioBuffer>
class asio_buffer_iterator {
public:
    using iterator_category = std::random_access_iterator_tag;
    using iterator_concept = std::random_access_iterator_tag;
    using value_type = AsioBuffer;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = AsioBuffer;

    asio_buffer_iterator() noexcept = default;
    explicit asio_buffer_iterator(Buffer* p) noexcept : p_(p) {}

    AsioBuffer operator*() const noexcept { return AsioBuffer(p_->data(), p_->size()); }
    AsioBuffer operator[](difference_type n) const noexcept { return *(*this + n); }

    asio_buffer_iterator& operator++() noexcept {
        ++p_;
        return *this;
    }
    asio_buffer_iterator operator++(int) noexcept {
        auto t = *this;
        ++p_;
        return t;
    }
    asio_buffer_iterator& operator--() noexcept {
        --p_;
        return *this;
    }
    asio_buffer_iterator operator--(int) noexcept {
        auto t = *this;
        --p_;
        return t;
    }
    asio_buffer_iterator& operator+=(difference_type n) noexcept {
        p_ += n;
        return *this;
    }
    asio_buffer_iterator& operator-=(difference_type n) noexcept {
        p_ -= n;
        return *this;
    }
    friend asio_buffer_iterator operator+(asio_buffer_iterator i, difference_type n) noexcept {
        return i += n;
    }
    friend asio_buffer_iterator operator+(difference_type n, asio_buffer_iterator i) noexcept {
        return i += n;
    }
    friend asio_buffer_iterator operator-(asio_buffer_iterator i, difference_type n) noexcept {
        return i -= n;
    }
    friend difference_type operator-(asio_buffer_iterator a, asio_buffer_iterator b) noexcept {
        return a.p_ - b.p_;
    }
    friend bool operator==(asio_buffer_iterator a, asio_buffer_iterator b) noexcept = default;
    friend auto operator<=>(asio_buffer_iterator a, asio_buffer_iterator b) noexcept = default;

private:
    Buffer* p_ = nullptr;
};

} // namespace detail

/// A contiguous range of costream::buffer (std::vector, std::array, std::span) seen as an
/// Asio ConstBufferSequence: two pointers, no allocation, no copy of any byte. Asio writes
/// the chunks with gathered writes (writev): up to 64 per write_some, up to 16 per step of a
/// composed async_write.
///
///     std::vector<costream::buffer> chunks = ...;
///     boost::asio::async_write(socket, costream::asio_buffers(chunks), token);
class const_buffers_view {
public:
    using value_type = boost::asio::const_buffer;
    using const_iterator = detail::asio_buffer_iterator<const buffer, boost::asio::const_buffer>;

    /// Views `chunks`; they must outlive the view and the operation using it.
    explicit const_buffers_view(std::span<const buffer> chunks) noexcept : chunks_(chunks) {}
    const_iterator begin() const noexcept { return const_iterator(chunks_.data()); }
    const_iterator end() const noexcept { return const_iterator(chunks_.data() + chunks_.size()); }
    /// The number of chunks.
    std::size_t count() const noexcept { return chunks_.size(); }

private:
    std::span<const buffer> chunks_;
};

/// A contiguous range of costream::buffer seen as an Asio MutableBufferSequence, for
/// scattered reads (readv) into several buffers.
class mutable_buffers_view {
public:
    using value_type = boost::asio::mutable_buffer;
    using const_iterator = detail::asio_buffer_iterator<buffer, boost::asio::mutable_buffer>;

    /// Views `chunks`; they must outlive the view and the operation using it.
    explicit mutable_buffers_view(std::span<buffer> chunks) noexcept : chunks_(chunks) {}
    const_iterator begin() const noexcept { return const_iterator(chunks_.data()); }
    const_iterator end() const noexcept { return const_iterator(chunks_.data() + chunks_.size()); }
    /// The number of chunks.
    std::size_t count() const noexcept { return chunks_.size(); }

private:
    std::span<buffer> chunks_;
};

/// `chunks` as a ConstBufferSequence for a gathered write (Node: writable.writev / cork).
inline const_buffers_view asio_buffers(std::span<const buffer> chunks) noexcept {
    return const_buffers_view(chunks);
}

/// `chunks` as a MutableBufferSequence for a scattered read.
inline mutable_buffers_view asio_mutable_buffers(std::span<buffer> chunks) noexcept {
    return mutable_buffers_view(chunks);
}

} // namespace costream
