// Node's `events` module: costream::event_emitter, the synchronous publish/subscribe object
// every stream derives from.
#pragma once

#include <costream/config.hpp>
#include <costream/detail/events.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

namespace costream {

/// Identifies one registration of a listener (what `on()`/`once()` return): pass it to `off()`.
/// Node removes a listener by function identity; C++ lambdas cannot be compared, so costream
/// names registrations instead. Ids are unique in the process, so an id never removes a
/// listener of another emitter. A default-constructed id names nothing.
class listener_id {
public:
    constexpr listener_id() noexcept = default;
    /// An id from its raw value (as `value()` returned it).
    constexpr explicit listener_id(std::uint64_t v) noexcept : value_(v) {}
    /// The raw value; 0 for an empty id.
    constexpr std::uint64_t value() const noexcept { return value_; }
    /// Whether the id names a registration.
    constexpr explicit operator bool() const noexcept { return value_ != 0; }
    friend constexpr bool operator==(listener_id, listener_id) noexcept = default;
    friend constexpr auto operator<=>(listener_id, listener_id) noexcept = default;

private:
    std::uint64_t value_ = 0;
};

class event_emitter;

/// The `events` module's free functions and process-wide settings.
namespace events {

/// A process warning (Node's `process.emitWarning()` argument). event_emitter raises one kind:
/// `MaxListenersExceededWarning`, with the emitter, the event and the listener count, as Node
/// sets `warning.emitter`, `warning.type` and `warning.count`.
struct warning {
    std::string_view name;        ///< "MaxListenersExceededWarning"
    std::string_view message;     ///< Node's text, e.g. "Possible EventEmitter memory leak ..."
    const event_emitter* emitter; ///< the emitter that has too many listeners
    std::string_view type;        ///< the event name
    std::size_t count;            ///< its listener count
};

/// A process-wide receiver of warnings (Node: the process 'warning' event).
using warning_handler = void (*)(const warning&);

/// The default handler: prints `(node:PID) Name: message` to stderr, as Node does (Node's
/// second line, "(Use `node --trace-warnings ...`...)", has no C++ counterpart).
inline void print_warning(const warning& w) {
#if __has_include(<unistd.h>)
    long pid = static_cast<long>(::getpid());
#else
    long pid = 0;
#endif
    std::fprintf(stderr, "(node:%ld) %.*s: %.*s\n", pid, static_cast<int>(w.name.size()),
                 w.name.data(), static_cast<int>(w.message.size()), w.message.data());
}

namespace detail_ {
inline std::atomic<warning_handler>& handler() noexcept {
    static std::atomic<warning_handler> h{&print_warning};
    return h;
}
inline std::atomic<int>& default_max() noexcept {
    static std::atomic<int> n{10};
    return n;
}
inline std::atomic<std::uint64_t>& next_id() noexcept {
    static std::atomic<std::uint64_t> n{0};
    return n;
}
} // namespace detail_

/// Replaces the process-wide warning handler and returns the previous one. nullptr silences
/// warnings; `&print_warning` restores the default. Thread-safe.
inline warning_handler set_warning_handler(warning_handler h) noexcept {
    return detail_::handler().exchange(h);
}

/// Raises a warning through the current handler (Node: `process.emitWarning(w)`).
inline void emit_warning(const warning& w) {
    if (auto h = detail_::handler().load()) h(w);
}

} // namespace events

/// Node's `EventEmitter`: named events, each with an ordered list of listeners that `emit()`
/// calls synchronously, in order, with the same argument objects.
///
/// Listeners are typed. A listener is any callable with a deducible parameter list (a function
/// pointer, a lambda without `auto` parameters, std::function, a function object with one
/// operator()); its return value is ignored. `emit(name, args...)` calls a listener when its
/// decayed parameter types equal the decayed types of the first k arguments, k being the
/// listener's arity: like JS, a listener may declare fewer parameters than the event passes
/// (a `[]{}` listens to anything) but never more, and there are no conversions (an `int`
/// argument does not reach a `long` parameter; a string literal is a `const char*`, not a
/// std::string_view). Parameters taken as `const T&` see the emitter's object itself, `T` gets
/// a copy, `T&` may modify it (later listeners see the change, as JS objects do) and needs a
/// non-const argument; `T&&` is refused at compile time, because every listener of an emit
/// receives the same object. A mismatch throws costream::type_error (ERR_INVALID_ARG_TYPE,
/// naming the event) before any listener of that emit runs.
///
/// Node semantics kept exactly: 'newListener' (name, listener_id) before a listener is added,
/// 'removeListener' (name, listener_id) after one is removed; listeners added during an emit
/// do not run in it and listeners removed during an emit still run in it (a snapshot, taken
/// without allocating); `once` listeners are removed before they run; an 'error' with no
/// listener throws; a throwing listener's exception leaves emit and the rest of that emit's
/// listeners do not run; more than get_max_listeners() listeners for one event raise
/// MaxListenersExceededWarning once per emitter and event (again after the event's list
/// shrank to one, as in Node).
///
/// Not thread-safe (a JS object belongs to one thread); neither copyable nor movable
/// (listeners capture `this`). A listener may destroy the emitter: emit then returns without
/// calling the snapshot's remaining listeners.
///
/// ```
/// costream::event_emitter e;
/// auto id = e.on("data", [](const std::string& chunk) { std::cout << chunk; });
/// e.emit("data", std::string("hello"));   // prints hello, returns true
/// e.off("data", id);
/// ```
class event_emitter {
public:
    event_emitter() noexcept = default;
    event_emitter(const event_emitter&) = delete;
    event_emitter& operator=(const event_emitter&) = delete;

    ~event_emitter() {
        for (emit_frame* f = frames_; f != nullptr; f = f->prev)
            f->dead = true;
        for (auto& e : events_)
            if (e.list) detail::ev::release(e.list);
    }

    // ---- adding --------------------------------------------------------------------------

    /// Appends `listener` to event `name` (Node: `emitter.on(name, listener)`). Emits
    /// 'newListener' (name, id) first if anyone listens to it. The same callable may be added
    /// several times; each registration is called. Returns the registration's id for off().
    /// Throws type_error ERR_INVALID_ARG_TYPE for a null function pointer or empty
    /// std::function, as Node does for a non-function.
    template <class F>
    listener_id on(std::string_view name, F&& listener) {
        return add(name, std::forward<F>(listener), false, false);
    }

    /// Same as on() (Node: `addListener`).
    template <class F>
    listener_id add_listener(std::string_view name, F&& listener) {
        return add(name, std::forward<F>(listener), false, false);
    }

    /// Adds a listener that is removed (emitting 'removeListener') right before its first call
    /// (Node: `emitter.once`).
    template <class F>
    listener_id once(std::string_view name, F&& listener) {
        return add(name, std::forward<F>(listener), true, false);
    }

    /// Adds `listener` at the front of the list (Node: `prependListener`).
    template <class F>
    listener_id prepend_listener(std::string_view name, F&& listener) {
        return add(name, std::forward<F>(listener), false, true);
    }

    /// Adds a once listener at the front of the list (Node: `prependOnceListener`).
    template <class F>
    listener_id prepend_once_listener(std::string_view name, F&& listener) {
        return add(name, std::forward<F>(listener), true, true);
    }

    // ---- removing ------------------------------------------------------------------------

    /// Removes the registration `id` from event `name` (Node: `emitter.off(name, listener)`),
    /// then emits 'removeListener' (name, id). Returns whether it was there (Node returns the
    /// emitter). A listener removed during an emit still runs in that emit, as in Node.
    bool off(std::string_view name, listener_id id) {
        auto* e = find(name);
        if (e == nullptr || e->list == nullptr) return false;
        auto** items = e->list->items();
        for (std::size_t i = e->list->size; i-- > 0;)
            if (items[i]->id == id.value()) {
                remove_at(name, *e, i);
                return true;
            }
        return false;
    }

    /// Removes the most recently added registration of `fn` (a function pointer, or an object
    /// of an equality-comparable callable type compared with ==), once listeners included, as
    /// Node's removeListener(name, fn) searches from the end. Objects of one captureless lambda
    /// type compare equal (C++ converts them to the same function pointer). Lambdas with
    /// captures and std::function are not comparable: use the id on() returned.
    template <class F>
    requires detail::ev::comparable_listener<std::decay_t<F>>
    bool off(std::string_view name, const F& fn) {
        using D = std::decay_t<F>;
        const D& f = fn;
        auto* e = find(name);
        if (e == nullptr || e->list == nullptr) return false;
        auto** items = e->list->items();
        for (std::size_t i = e->list->size; i-- > 0;) {
            auto* r = items[i];
            if (r->fn_type == &detail::ev::type_tag<D>::value && r->equals != nullptr &&
                r->equals(r, &f)) {
                remove_at(name, *e, i);
                return true;
            }
        }
        return false;
    }

    /// Same as off() (Node: `removeListener`).
    bool remove_listener(std::string_view name, listener_id id) { return off(name, id); }
    /// Same as off() (Node: `removeListener`).
    template <class F>
    requires detail::ev::comparable_listener<std::decay_t<F>>
    bool remove_listener(std::string_view name, const F& fn) { return off(name, fn); }

    /// Removes every listener of `name`, last added first, emitting 'removeListener' for each
    /// when someone listens to it (Node: `removeAllListeners(name)`).
    void remove_all_listeners(std::string_view name) {
        if (!has_listeners("removeListener")) {
            if (auto* e = find(name); e != nullptr && e->list != nullptr) clear(*e);
            return;
        }
        // node: LIFO over the listeners present at the start.
        std::vector<listener_id> ids = listeners(name);
        for (std::size_t i = ids.size(); i-- > 0;)
            off(name, ids[i]);
    }

    /// Removes every listener of every event (Node: `removeAllListeners()`). With
    /// 'removeListener' listeners, each event is emptied in event_names() order, then
    /// 'removeListener' itself.
    void remove_all_listeners() {
        if (has_listeners("removeListener")) {
            for (const std::string& name : event_names())
                if (name != "removeListener") remove_all_listeners(name);
            remove_all_listeners("removeListener");
        }
        std::vector<entry> old;
        old.swap(events_);
        ++layout_gen_;
        for (auto& e : old)
            if (e.list) detail::ev::release(e.list);
    }

    // ---- emitting ------------------------------------------------------------------------

    /// Calls every listener of `name`, in order, with references to `args` (each listener sees
    /// the same objects; nothing is copied unless a listener takes a parameter by value).
    /// Returns whether the event had listeners (Node: `emitter.emit(name, ...args)`).
    ///
    /// 'error' without a listener throws, as Node throws the error: an error_code (Boost or
    /// std) as system_error, an exception_ptr rethrown, an object derived from std::exception
    /// thrown as a copy of its static type, anything else (or nothing) as costream::error
    /// ERR_UNHANDLED_ERROR "Unhandled error. (<value>)". A null error_code or exception_ptr
    /// counts as JS's null.
    ///
    /// Costs, with one listener: a scan of the emitter's event names (string_view compare),
    /// one reference count increment and decrement, one indirect call. No allocation.
    template <class... Args>
    bool emit(std::string_view name, Args&&... args) {
        static_assert(sizeof...(Args) <= 32, "event_emitter::emit: at most 32 arguments");
        if constexpr ((detail::ev::decays_to_other_object<Args> || ...)) {
            // An array argument ("abc") reaches listeners as the pointer it decays to, which
            // must be an object of its own: materialize it for the duration of the emit.
            return emit(name, detail::ev::pass_decayed(std::forward<Args>(args))...);
        } else {
            return emit_exact(name, std::forward<Args>(args)...);
        }
    }

private:
    template <class... Args>
    bool emit_exact(std::string_view name, Args&&... args) {
        entry* e = find(name);
        if (e == nullptr || e->list == nullptr || e->list->size == 0) {
            if (name == "error") throw_unhandled(args...);
            return false;
        }
        void* argv[sizeof...(Args) + 1] = {
            const_cast<void*>(static_cast<const volatile void*>(std::addressof(args)))..., nullptr};
        dispatch(name, e->list, detail::ev::emit_prefixes<Args...>, sizeof...(Args),
                 detail::ev::mutable_mask<Args...>(std::index_sequence_for<Args...>{}), argv);
        return true;
    }

public:
    // ---- inspecting ----------------------------------------------------------------------

    /// The number of listeners of `name` (Node: `listenerCount(name)`).
    std::size_t listener_count(std::string_view name) const noexcept {
        const entry* e = find(name);
        return e != nullptr && e->list != nullptr ? e->list->size : 0;
    }

    /// How many times registration `id` listens to `name`: 0 or 1 (Node:
    /// `listenerCount(name, listener)`).
    std::size_t listener_count(std::string_view name, listener_id id) const noexcept {
        const entry* e = find(name);
        if (e == nullptr || e->list == nullptr) return 0;
        auto** items = e->list->items();
        return static_cast<std::size_t>(
            std::count_if(items, items + e->list->size,
                          [&](const detail::ev::record* r) { return r->id == id.value(); }));
    }

    /// Whether `name` has at least one listener.
    bool has_listeners(std::string_view name) const noexcept { return listener_count(name) != 0; }

    /// The ids of the listeners of `name`, in call order (Node: `listeners(name)`, which
    /// unwraps once-wrappers: a once registration has the same id before and after wrapping,
    /// so `rawListeners()` has no separate counterpart).
    std::vector<listener_id> listeners(std::string_view name) const {
        std::vector<listener_id> out;
        const entry* e = find(name);
        if (e == nullptr || e->list == nullptr) return out;
        out.reserve(e->list->size);
        auto** items = e->list->items();
        for (std::size_t i = 0; i < e->list->size; ++i)
            out.emplace_back(items[i]->id);
        return out;
    }

    /// Whether registration `id` of `name` is a once listener that has not run yet.
    bool is_once(std::string_view name, listener_id id) const noexcept {
        const entry* e = find(name);
        if (e == nullptr || e->list == nullptr) return false;
        auto** items = e->list->items();
        for (std::size_t i = 0; i < e->list->size; ++i)
            if (items[i]->id == id.value()) return items[i]->once;
        return false;
    }

    /// The names of the events that have listeners, in Node's order (`eventNames()`, the
    /// property order of a JS object): names that are array indices ("0".."4294967294")
    /// first, ascending; then the others in the order they got their first listener.
    std::vector<std::string> event_names() const {
        std::vector<const entry*> live;
        for (const auto& e : events_)
            if (e.list != nullptr && e.list->size != 0) live.push_back(&e);
        std::stable_sort(live.begin(), live.end(), [](const entry* a, const entry* b) {
            auto ia = array_index(a->name), ib = array_index(b->name);
            if (ia != ib) return ia < ib; // indices (< 2^32-1) before the rest (2^32-1)
            return a->order < b->order;
        });
        std::vector<std::string> out;
        out.reserve(live.size());
        for (const entry* e : live)
            out.push_back(e->name);
        return out;
    }

    // ---- limits --------------------------------------------------------------------------

    /// Sets this emitter's listener limit per event; 0 means unlimited (Node:
    /// `setMaxListeners(n)`). Throws range_error ERR_OUT_OF_RANGE for n < 0.
    event_emitter& set_max_listeners(int n) {
        if (n < 0)
            throw range_error(errc::out_of_range,
                              "The value of \"setMaxListeners\" is out of range. It must be >= 0. "
                              "Received " +
                                  std::to_string(n));
        max_listeners_ = n;
        return *this;
    }

    /// This emitter's limit, or default_max_listeners() when none was set (Node:
    /// `getMaxListeners()`).
    int get_max_listeners() const noexcept {
        return max_listeners_ >= 0 ? max_listeners_ : default_max_listeners();
    }

    /// The process-wide default limit, initially 10 (Node: `EventEmitter.defaultMaxListeners`).
    static int default_max_listeners() noexcept {
        return events::detail_::default_max().load(std::memory_order_relaxed);
    }

    /// Changes the process-wide default limit; affects every emitter without its own limit,
    /// including existing ones, as in Node. Throws range_error ERR_OUT_OF_RANGE for n < 0.
    static void set_default_max_listeners(int n) {
        if (n < 0)
            throw range_error(errc::out_of_range,
                              "The value of \"defaultMaxListeners\" is out of range. It must be "
                              ">= 0. Received " +
                                  std::to_string(n));
        events::detail_::default_max().store(n, std::memory_order_relaxed);
    }

protected:
    /// For derived classes: the class name Node's warning prints for this emitter (Node
    /// prints `[Readable]` for a Readable, `[EventEmitter]` for a plain emitter).
    explicit event_emitter(const char* class_name) noexcept : class_name_(class_name) {}

    /// For derived classes that emit one event on a hot path (a stream's 'data'): remembers
    /// where that event's listener list lives, so that emit_hot() does not look the name up
    /// on every call. Holds no listener and no reference: the emitter revalidates it when
    /// its table of events changes. Not for 'error' (emit_hot does not throw when nobody
    /// listens).
    class hot_event {
    public:
        /// `name` must outlive the hot_event (a string literal).
        explicit constexpr hot_event(std::string_view name) noexcept : name_(name) {}

    private:
        friend class event_emitter;
        std::string_view name_;
        std::uint64_t gen_ = 0; // layout_gen_ when entry_ was looked up; 0: never
        void* entry_ = nullptr; // the event's entry, or null when it has none
    };

    /// Whether `h`'s event has listeners (listener_count(name) != 0), without a lookup.
    bool has_listeners(hot_event& h) noexcept {
        const detail::ev::list* l = hot_list(h);
        return l != nullptr && l->size != 0;
    }

    /// emit(name, args...) for a hot_event: the same listeners, order, snapshot and type
    /// checks, minus the name lookup. Returns whether the event had listeners.
    template <class... Args>
    bool emit_hot(hot_event& h, Args&&... args) {
        static_assert((!detail::ev::decays_to_other_object<Args> && ...),
                      "event_emitter::emit_hot: pass objects, not arrays or functions");
        detail::ev::list* l = hot_list(h);
        if (l == nullptr || l->size == 0) return false;
        void* argv[sizeof...(Args) + 1] = {
            const_cast<void*>(static_cast<const volatile void*>(std::addressof(args)))..., nullptr};
        dispatch(h.name_, l, detail::ev::emit_prefixes<Args...>, sizeof...(Args),
                 detail::ev::mutable_mask<Args...>(std::index_sequence_for<Args...>{}), argv);
        return true;
    }

    /// For a hot_event whose listener is often one the derived class knows (a stream's pipe):
    /// when `h`'s event has exactly one listener, not a once() listener, and its id is `id`,
    /// calls f() instead of that listener, holding a reference on the listener while f()
    /// runs (as emit does: the listener may remove itself), and returns true. Otherwise it
    /// calls nothing and returns false. f() must do what the listener would do with the
    /// emit's arguments; emit would call exactly that one listener, so nothing else is
    /// observable (no snapshot is taken for one listener either).
    template <class F>
    [[gnu::always_inline]] inline bool call_if_sole_hot(hot_event& h, std::uint64_t id, F&& f) {
        detail::ev::list* l = hot_list(h);
        if (l == nullptr || l->size != 1) return false;
        detail::ev::record* r = l->items()[0];
        if (r->id != id || r->once) return false;
        ++r->refs;
        detail::ev::holder<detail::ev::record> hold(r);
        std::forward<F>(f)();
        return true;
    }

private:
    detail::ev::list* hot_list(hot_event& h) noexcept {
        if (h.gen_ != layout_gen_) [[unlikely]] {
            h.entry_ = find(h.name_);
            h.gen_ = layout_gen_;
        }
        return h.entry_ != nullptr ? static_cast<entry*>(h.entry_)->list : nullptr;
    }

    struct entry {
        std::string name;
        detail::ev::list* list = nullptr; // may be empty (kept to reuse its storage)
        std::uint64_t order = 0;          // when it got its first listener (JS key order)
        bool warned = false;              // node: existing.warned
    };

    // An emit in progress: set `dead` when the emitter is destroyed by one of its listeners.
    struct emit_frame {
        emit_frame* prev;
        bool dead = false;
    };

    // How many emptied events keep their storage for reuse (on/off churn costs no array
    // allocation); beyond this, emptied events are erased so dynamic names cannot grow memory.
    static constexpr std::size_t kept_empty_events = 8;

    // Event names are short and few: a linear scan that rejects on length and first byte
    // before calling memcmp beats hashing the name on every emit.
    static bool same_name(const std::string& a, std::string_view b) noexcept {
        return a.size() == b.size() &&
               (b.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), b.size()) == 0));
    }
    entry* find(std::string_view name) noexcept {
        for (auto& e : events_)
            if (same_name(e.name, name)) return &e;
        return nullptr;
    }
    const entry* find(std::string_view name) const noexcept {
        for (auto& e : events_)
            if (same_name(e.name, name)) return &e;
        return nullptr;
    }

    static std::uint64_t array_index(std::string_view s) noexcept {
        constexpr std::uint64_t not_index = 4294967295ull;
        if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return not_index;
        std::uint64_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return not_index;
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return v < not_index ? v : not_index;
    }

    template <class F>
    listener_id add(std::string_view name, F&& fn, bool once, bool prepend) {
        using D = std::decay_t<F>;
        using traits = detail::ev::listener_traits<D>;
        static_assert(traits::deducible,
                      "costream::event_emitter: cannot deduce the listener's parameter types; use "
                      "a function pointer or a callable with exactly one non-template "
                      "operator() (no auto parameters)");
        if constexpr (traits::deducible) {
            static_assert(traits::no_rvalue_refs,
                          "costream::event_emitter: a listener parameter cannot be T&&: every "
                          "listener of an emit receives the same object; take const T& or T");
            static_assert(traits::arity <= 32, "costream::event_emitter: at most 32 parameters");
            if constexpr (std::is_pointer_v<std::remove_reference_t<F>> ||
                          requires(const D& d) { d.target_type(); }) {
                if (!fn)
                    throw type_error(errc::invalid_arg_type,
                                     "The \"listener\" argument must be of type function. "
                                     "Received null");
            }
            const std::uint64_t id = events::detail_::next_id().fetch_add(1) + 1;
            detail::ev::holder<detail::ev::record> r(
                detail::ev::make_record(std::forward<F>(fn), id, once));
            // node: _addListener emits 'newListener' before adding, so a 'newListener'
            // listener that adds to the same event gets in first.
            if (has_listeners("newListener")) emit("newListener", name, listener_id(id));
            insert(name, r.take(), prepend);
            return listener_id(id);
        } else {
            return {};
        }
    }

    void insert(std::string_view name, detail::ev::record* r, bool prepend) {
        entry* e = find(name);
        if (e == nullptr) {
            events_.push_back(entry{std::string(name)});
            ++layout_gen_; // entries may have moved
            e = &events_.back();
        }
        detail::ev::list* l = e->list;
        if (l == nullptr || l->refs > 1 || l->size == l->capacity) {
            // Copy when an emit holds the array or when it is full.
            std::size_t cap =
                l == nullptr ? 2 : (l->size == l->capacity ? l->capacity * 2 : l->capacity);
            detail::ev::list* n =
                l == nullptr ? detail::ev::list::make(cap) : detail::ev::list::clone(l, cap);
            if (l) detail::ev::release(l);
            e->list = l = n;
        }
        auto** items = l->items();
        if (l->size == 0) e->order = ++order_;
        if (prepend) {
            std::memmove(items + 1, items, l->size * sizeof(*items));
            items[0] = r;
        } else {
            items[l->size] = r;
        }
        ++l->size;
        // node: _addListener's leak check, once per array (reset when it shrinks to one).
        const int m = get_max_listeners();
        if (m > 0 && l->size > static_cast<std::size_t>(m) && !e->warned) {
            e->warned = true;
            warn(*e, static_cast<std::size_t>(m));
        }
    }

    void warn(const entry& e, std::size_t max) const {
        std::string msg = "Possible EventEmitter memory leak detected. " +
                          std::to_string(e.list->size) + " " + e.name + " listeners added to [" +
                          class_name_ + "]. MaxListeners is " + std::to_string(max) +
                          ". Use emitter.setMaxListeners() to increase limit";
        events::emit_warning(
            events::warning{"MaxListenersExceededWarning", msg, this, e.name, e.list->size});
    }

    // Removes item i of e's list, then emits 'removeListener' (node: removeListener).
    void remove_at(std::string_view name, entry& e, std::size_t i) {
        detail::ev::list* l = e.list;
        detail::ev::record* r = l->items()[i];
        const listener_id id(r->id);
        if (l->refs > 1) {
            // An emit holds this array: leave it intact, and give the emitter a copy without
            // item i (or nothing, when i was the last one).
            detail::ev::list* n = nullptr;
            if (l->size > 1) {
                n = detail::ev::list::make(l->capacity);
                auto** src = l->items();
                auto** dst = n->items();
                for (std::size_t k = 0; k < l->size; ++k)
                    if (k != i) {
                        ++src[k]->refs;
                        dst[n->size++] = src[k];
                    }
            }
            detail::ev::release(l); // the emitter's reference; the emit keeps the array alive
            e.list = n;
        } else {
            auto** items = l->items();
            std::memmove(items + i, items + i + 1, (l->size - i - 1) * sizeof(*items));
            --l->size;              // an emptied array keeps its storage for the next listener
            detail::ev::release(r); // alive still if an older snapshot holds it
        }
        const std::size_t left = e.list != nullptr ? e.list->size : 0;
        if (left <= 1) e.warned = false; // node: `if (list.length === 1) events[type] = list[0]`
        if (left == 0) drop_if_empty(e);
        if (has_listeners("removeListener")) emit("removeListener", name, id);
    }

    void clear(entry& e) {
        detail::ev::list* l = e.list;
        if (l->refs == 1) {
            auto** items = l->items();
            const std::size_t n = l->size;
            l->size = 0;
            for (std::size_t i = 0; i < n; ++i)
                detail::ev::release(items[i]);
        } else {
            detail::ev::release(l);
            e.list = nullptr;
        }
        e.warned = false;
        drop_if_empty(e);
    }

    void drop_if_empty(entry& e) {
        if (events_.size() <= kept_empty_events) return;
        if (e.list) detail::ev::release(e.list);
        events_.erase(events_.begin() + (&e - events_.data()));
        ++layout_gen_; // entries after it moved
    }

    // The loop of emit(), shared by all argument types.
    [[gnu::always_inline]] inline void dispatch(std::string_view name, detail::ev::list* l,
                                                const detail::ev::signature* const* prefixes,
                                                std::size_t n, std::uint32_t mut,
                                                void* const* argv) {
        detail::ev::record* first = l->items()[0];
        if (l->size == 1 && !first->once) {
            // One plain listener (a stream's 'data'): no snapshot array and no frame are
            // needed; a reference on the record keeps it alive if it removes itself, and
            // nothing touches the emitter after the call, so the listener may destroy it.
            if (!detail::ev::accepts_fast(first, prefixes, n, mut)) [[unlikely]]
                detail::ev::throw_mismatch(name, first, *prefixes[n], mut);
            ++first->refs;
            detail::ev::holder<detail::ev::record> hold(first);
            first->invoke(first, argv);
            return;
        }
        dispatch_many(name, l, prefixes, n, mut, argv);
    }

    // Kept out of line so that the one-listener path above stays small enough to inline.
    [[gnu::noinline]] void dispatch_many(std::string_view name, detail::ev::list* l,
                                         const detail::ev::signature* const* prefixes,
                                         std::size_t n, std::uint32_t mut, void* const* argv) {
        ++l->refs; // the snapshot: later changes copy the array (node: arrayClone)
        struct scope {
            event_emitter* self;
            detail::ev::list* l;
            emit_frame frame;
            ~scope() {
                if (!frame.dead) self->frames_ = frame.prev;
                detail::ev::release(l);
            }
        } s{this, l, emit_frame{frames_}};
        frames_ = &s.frame;
        auto** items = l->items();
        const std::size_t count = l->size;
        for (std::size_t i = 0; i < count; ++i)
            if (!detail::ev::accepts(items[i], prefixes, n, mut)) [[unlikely]]
                detail::ev::throw_mismatch(name, items[i], *prefixes[n], mut);
        for (std::size_t i = 0; i < count; ++i) {
            detail::ev::record* r = items[i];
            if (r->once) {
                // node: onceWrapper removes itself, then calls.
                if (r->fired) continue;
                r->fired = true;
                remove_record(name, r);
                if (s.frame.dead) return;
            }
            r->invoke(r, argv);
            if (s.frame.dead) return;
        }
    }

    void remove_record(std::string_view name, detail::ev::record* r) {
        entry* e = find(name);
        if (e == nullptr || e->list == nullptr) return;
        auto** items = e->list->items();
        for (std::size_t i = e->list->size; i-- > 0;)
            if (items[i] == r) return remove_at(name, *e, i);
    }

    template <class... Args>
    [[noreturn]] static void throw_unhandled(const Args&... args) {
        if constexpr (sizeof...(Args) == 0) {
            throw costream::error(errc::unhandled_error, "Unhandled error. (undefined)");
        } else {
            throw_unhandled_one(args...);
        }
    }

    template <class T, class... Rest>
    [[noreturn]] static void throw_unhandled_one(const T& er, const Rest&...) {
        using D = std::decay_t<T>;
        if constexpr (std::is_same_v<D, boost::system::error_code>) {
            if (er) throw boost::system::system_error(er);
            detail::ev::throw_unhandled_text("null");
        } else if constexpr (std::is_same_v<D, std::error_code>) {
            if (er) throw std::system_error(er);
            detail::ev::throw_unhandled_text("null");
        } else if constexpr (std::is_same_v<D, std::exception_ptr>) {
            if (er) std::rethrow_exception(er);
            detail::ev::throw_unhandled_text("null");
        } else if constexpr (std::is_base_of_v<std::exception, D> &&
                             std::is_copy_constructible_v<D>) {
            throw er; // node: `if (er instanceof Error) throw er`
        } else {
            detail::ev::throw_unhandled_text(detail::ev::inspect(er));
        }
    }

    std::vector<entry> events_;
    std::uint64_t layout_gen_ = 1; // changes whenever an entry of events_ may have moved
    emit_frame* frames_ = nullptr;
    std::uint64_t order_ = 0;
    int max_listeners_ = -1; // node: _maxListeners undefined
    const char* class_name_ = "EventEmitter";
};

} // namespace costream
