// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/from.hpp: stream::from(), Node's Readable.from (lib/internal/streams/from.js): a
// readable over a value, a range, a generator function or an async generator function.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace costream::stream {

/// Options of from() (Node's `Readable.from(iterable, options)`).
struct from_options {
    /// Node's highWaterMark. Default: 1 (Node's Readable.from pulls one item at a time); for a
    /// single string or buffer source, the usual default (16 objects / 16 KiB).
    std::optional<double> high_water_mark{};
    /// Node's objectMode, on by default. Off only matters for buffer chunks
    /// (`from<costream::buffer>(...)`): the stream then counts bytes, as Node's
    /// `Readable.from(['x'], { objectMode: false })` gives Buffers.
    bool object_mode = true;
    /// Node's emitClose.
    bool emit_close = true;
    /// Node's autoDestroy.
    bool auto_destroy = true;
};

namespace detail {

template <class T>
struct from_optional : std::false_type {};
template <class T>
struct from_optional<std::optional<T>> : std::true_type {
    using value_type = T;
};

/// A single string value (Node: typeof iterable === 'string'): one chunk, never split.
template <class T>
concept from_string_like = std::is_convertible_v < const std::remove_cvref_t<T>
&, std::string_view > &&!std::is_same_v<std::remove_cvref_t<T>, std::nullptr_t>;

/// Something a costream::promise coroutine can co_await.
template <class A>
concept from_awaitable = requires(A a) {
    std::move(a).operator co_await();
}
|| requires(A a) {
    a.await_ready();
    a.await_resume();
};

template <class A>
auto from_await_probe() {
    if constexpr (requires(A a) { std::move(a).operator co_await(); })
        return std::type_identity<decltype(std::declval<A>().operator co_await().await_resume())>{};
    else
        return std::type_identity<decltype(std::declval<A&>().await_resume())>{};
}
/// What `co_await a` gives for an awaitable of type A.
template <class A>
using from_await_result_t = std::remove_cvref_t<typename decltype(from_await_probe<A>())::type>;

/// The item a source produces before null handling: for awaitable items, their result.
template <class V>
auto from_item_probe() {
    if constexpr (from_awaitable<V>)
        return std::type_identity<from_await_result_t<V>>{};
    else
        return std::type_identity<V>{};
}
template <class V>
using from_item_t = typename decltype(from_item_probe<V>())::type;

/// The chunk type of an item: std::optional<T> gives T (an empty one is Node's null), a
/// string-like non-string (string_view, const char*) gives std::string (a view would dangle).
template <class I>
auto from_chunk_probe() {
    if constexpr (from_optional<I>::value)
        return from_chunk_probe<typename from_optional<I>::value_type>();
    else if constexpr (from_string_like<I> && !std::is_same_v<I, std::string>)
        return std::type_identity<std::string>{};
    else
        return std::type_identity<I>{};
}

/// Source kinds, in Node's order of tests (string/Buffer, async iterable, iterable), plus
/// C++ generator functions.
enum class from_kind { single, range, generator, async_generator, invalid };

template <class S>
constexpr from_kind from_kind_of() {
    using D = std::remove_cvref_t<S>;
    if constexpr (from_string_like<D> || std::is_same_v<D, costream::buffer>) {
        return from_kind::single;
    } else if constexpr (std::ranges::input_range<D>) {
        return from_kind::range;
    } else if constexpr (std::is_invocable_v<D&>) {
        using R = std::remove_cvref_t<std::invoke_result_t<D&>>;
        if constexpr (from_optional<R>::value)
            return from_kind::generator;
        else if constexpr (from_awaitable<R>) {
            if constexpr (from_optional<from_await_result_t<R>>::value)
                return from_kind::async_generator;
            else
                return from_kind::invalid;
        } else {
            return from_kind::invalid;
        }
    } else {
        return from_kind::invalid;
    }
}

/// The item type of source S (before null handling).
template <class S>
auto from_source_item_probe() {
    using D = std::remove_cvref_t<S>;
    constexpr from_kind k = from_kind_of<S>();
    if constexpr (k == from_kind::single) {
        if constexpr (std::is_same_v<D, costream::buffer>)
            return std::type_identity<costream::buffer>{};
        else
            return std::type_identity<std::string>{};
    } else if constexpr (k == from_kind::range) {
        return std::type_identity<from_item_t<std::ranges::range_value_t<D>>>{};
    } else if constexpr (k == from_kind::generator) {
        return std::type_identity<std::remove_cvref_t<std::invoke_result_t<D&>>>{};
    } else if constexpr (k == from_kind::async_generator) {
        return std::type_identity<
            from_await_result_t<std::remove_cvref_t<std::invoke_result_t<D&>>>>{};
    } else {
        return std::type_identity<void>{};
    }
}

/// Marker for "deduce the chunk type from the source".
struct from_deduce {};

template <class Chunk, class S>
auto from_chunk_select() {
    if constexpr (std::is_same_v<Chunk, from_deduce>)
        return from_chunk_probe<typename decltype(from_source_item_probe<S>())::type>();
    else
        return std::type_identity<Chunk>{};
}

/// Converts one item to a chunk: strings become buffers for buffer chunks (Node's push of a
/// string), string-likes become std::string, anything else is moved or converted.
template <class Chunk, class V>
Chunk from_to_chunk(V&& v) {
    using D = std::remove_cvref_t<V>;
    if constexpr (std::is_same_v<Chunk, costream::buffer> && from_string_like<D>)
        return costream::buffer::from(std::string_view(v));
    else if constexpr (std::is_same_v<Chunk, std::string> && from_string_like<D> &&
                       !std::is_same_v<D, std::string>)
        return std::string(std::string_view(v));
    else
        return Chunk(std::forward<V>(v));
}

} // namespace detail

/// Whether from() accepts a source of type S (Node throws ERR_INVALID_ARG_TYPE at run time
/// for a non-iterable; costream rejects it at compile time).
template <class S>
concept from_source = detail::from_kind_of<S>()
!= detail::from_kind::invalid;

/// The chunk type from(s) produces for a source of type S.
template <class S, class Chunk = detail::from_deduce>
using from_chunk_t = typename decltype(detail::from_chunk_select<Chunk, S>())::type;

/// The readable that from() returns: Node's Readable.from stream over a source of type
/// Source (stored by value: an lvalue container is copied, pass a std::span (or another view)
/// to iterate it in place, it must then outlive the stream). Use it through
/// ptr<basic_readable<Chunk>>; failure() gives the exception the source threw, if any.
template <class Chunk, class Source>
class from_readable final : public basic_readable<Chunk> {
    using base = basic_readable<Chunk>;
    static constexpr detail::from_kind kind = detail::from_kind_of<Source>();
    // Elements of a container we own are moved out; a view's are copied.
    static constexpr bool owns_elements = [] {
        if constexpr (kind == detail::from_kind::range)
            return !std::ranges::view<Source>;
        else
            return false;
    }();

    struct range_state {
        Source range;
        std::ranges::iterator_t<Source> it;
        std::ranges::sentinel_t<Source> end;
        explicit range_state(Source&& r)
            : range(std::move(r)), it(std::ranges::begin(range)), end(std::ranges::end(range)) {}
    };
    struct other_state {
        Source value;
        explicit other_state(Source&& v) : value(std::move(v)) {}
    };
    using state = std::conditional_t<kind == detail::from_kind::range, range_state, other_state>;

public:
    from_readable(Source src, const readable_options& o) : base(o) { src_.emplace(std::move(src)); }

    /// The exception the source (range, generator, awaited item) threw, if it failed that way
    /// (the same as errored_exception() unless the stream had failed before).
    std::exception_ptr failure() const noexcept { return failure_; }

protected:
    // node: from.js readable._read
    void do_read(std::size_t) override {
        if constexpr (kind == detail::from_kind::single) {
            this->push(detail::from_to_chunk<Chunk>(std::move(src_->value)));
            this->push(nullptr);
        } else if (!reading_) {
            reading_ = true;
            if constexpr (is_async())
                pull_async(ptr<from_readable>(this));
            else
                next();
        }
    }

    // node: from.js readable._destroy: close the iterator (here: release the source), then
    // call back on a later tick. An async pull in flight finishes first (Node queues
    // return() behind the pending next()), so that the source is never freed under it.
    void do_destroy(const boost::system::error_code& ec,
                    stream_base::destroy_callback cb) override {
        if (pulling_) {
            pending_destroy_.emplace(std::move(cb), ec);
            return;
        }
        close_then(std::move(cb), ec);
    }

private:
    static constexpr bool is_async() {
        if constexpr (kind == detail::from_kind::async_generator)
            return true;
        else if constexpr (kind == detail::from_kind::range)
            return detail::from_awaitable<std::ranges::range_value_t<Source>>;
        else
            return false;
    }

    void close_then(stream_base::destroy_callback cb, boost::system::error_code ec) {
        src_.reset();
        // node: PromisePrototypeThen(close(error), () => process.nextTick(cb, error))
        costream::loop& l = this->get_loop();
        l.queue_microtask([&l, cb = std::move(cb), ec]() mutable {
            l.next_tick([cb = std::move(cb), ec]() mutable { cb(ec); });
        });
    }

    void fail(std::exception_ptr e) {
        failure_ = e;
        this->destroy(std::move(e));
    }

    /// Gives the next item as std::optional<item>; empty at the end of a sync source.
    template <class Item>
    bool deliver(Item&& item) {
        // node: from.js next(): null is ERR_STREAM_NULL_VALUES, push() false stops pulling.
        if constexpr (detail::from_optional<std::remove_cvref_t<Item>>::value) {
            if (!item) {
                reading_ = false;
                this->destroy(make_error_code(errc::stream_null_values));
                return false;
            }
            return deliver(std::move(*item));
        } else {
            if (this->push(detail::from_to_chunk<Chunk>(std::forward<Item>(item)))) return true;
            reading_ = false;
            return false;
        }
    }

    // node: from.js next() for a sync iterator
    void next() {
        ptr<from_readable> keep(this);
        for (;;) {
            if (!src_) return;
            std::optional<std::remove_cvref_t<decltype(take_sync())>> item;
            pulling_ = true; // a destroy() from inside the source waits until it returns
            try {
                item.emplace(take_sync());
            } catch (...) {
                pulling_ = false;
                if (settle_pending_destroy()) return;
                fail(std::current_exception());
                return;
            }
            pulling_ = false;
            if (settle_pending_destroy()) return;
            if (!*item) {
                this->push(nullptr);
                return;
            }
            if (!deliver(std::move(**item))) return;
        }
    }

    // The next item of a sync source: an optional holding it, empty at the end. For a range
    // of optionals the item is itself an optional (empty: Node's null value).
    auto take_sync() {
        if constexpr (kind == detail::from_kind::range) {
            using V = std::ranges::range_value_t<Source>;
            range_state& s = *src_;
            if (s.it == s.end) return std::optional<V>();
            if constexpr (owns_elements) {
                std::optional<V> v(std::ranges::iter_move(s.it));
                ++s.it;
                return v;
            } else {
                std::optional<V> v(*s.it);
                ++s.it;
                return v;
            }
        } else {
            return std::invoke(src_->value);
        }
    }

    // Completes a destroy() that came while the source was running; true if there was one.
    bool settle_pending_destroy() {
        if (!pending_destroy_) return false;
        auto [cb, ec] = std::move(*pending_destroy_);
        pending_destroy_.reset();
        close_then(std::move(cb), ec);
        return true;
    }

    // node: from.js next() for an async iterator (or items that are promises)
    static costream::promise<> pull_async(ptr<from_readable> self) {
        for (;;) {
            if (!self->src_ || self->destroyed()) break;
            self->pulling_ = true;
            bool at_end = false;
            std::exception_ptr failed;
            std::optional<detail::from_item_t<typename decltype(item_probe())::type>> item;
            try {
                if constexpr (kind == detail::from_kind::range) {
                    range_state& s = *self->src_;
                    if (s.it == s.end) {
                        at_end = true;
                    } else {
                        auto aw = [&] {
                            if constexpr (owns_elements)
                                return std::ranges::iter_move(s.it);
                            else
                                return std::ranges::range_value_t<Source>(*s.it);
                        }();
                        ++s.it;
                        auto v = co_await std::move(aw);
                        item.emplace(std::move(v));
                    }
                } else {
                    auto v = co_await std::invoke(self->src_->value);
                    if (v)
                        item.emplace(std::move(*v));
                    else
                        at_end = true;
                }
            } catch (...) {
                failed = std::current_exception();
            }
            self->pulling_ = false;
            // destroyed while the item was awaited: finish the destroy now
            if (self->settle_pending_destroy()) break;
            if (failed) {
                self->fail(failed);
                break;
            }
            if (at_end) {
                self->push(nullptr);
                break;
            }
            if (!self->deliver(std::move(*item))) break;
        }
    }

    static auto item_probe() {
        if constexpr (kind == detail::from_kind::range)
            return std::type_identity<std::ranges::range_value_t<Source>>{};
        else
            return std::type_identity<typename detail::from_optional<detail::from_await_result_t<
                std::remove_cvref_t<std::invoke_result_t<Source&>>>>::value_type>{};
    }

    std::optional<state> src_;
    bool reading_ = false; // node: from.js `reading`
    bool pulling_ = false; // an async item is being awaited
    std::optional<std::pair<stream_base::destroy_callback, boost::system::error_code>>
        pending_destroy_;
    std::exception_ptr failure_;
};

/// Node's `Readable.from(iterable, options)`: a readable stream over `source`, in object
/// mode with high_water_mark 1 by default, pulling one item per do_read (lazily).
///
/// Sources (Chunk is deduced unless given: `from<costream::buffer>(...)`):
/// - a single string (std::string, string_view, const char*) or costream::buffer: one chunk,
///   never split (Node: `Readable.from('abc')` gives one chunk "abc");
/// - an input range (container, view, a std::generator-like range): one chunk per element;
///   elements that are std::optional<T> give T chunks and an empty one fails the stream
///   with ERR_STREAM_NULL_VALUES (Node's null item); elements that are awaitable
///   (costream::promise<T>) are awaited in order (Node awaits thenables);
/// - a generator function: a callable returning std::optional<T>, called once per item;
///   an empty optional ends the stream (Node's generator return);
/// - an async generator function: a callable returning an awaitable (costream::promise) of
///   std::optional<T>; awaited once per item, never two at once.
/// String-like items become std::string chunks (buffers with Chunk = costream::buffer).
///
/// Errors: an exception from the source destroys the stream with it: error_code_of(e) (the
/// code of a boost::system::system_error, else exception_category()'s), and failure() /
/// errored_exception() keep the exception. Destroying
/// the stream releases the source (Node's iterator.return()) once no item is being awaited.
/// A source that is not one of these does not compile (Node: ERR_INVALID_ARG_TYPE).
///
///     auto r = costream::stream::from(std::vector<int>{1, 2, 3});
///     r->on("data", [](const int& v) { std::cout << v; });
template <class Chunk = detail::from_deduce, class Source>
requires from_source<Source>
auto from(Source&& source, const from_options& opts = {}) {
    using C = from_chunk_t<Source, Chunk>;
    constexpr bool single = detail::from_kind_of<Source>() == detail::from_kind::single;
    // A single string-like value is kept as a std::string (a view or pointer could dangle).
    using S = std::conditional_t<
        single,
        std::conditional_t<std::is_same_v<std::remove_cvref_t<Source>, costream::buffer>,
                           costream::buffer, std::string>,
        std::decay_t<Source>>;
    readable_options ro;
    ro.object_mode = opts.object_mode;
    ro.emit_close = opts.emit_close;
    ro.auto_destroy = opts.auto_destroy;
    ro.high_water_mark = opts.high_water_mark;
    if constexpr (detail::from_kind_of<Source>() != detail::from_kind::single) {
        if (!ro.high_water_mark) ro.high_water_mark = 1;
    }
    using impl = from_readable<C, S>;
    ptr<impl> r = make<impl>(S(std::forward<Source>(source)), ro);
    return ptr<basic_readable<C>>(std::move(r));
}

} // namespace costream::stream
