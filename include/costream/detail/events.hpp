// Private machinery of costream::event_emitter (events.hpp): listener records with their
// deduced signatures, the copy-on-write listener arrays, and the text of Node's errors.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define COSTREAM_DETAIL_EVENTS_DEMANGLE 1
#endif

namespace costream::detail::ev {

// ---- signatures -----------------------------------------------------------------------------

/// The decayed parameter (or argument) types of a listener (or an emit), in order. One
/// constexpr instance exists per type list, so two signatures are equal when their addresses
/// are; the type_info array is the fallback when one program holds two copies (shared objects).
struct signature {
    std::size_t arity;
    const std::type_info* const* types;
};

template <class... T>
struct signature_of {
    static constexpr const std::type_info* types[sizeof...(T) + 1] = {&typeid(T)..., nullptr};
    static constexpr signature value{sizeof...(T), types};
};

template <class Tuple, class Indices>
struct prefix_signature;
template <class Tuple, std::size_t... I>
struct prefix_signature<Tuple, std::index_sequence<I...>> {
    static constexpr const signature* value =
        &signature_of<std::tuple_element_t<I, Tuple>...>::value;
};

/// For an emit of types Tuple: the signature of each prefix, [0] = () ... [n] = all. A listener
/// of arity k accepts the emit when its signature is prefixes[k] (JS ignores extra arguments).
template <class Tuple, class Lengths>
struct prefix_table;
template <class Tuple, std::size_t... K>
struct prefix_table<Tuple, std::index_sequence<K...>> {
    static constexpr const signature* value[] = {
        prefix_signature<Tuple, std::make_index_sequence<K>>::value...};
};

template <class... Args>
inline constexpr const signature* const* emit_prefixes =
    prefix_table<std::tuple<std::decay_t<Args>...>,
                 std::make_index_sequence<sizeof...(Args) + 1>>::value;

/// Bit i set when emit's argument i may be modified (it is not const): a listener taking T&
/// needs that bit.
template <class... Args, std::size_t... I>
constexpr std::uint32_t mutable_mask(std::index_sequence<I...>) {
    return ((std::is_const_v<std::remove_reference_t<Args>> ? 0u : (1u << I)) | ... | 0u);
}

template <class P>
inline constexpr bool is_mutable_ref_v =
    std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>;

template <class... P, std::size_t... I>
constexpr std::uint32_t needs_mutable_mask(std::index_sequence<I...>) {
    return ((is_mutable_ref_v<P> ? (1u << I) : 0u) | ... | 0u);
}

/// Whether an argument's decayed type is not the type of the object itself (arrays and
/// functions decay to pointers).
template <class A>
inline constexpr bool decays_to_other_object =
    std::is_array_v<std::remove_reference_t<A>> || std::is_function_v<std::remove_reference_t<A>>;

template <class A>
decltype(auto) pass_decayed(A&& a) noexcept {
    if constexpr (decays_to_other_object<A>)
        return std::decay_t<A>(a);
    else
        return std::forward<A>(a);
}

// ---- parameter deduction ----------------------------------------------------------------------

template <class... P>
struct param_list {
    using list = param_list;
    static constexpr bool deducible = true;
    static constexpr std::size_t arity = sizeof...(P);
};

template <class M>
struct member_params {
    static constexpr bool deducible = false;
};
#define COSTREAM_DETAIL_EVENTS_MEMBER(QUALS)                                                       \
    template <class R, class C, class... P>                                                        \
    struct member_params<R (C::*)(P...) QUALS> : param_list<P...> {};
COSTREAM_DETAIL_EVENTS_MEMBER()
COSTREAM_DETAIL_EVENTS_MEMBER(const)
COSTREAM_DETAIL_EVENTS_MEMBER(noexcept)
COSTREAM_DETAIL_EVENTS_MEMBER(const noexcept)
COSTREAM_DETAIL_EVENTS_MEMBER(&)
COSTREAM_DETAIL_EVENTS_MEMBER(const&)
COSTREAM_DETAIL_EVENTS_MEMBER(&noexcept)
COSTREAM_DETAIL_EVENTS_MEMBER(const& noexcept)
#undef COSTREAM_DETAIL_EVENTS_MEMBER

/// The parameters of a callable: a function pointer, or a class with exactly one non-template
/// operator() (a lambda without `auto` parameters, std::function, a function object).
template <class F, class = void>
struct callable_params {
    static constexpr bool deducible = false;
};
template <class R, class... P>
struct callable_params<R (*)(P...), void> : param_list<P...> {};
template <class R, class... P>
struct callable_params<R (*)(P...) noexcept, void> : param_list<P...> {};
template <class F>
struct callable_params<F, std::void_t<decltype(&F::operator())>>
    : member_params<decltype(&F::operator())> {};

/// Everything event_emitter needs to know about a listener's parameters.
template <class F, class = void>
struct listener_traits {
    static constexpr bool deducible = false;
};
template <class PL>
struct listener_traits_impl;
template <class... P>
struct listener_traits_impl<param_list<P...>> {
    static constexpr bool deducible = true;
    static constexpr std::size_t arity = sizeof...(P);
    static constexpr bool no_rvalue_refs = (!std::is_rvalue_reference_v<P> && ...);
    static constexpr const signature* sig = &signature_of<std::decay_t<P>...>::value;
    static constexpr std::uint32_t needs_mutable =
        needs_mutable_mask<P...>(std::index_sequence_for<P...>{});
    using params = std::tuple<P...>;
};
template <class F>
struct listener_traits<F, std::enable_if_t<callable_params<F>::deducible>>
    : listener_traits_impl<typename callable_params<F>::list> {};

// ---- listener records ---------------------------------------------------------------------

/// One registered listener: a type-erased callable with its signature. Refcounted (not
/// atomically: an emitter belongs to one thread at a time, like a JS object) because an emit
/// in progress keeps a snapshot of the array, and with it each listener, alive.
struct record {
    std::size_t refs = 1;
    std::uint64_t id = 0;
    const signature* sig = nullptr;
    std::uint32_t arity = 0;
    std::uint32_t needs_mutable = 0;
    bool once = false;
    bool fired = false; // node: _onceWrap state.fired, guards a recursive emit
    void (*invoke)(record*, void* const* argv) = nullptr;
    void (*destroy)(record*) noexcept = nullptr;
    const void* fn_type = nullptr;                           // tag of the callable's type
    bool (*equals)(const record*, const void* fn) = nullptr; // null: not comparable
};

template <class T>
struct type_tag {
    static constexpr char value = 0;
};

template <class F>
concept comparable_callable = (std::is_pointer_v<F> &&
                               std::is_function_v<std::remove_pointer_t<F>>) ||
                              std::equality_comparable<F>;

/// A callable off(name, fn) can find: a listener type whose objects compare with ==.
template <class F>
concept comparable_listener = listener_traits<F>::deducible && comparable_callable<F>;

template <class P>
decltype(auto) arg_cast(void* p) noexcept {
    using D = std::decay_t<P>;
    if constexpr (is_mutable_ref_v<P>)
        return *static_cast<D*>(p);
    else
        return static_cast<const D&>(*static_cast<const D*>(p));
}

template <class F>
struct record_impl final : record {
    template <class G>
    explicit record_impl(G&& g) : fn(std::forward<G>(g)) {}
    F fn;
};

template <class F, class... P, std::size_t... I>
void invoke_with(record* r, void* const* argv, std::tuple<P...>*, std::index_sequence<I...>) {
    static_cast<void>(static_cast<record_impl<F>*>(r)->fn(arg_cast<P>(argv[I])...));
}

template <class F>
void invoke_record(record* r, void* const* argv) {
    using T = listener_traits<F>;
    invoke_with<F>(r, argv, static_cast<typename T::params*>(nullptr),
                   std::make_index_sequence<T::arity>{});
}

template <class F>
void destroy_record(record* r) noexcept {
    delete static_cast<record_impl<F>*>(r);
}

template <class F>
bool equals_record(const record* r, const void* fn) {
    return static_cast<const record_impl<F>*>(r)->fn == *static_cast<const F*>(fn);
}

/// A new record holding `f` (decayed), refs = 1.
template <class F>
record* make_record(F&& f, std::uint64_t id, bool once) {
    using D = std::decay_t<F>;
    using T = listener_traits<D>;
    auto* r = new record_impl<D>(std::forward<F>(f));
    r->id = id;
    r->sig = T::sig;
    r->arity = static_cast<std::uint32_t>(T::arity);
    r->needs_mutable = T::needs_mutable;
    r->once = once;
    r->invoke = &invoke_record<D>;
    r->destroy = &destroy_record<D>;
    r->fn_type = &type_tag<D>::value;
    if constexpr (comparable_callable<D>) r->equals = &equals_record<D>;
    return r;
}

inline void release(record* r) noexcept {
    if (--r->refs == 0) r->destroy(r);
}

// ---- copy-on-write listener arrays ----------------------------------------------------------

/// A listener array: header followed by `capacity` record pointers, each holding a reference.
/// The emitter holds one reference; an emit in progress holds another, so a change made while
/// refs > 1 copies the array first (node: emit's arrayClone, but paid by the rare mutation
/// during an emit instead of by every emit).
struct alignas(record*) list {
    std::size_t refs;
    std::size_t size;
    std::size_t capacity;

    record** items() noexcept { return reinterpret_cast<record**>(this + 1); }

    static list* make(std::size_t capacity) {
        void* p = ::operator new(sizeof(list) + capacity * sizeof(record*));
        return ::new (p) list{1, 0, capacity};
    }
    /// A private copy of `from` with room for `capacity` items; every record gains a reference.
    static list* clone(list* from, std::size_t capacity) {
        list* l = make(capacity);
        record** src = from->items();
        record** dst = l->items();
        for (std::size_t i = 0; i < from->size; ++i) {
            ++src[i]->refs;
            dst[i] = src[i];
        }
        l->size = from->size;
        return l;
    }
};

inline void release(list* l) noexcept {
    if (--l->refs != 0) return;
    record** items = l->items();
    for (std::size_t i = 0; i < l->size; ++i)
        release(items[i]);
    l->~list();
    ::operator delete(l);
}

/// Holds one reference to a record or an array for the duration of a scope.
template <class T>
struct holder {
    T* p;
    explicit holder(T* x) noexcept : p(x) {}
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
    ~holder() {
        if (p) release(p);
    }
    T* get() const noexcept { return p; }
    T* take() noexcept { return std::exchange(p, nullptr); }
};

// ---- checks ---------------------------------------------------------------------------------

inline bool same_types(const signature& a, const signature& b, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i)
        if (*a.types[i] != *b.types[i]) return false;
    return true;
}

/// Whether listener `r` can be called with an emit of `n` arguments whose prefix signatures
/// are `prefixes` and whose non-const arguments are the bits of `mut`.
inline bool accepts(const record* r, const signature* const* prefixes, std::size_t n,
                    std::uint32_t mut) noexcept {
    if (r->arity > n || (r->needs_mutable & ~mut) != 0) return false;
    const signature* want = prefixes[r->arity];
    return want == r->sig || same_types(*want, *r->sig, r->arity);
}

/// accepts() for the common case, inlined into emit: the signatures are the same object
/// (one program, no shared-object copies); anything else goes through accepts().
[[gnu::always_inline]] inline bool accepts_fast(const record* r, const signature* const* prefixes,
                                                std::size_t n, std::uint32_t mut) noexcept {
    if (r->arity <= n && (r->needs_mutable & ~mut) == 0 && prefixes[r->arity] == r->sig) [[likely]]
        return true;
    return accepts(r, prefixes, n, mut);
}

// ---- text -----------------------------------------------------------------------------------

inline std::string type_name(const std::type_info& t) {
    const char* raw = t.name();
#ifdef COSTREAM_DETAIL_EVENTS_DEMANGLE
    int status = 0;
    char* d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
    if (d != nullptr) {
        std::string s(d);
        std::free(d);
        return s;
    }
#endif
    return raw;
}

/// "(int, const std::string)" for an emit, "(int&, double)" for a listener.
inline std::string describe(const signature& s, std::uint32_t bits, bool bits_mean_mutable) {
    std::string out = "(";
    for (std::size_t i = 0; i < s.arity; ++i) {
        if (i) out += ", ";
        bool bit = (bits >> i) & 1u;
        if (!bits_mean_mutable && !bit) out += "const ";
        out += type_name(*s.types[i]);
        if (bits_mean_mutable && bit) out += "&";
    }
    return out + ")";
}

[[noreturn]] inline void throw_mismatch(std::string_view event, const record* r,
                                        const signature& emitted, std::uint32_t mut) {
    std::string m = "The arguments emitted for event \"";
    m.append(event).append("\" ");
    m += describe(emitted, mut, false);
    m += " do not match the parameters of listener #" + std::to_string(r->id) + " ";
    m += describe(*r->sig, r->needs_mutable, true);
    throw type_error(errc::invalid_arg_type, m);
}

/// util.inspect() of a string: Node's quote choice and escapes.
inline std::string inspect_string(std::string_view s) {
    char q = '\'';
    if (s.find('\'') != std::string_view::npos) {
        if (s.find('"') == std::string_view::npos)
            q = '"';
        else if (s.find('`') == std::string_view::npos && s.find("${") == std::string_view::npos)
            q = '`';
    }
    std::string out(1, q);
    for (unsigned char c : s) {
        switch (c) {
        case '\b':
            out += "\\b";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            if (c == static_cast<unsigned char>(q)) {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c < 0x20 || c == 0x7f) {
                static constexpr char hex[] = "0123456789ABCDEF";
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += q;
    return out;
}

/// JS's Number#toString for the common cases (integers, NaN, Infinity, -0 prints 0).
inline std::string js_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (v == 0) return "0";
    if (std::trunc(v) == v && std::fabs(v) < 1e21) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    // Shortest round-trip digits (%.17g trimmed is close enough for an error message).
    char buf[40];
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    std::string s(buf);
    // C prints e-07 where JS prints e-7.
    auto e = s.find('e');
    if (e != std::string::npos) {
        std::size_t digits = e + 2;
        while (digits + 1 < s.size() && s[digits] == '0')
            s.erase(digits, 1);
    }
    return s;
}

/// The "(...)" part of ERR_UNHANDLED_ERROR's message for an argument of any type, as close to
/// util.inspect() as C++ can know it.
template <class T>
std::string inspect(const T& v) {
    using D = std::decay_t<T>;
    if constexpr (std::is_same_v<D, std::nullptr_t>)
        return "null";
    else if constexpr (std::is_same_v<D, bool>)
        return v ? "true" : "false";
    else if constexpr (std::is_convertible_v<const T&, std::string_view>)
        return inspect_string(std::string_view(v));
    else if constexpr (std::is_integral_v<D>)
        return std::to_string(v);
    else if constexpr (std::is_floating_point_v<D>)
        return js_number(static_cast<double>(v));
    else
        return type_name(typeid(D)) + " {}"; // inspect() of an instance it cannot look into
}

[[noreturn]] inline void throw_unhandled_text(const std::string& what) {
    throw costream::error(errc::unhandled_error, "Unhandled error. (" + what + ")");
}

} // namespace costream::detail::ev
