// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// detail/loop_timers.hpp: the data structures behind timers and immediates, shaped like
// Node's lib/internal/timers.js: a list of timers per duration in insertion order, and a
// binary heap of those lists ordered by (expiry, list id).
#pragma once

#include <costream/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <utility>
#include <vector>

namespace costream {
class loop;
}

namespace costream::detail {

/// Circular intrusive doubly-linked list links. A node is "linked" when next != nullptr.
struct loop_link {
    loop_link* prev = nullptr;
    loop_link* next = nullptr;

    bool linked() const noexcept { return next != nullptr; }
    void unlink() noexcept {
        prev->next = next;
        next->prev = prev;
        prev = next = nullptr;
    }
};

/// A sentinel-headed circular list of loop_link.
struct loop_link_list {
    loop_link head;
    loop_link_list() noexcept { head.prev = head.next = &head; }
    loop_link_list(const loop_link_list&) = delete;
    loop_link_list& operator=(const loop_link_list&) = delete;

    bool empty() const noexcept { return head.next == &head; }
    loop_link* first() const noexcept { return empty() ? nullptr : head.next; }
    void append(loop_link* n) noexcept {
        n->prev = head.prev;
        n->next = &head;
        head.prev->next = n;
        head.prev = n;
    }
    /// Moves every element of `o` to the end of *this.
    void splice(loop_link_list& o) noexcept {
        if (o.empty()) return;
        loop_link* f = o.head.next;
        loop_link* l = o.head.prev;
        f->prev = head.prev;
        l->next = &head;
        head.prev->next = f;
        head.prev = l;
        o.head.prev = o.head.next = &o.head;
    }
};

/// A per-thread free list of 128-byte blocks for timer and immediate nodes: creating an
/// immediate or a timer costs no malloc in steady state. The list head is plain data (valid
/// through thread exit); a separate thread_local frees the blocks when the thread ends, and
/// nodes released after that go straight to operator delete.
struct loop_node_alloc {
    static constexpr std::size_t block = 128;
    static constexpr unsigned max_cached = 4096;
    struct list {
        void* head;
        unsigned count;
        bool dead;
    };
    static list& tl() noexcept {
        thread_local list l{nullptr, 0, false};
        return l;
    }
    struct cleaner {
        ~cleaner() {
            list& l = tl();
            l.dead = true;
            while (void* p = l.head) {
                std::memcpy(&l.head, p, sizeof(void*));
                ::operator delete(p);
            }
            l.count = 0;
        }
    };
    static void* allocate(std::size_t n) {
        if (n > block) return ::operator new(n);
        list& l = tl();
        if (void* p = l.head) {
            std::memcpy(&l.head, p, sizeof(void*));
            --l.count;
            return p;
        }
        if (!l.dead) {
            thread_local cleaner c;
            (void)c;
        }
        return ::operator new(block);
    }
    static void deallocate(void* p, std::size_t n) noexcept {
        if (n <= block) {
            list& l = tl();
            if (!l.dead && l.count < max_cached) {
                std::memcpy(p, &l.head, sizeof(void*));
                l.head = p;
                ++l.count;
                return;
            }
        }
        ::operator delete(p);
    }
};

/// What Node's Timeout and Immediate objects have in common: a callback, ref state and the
/// destroyed flag. Shared by the loop (while queued) and by handles (intrusive count).
struct loop_handle_node : loop_link {
    loop* owner = nullptr;
    unsigned refs = 0;
    bool refed = true;
    bool destroyed = false;
    bool has_callback = true; // Node's `_onTimeout !== null`

    virtual void call() = 0;
    virtual ~loop_handle_node() = default;

    static void* operator new(std::size_t n) { return loop_node_alloc::allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept {
        loop_node_alloc::deallocate(p, n);
    }

    void add_ref() noexcept { ++refs; }
    void release() noexcept {
        if (--refs == 0) delete this;
    }
};

/// A Timeout: `idle_timeout` is the duration in whole ms (-1 once cleared), `repeat` is the
/// interval (0: none), `idle_start` the loop time it was (re)inserted at.
struct timer_node : loop_handle_node {
    std::int64_t idle_start = 0;
    std::int64_t idle_timeout = 1;
    std::int64_t repeat = 0;
};

/// A callable stored in place inside its node: one allocation per timer or immediate.
template <class Base, class F>
struct loop_handle_impl final : Base {
    F fn;
    template <class G>
    explicit loop_handle_impl(G&& g) : fn(std::forward<G>(g)) {}
    void call() override { fn(); }
};

/// Node's TimersList: every timer of one duration, in insertion (= expiry) order.
struct timer_list {
    loop_link_list timers;
    std::int64_t expiry = 0;
    std::int64_t id = 0;
    std::int64_t msecs = 0;
    std::size_t heap_pos = 0;
    bool in_map = true; // still timerListMap[msecs] (and in the heap)
    int busy = 0;       // being processed by listOnTimeout: freed by it, not by unenroll

    timer_node* first() const noexcept { return static_cast<timer_node*>(timers.first()); }
};

/// Binary min-heap of timer lists by (expiry, id), positions stored in the lists so that
/// removeAt and percolateDown are O(log n), as Node's internal/priority_queue.
class timer_heap {
public:
    bool empty() const noexcept { return v_.empty(); }
    std::size_t size() const noexcept { return v_.size(); }
    timer_list* top() const noexcept { return v_.front(); }
    const std::vector<timer_list*>& items() const noexcept { return v_; }

    void push(timer_list* l) {
        v_.push_back(l);
        l->heap_pos = v_.size() - 1;
        up(l->heap_pos);
    }
    void remove(timer_list* l) noexcept {
        std::size_t i = l->heap_pos;
        std::size_t last = v_.size() - 1;
        if (i != last) {
            v_[i] = v_[last];
            v_[i]->heap_pos = i;
            v_.pop_back();
            down(i);
            up(i);
        } else {
            v_.pop_back();
        }
    }
    /// Restores the order after the list at `l` got a later expiry.
    void update(timer_list* l) noexcept { down(l->heap_pos); }
    void clear() noexcept { v_.clear(); }

private:
    static bool less(const timer_list* a, const timer_list* b) noexcept {
        return a->expiry != b->expiry ? a->expiry < b->expiry : a->id < b->id;
    }
    void set(std::size_t i, timer_list* l) noexcept {
        v_[i] = l;
        l->heap_pos = i;
    }
    void up(std::size_t i) noexcept {
        timer_list* l = v_[i];
        while (i > 0) {
            std::size_t p = (i - 1) / 2;
            if (!less(l, v_[p])) break;
            set(i, v_[p]);
            i = p;
        }
        set(i, l);
    }
    void down(std::size_t i) noexcept {
        timer_list* l = v_[i];
        std::size_t n = v_.size();
        for (;;) {
            std::size_t c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && less(v_[c + 1], v_[c])) ++c;
            if (!less(v_[c], l)) break;
            set(i, v_[c]);
            i = c;
        }
        set(i, l);
    }

    std::vector<timer_list*> v_;
};

} // namespace costream::detail
