// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/detail/ring.hpp: the double-ended ring buffer that holds a stream's buffered chunks
// (Node's state.buffer array with bufferIndex).
#pragma once

#include <costream/config.hpp>

#include <cstddef>
#include <new>
#include <utility>

namespace costream::stream::detail {

/// A growable ring buffer of T with O(1) push at both ends and pop at the front. It allocates
/// only when it must grow (capacity doubles, power of two), so a stream in steady state never
/// allocates for its buffer; elements are moved, never copied.
template <class T>
class ring {
public:
    ring() = default;
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;
    ~ring() {
        clear();
        ::operator delete(static_cast<void*>(data_));
    }

    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

    T& front() noexcept { return data_[head_]; }
    const T& front() const noexcept { return data_[head_]; }
    T& back() noexcept { return data_[(head_ + size_ - 1) & (cap_ - 1)]; }
    /// The i-th element from the front.
    T& operator[](std::size_t i) noexcept { return data_[(head_ + i) & (cap_ - 1)]; }
    const T& operator[](std::size_t i) const noexcept { return data_[(head_ + i) & (cap_ - 1)]; }

    template <class... Args>
    T& emplace_back(Args&&... args) {
        if (size_ == cap_) grow();
        T* p = data_ + ((head_ + size_) & (cap_ - 1));
        ::new (static_cast<void*>(p)) T(std::forward<Args>(args)...);
        ++size_;
        return *p;
    }
    void push_back(T&& v) { emplace_back(std::move(v)); }

    template <class... Args>
    T& emplace_front(Args&&... args) {
        if (size_ == cap_) grow();
        std::size_t h = (head_ + cap_ - 1) & (cap_ - 1);
        ::new (static_cast<void*>(data_ + h)) T(std::forward<Args>(args)...);
        head_ = h;
        ++size_;
        return data_[h];
    }
    void push_front(T&& v) { emplace_front(std::move(v)); }

    /// Moves the front element out and removes it.
    T pop_front() noexcept {
        T* p = data_ + head_;
        T v(std::move(*p));
        p->~T();
        head_ = (head_ + 1) & (cap_ - 1);
        --size_;
        return v;
    }
    /// Removes the front element.
    void drop_front() noexcept {
        data_[head_].~T();
        head_ = (head_ + 1) & (cap_ - 1);
        --size_;
    }

    void clear() noexcept {
        while (size_ != 0)
            drop_front();
        head_ = 0;
    }

private:
    void grow() {
        std::size_t ncap = cap_ ? cap_ * 2 : 8;
        T* nd = static_cast<T*>(::operator new(ncap * sizeof(T)));
        for (std::size_t i = 0; i < size_; ++i) {
            T* s = data_ + ((head_ + i) & (cap_ - 1));
            ::new (static_cast<void*>(nd + i)) T(std::move(*s));
            s->~T();
        }
        ::operator delete(static_cast<void*>(data_));
        data_ = nd;
        cap_ = ncap;
        head_ = 0;
    }

    T* data_ = nullptr;
    std::size_t cap_ = 0; // power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace costream::stream::detail
