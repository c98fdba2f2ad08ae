// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// detail/loop_queue.hpp: the FIFO the loop's callback queues (next_tick, microtasks, pending,
// posted, close callbacks) are made of. Callables are constructed in place in fixed-size
// slots of recycled segments and run in place: a queued callable is never moved.
#pragma once

#include <costream/config.hpp>

#include <coroutine>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace costream::detail {

/// One queue entry, one cache line: a pointer to the two operations of the stored callable
/// (`run` runs it and destroys it, also when it throws; `drop` destroys it unrun) and 56
/// bytes of inline storage. A pointer to a constant table costs one store per push and one
/// load per run, where two stored function pointers cost two of each.
struct alignas(64) loop_slot {
    struct ops {
        void (*run)(loop_slot*);
        void (*drop)(loop_slot*) noexcept;
    };
    static constexpr std::size_t inline_size = 56;

    const ops* op;
    unsigned char buf[inline_size];

    template <class T>
    static constexpr bool fits_v = sizeof(T) <= inline_size && alignof(T) <= alignof(void*);

    /// Constructs `f` in this slot (boxed on the heap when it is too big for the slot).
    template <class F>
    void emplace(F&& f) {
        using T = std::decay_t<F>;
        if constexpr (fits_v<T>) {
            ::new (static_cast<void*>(buf)) T(std::forward<F>(f));
            op = &inline_ops<T>;
        } else {
            T* p = new T(std::forward<F>(f));
            std::memcpy(buf, &p, sizeof p);
            op = &boxed_ops<T>;
        }
    }

    /// A slot that resumes `h`; dropping it destroys the frame (the queue owned it).
    void emplace_resume(std::coroutine_handle<> h) noexcept {
        void* a = h.address();
        std::memcpy(buf, &a, sizeof a);
        op = &resume_ops;
    }

    /// Runs the callable, which destroys itself (also when it throws).
    void run() { op->run(this); }
    /// Destroys the callable without running it.
    void drop() noexcept { op->drop(this); }

private:
    template <class T>
    static T* inline_ptr(loop_slot* s) noexcept {
        return std::launder(reinterpret_cast<T*>(s->buf));
    }
    template <class T>
    static void run_inline(loop_slot* s) {
        T* t = inline_ptr<T>(s);
        if constexpr (std::is_trivially_destructible_v<T>) {
            (*t)();
        } else {
            struct guard {
                T* t;
                ~guard() { std::destroy_at(t); }
            } g{t};
            (*t)();
        }
    }
    template <class T>
    static void drop_inline(loop_slot* s) noexcept {
        std::destroy_at(inline_ptr<T>(s));
    }
    template <class T>
    static constexpr ops inline_ops{&run_inline<T>, &drop_inline<T>};

    template <class T>
    static T* boxed_ptr(loop_slot* s) noexcept {
        T* t;
        std::memcpy(&t, s->buf, sizeof t);
        return t;
    }
    template <class T>
    static void run_boxed(loop_slot* s) {
        std::unique_ptr<T> t(boxed_ptr<T>(s));
        (*t)();
    }
    template <class T>
    static void drop_boxed(loop_slot* s) noexcept {
        delete boxed_ptr<T>(s);
    }
    template <class T>
    static constexpr ops boxed_ops{&run_boxed<T>, &drop_boxed<T>};

    static std::coroutine_handle<> handle_of(loop_slot* s) noexcept {
        void* a;
        std::memcpy(&a, s->buf, sizeof a);
        return std::coroutine_handle<>::from_address(a);
    }
    static void run_resume(loop_slot* s) { handle_of(s).resume(); }
    static void drop_resume(loop_slot* s) noexcept { handle_of(s).destroy(); }
    static constexpr ops resume_ops{&run_resume, &drop_resume};
};
static_assert(sizeof(loop_slot) == 64);

/// A FIFO of callables run in place. Storage is a chain of 4 KiB segments of 63 slots and a
/// sentinel; a segment the head has left is kept for reuse (a few are cached), so a queue in
/// steady state does not allocate. emplace constructs in the tail slot; running the head
/// advances the head past the slot first (a callback that throws is consumed, and one that
/// queues more work never sees itself again), then calls it there and it destroys itself.
/// The sentinel after the last slot of a segment is itself a runnable slot that moves the
/// head to the next segment, so run_all() tests nothing but emptiness per callback.
///
/// Nested runs (a callback that runs the loop again) are safe: segments left during a
/// nested run are recycled only when the outermost run ends, since the outer run's callable
/// may still be executing in one of them.
///
/// `Counted` keeps a size, for the queues that run a snapshot (libuv runs only the pending
/// and close callbacks present when the phase starts); the tick and microtask queues, which
/// run until empty, do without it.
template <bool Counted = false>
class loop_queue {
public:
    loop_queue() = default;
    loop_queue(const loop_queue&) = delete;
    loop_queue& operator=(const loop_queue&) = delete;
    ~loop_queue() {
        clear();
        free_chain(head_seg_);
        free_chain(free_);
        free_chain(retired_);
    }

    bool empty() const noexcept { return head_ == tail_; }

    /// Number of queued callables (Counted queues only).
    std::size_t size() const noexcept requires Counted { return size_; }

    /// Queues `f` (constructed in place).
    template <class F>
    void emplace(F&& f) {
        loop_slot* s = tail_;
        if (s == tail_end_) [[unlikely]]
            return emplace_grow(std::forward<F>(f));
        s->emplace(std::forward<F>(f));
        tail_ = s + 1;
        if constexpr (Counted) ++size_;
    }

    /// Queues the resumption of `h` (dropping it unrun destroys the frame).
    void emplace_resume(std::coroutine_handle<> h) {
        loop_slot* s = tail_;
        if (s == tail_end_) [[unlikely]]
            s = grow();
        s->emplace_resume(h);
        tail_ = s + 1;
        if constexpr (Counted) ++size_;
    }

    /// Runs callables until the queue is empty, including those queued meanwhile. An
    /// exception from a callable propagates; that callable is consumed, the rest stays.
    void run_all() requires(!Counted) {
        run_scope scope(*this);
        // A sentinel at head_ runs like a callable: it moves head_ to the next segment.
        while (head_ != tail_) {
            loop_slot* s = head_;
            head_ = s + 1;
            s->run();
        }
    }

    /// Runs the first callable. Precondition: !empty(). Call inside a run_scope.
    void run_front() {
        loop_slot* s = head_;
        if (s == head_end_) [[unlikely]]
            s = next_head_segment();
        head_ = s + 1;
        if constexpr (Counted) --size_;
        s->run();
    }

    /// Marks a run in progress (see the class comment on nested runs).
    class run_scope {
    public:
        explicit run_scope(loop_queue& q) noexcept : q_(q) { ++q_.runs_; }
        ~run_scope() {
            if (--q_.runs_ == 0 && q_.retired_) [[unlikely]]
                q_.recycle_retired();
        }
        run_scope(const run_scope&) = delete;
        run_scope& operator=(const run_scope&) = delete;

    private:
        loop_queue& q_;
    };

    /// Destroys every queued callable without running it. Not while a run is in progress.
    void clear() noexcept {
        while (head_ != tail_) {
            loop_slot* s = head_;
            if (s == head_end_) s = next_head_segment();
            head_ = s + 1;
            if constexpr (Counted) --size_;
            s->drop();
        }
    }

private:
    static constexpr std::size_t segment_slots = 63;
    static constexpr int max_cached = 8; // free segments kept: 32 KiB per queue at most

    // slots[segment_slots] is the sentinel; its buffer holds the queue and the next segment.
    struct segment {
        loop_slot slots[segment_slots + 1];
    };
    static_assert(sizeof(segment) == 4096);

    struct sentinel_data {
        loop_queue* queue;
        segment* next;
    };
    static sentinel_data& data(segment* s) noexcept {
        return *std::launder(reinterpret_cast<sentinel_data*>(s->slots[segment_slots].buf));
    }
    static segment*& next_of(segment* s) noexcept { return data(s).next; }

    static void sentinel_run(loop_slot* s) {
        std::launder(reinterpret_cast<sentinel_data*>(s->buf))->queue->next_head_segment();
    }
    static void sentinel_drop(loop_slot*) noexcept {}
    static constexpr loop_slot::ops sentinel_ops{&sentinel_run, &sentinel_drop};

    segment* new_segment() {
        void* p = ::operator new(sizeof(segment), std::align_val_t(alignof(segment)));
        auto* seg = ::new (p) segment;
        loop_slot& sentinel = seg->slots[segment_slots];
        sentinel.op = &sentinel_ops;
        ::new (static_cast<void*>(sentinel.buf)) sentinel_data{this, nullptr};
        return seg;
    }
    static void delete_segment(segment* s) noexcept {
        ::operator delete(static_cast<void*>(s), std::align_val_t(alignof(segment)));
    }
    static void free_chain(segment* s) noexcept {
        while (s) {
            segment* n = next_of(s);
            delete_segment(s);
            s = n;
        }
    }

    // Out of line and called last, so that the inlined fast path of emplace() needs no
    // callee-saved register (a tick queued from a tick is then ~10 instructions).
    template <class F>
    [[gnu::noinline]] void emplace_grow(F&& f) {
        loop_slot* s = grow();
        s->emplace(std::forward<F>(f));
        tail_ = s + 1;
        if constexpr (Counted) ++size_;
    }

    // The tail segment is full (or there is none): link a fresh one.
    [[gnu::noinline]] loop_slot* grow() {
        segment* seg = free_;
        if (seg) {
            free_ = next_of(seg);
            --cached_;
            next_of(seg) = nullptr;
        } else {
            seg = new_segment();
        }
        if (tail_seg_) {
            next_of(tail_seg_) = seg;
        } else {
            head_seg_ = seg;
            head_ = seg->slots;
            head_end_ = seg->slots + segment_slots;
        }
        tail_seg_ = seg;
        tail_ = seg->slots;
        tail_end_ = seg->slots + segment_slots;
        return tail_;
    }

    // The head has used up its segment and the queue is not empty: move to the next one.
    [[gnu::noinline]] loop_slot* next_head_segment() noexcept {
        segment* old = head_seg_;
        head_seg_ = next_of(old);
        head_ = head_seg_->slots;
        head_end_ = head_ + segment_slots;
        next_of(old) = nullptr;
        if (runs_ > 1) {
            next_of(old) = retired_;
            retired_ = old;
        } else {
            release(old);
        }
        return head_;
    }

    void release(segment* s) noexcept {
        if (cached_ < max_cached) {
            next_of(s) = free_;
            free_ = s;
            ++cached_;
        } else {
            delete_segment(s);
        }
    }

    void recycle_retired() noexcept {
        while (segment* s = retired_) {
            retired_ = next_of(s);
            release(s);
        }
    }

    loop_slot* head_ = nullptr;
    loop_slot* tail_ = nullptr;
    loop_slot* head_end_ = nullptr;
    loop_slot* tail_end_ = nullptr;
    segment* head_seg_ = nullptr;
    segment* tail_seg_ = nullptr;
    segment* free_ = nullptr;
    segment* retired_ = nullptr;
    int cached_ = 0;
    int runs_ = 0;
    struct no_size {};
    [[no_unique_address]] std::conditional_t<Counted, std::size_t, no_size> size_{};
};

} // namespace costream::detail
