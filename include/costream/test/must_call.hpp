// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// test/must_call.hpp: must_call / must_not_call, Node's test/common mustCall() and
// mustNotCall(), for testing callbacks and listeners of your own streams.
#pragma once

#include <costream/config.hpp>
#include <costream/events.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace costream::test {

/// Receives the text of a failed call expectation ("mustCall ... expected exactly 1,
/// actual 0"). The default prints it to stderr and calls std::abort(), as Node's test
/// harness makes the process fail; a test framework installs its own (doctest: FAIL_CHECK).
using failure_handler = std::function<void(const std::string&)>;

namespace detail {
inline failure_handler& failure_slot() {
    thread_local failure_handler h;
    return h;
}
} // namespace detail

/// Installs `h` as this thread's handler of failed expectations (empty: the default, which
/// prints and aborts). Returns the previous handler.
inline failure_handler set_failure_handler(failure_handler h) {
    failure_handler old = std::move(detail::failure_slot());
    detail::failure_slot() = std::move(h);
    return old;
}

/// Reports a failed expectation through the current failure handler.
inline void report_failure(const std::string& text) {
    if (auto& h = detail::failure_slot()) {
        h(text);
        return;
    }
    std::fprintf(stderr, "costream::test failure: %s\n", text.c_str());
    std::abort();
}

namespace detail {

/// The shared count of one expectation; checked when the last wrapper copy goes away.
struct call_count {
    enum class kind { exactly, at_least, never };
    kind k;
    std::size_t expected;
    std::size_t actual = 0;
    std::string name;
    bool checked = false;

    call_count(kind kk, std::size_t n, std::string nm) : k(kk), expected(n), name(std::move(nm)) {}
    call_count(const call_count&) = delete;
    call_count& operator=(const call_count&) = delete;

    void called() {
        ++actual;
        if (k == kind::never) report_failure("mustNotCall: " + label() + " was called");
    }
    std::string label() const { return name.empty() ? std::string("function") : name; }
    /// node: common.mustCall's exit check.
    void check() {
        if (checked) return;
        checked = true;
        if (k == kind::exactly && actual != expected)
            report_failure("mustCall: " + label() +
                           ": mismatched function calls. Expected exactly " +
                           std::to_string(expected) + ", actual " + std::to_string(actual) + ".");
        else if (k == kind::at_least && actual < expected)
            report_failure("mustCallAtLeast: " + label() +
                           ": mismatched function calls. Expected at least " +
                           std::to_string(expected) + ", actual " + std::to_string(actual) + ".");
    }
    ~call_count() { check(); }
};

template <class F, class Params>
class counted_fn;

// The wrapper keeps F's exact parameter list, so it stays a deducible listener for
// event_emitter (a variadic operator() would not be).
template <class F, class... P>
class counted_fn<F, costream::detail::ev::param_list<P...>> {
public:
    counted_fn(F f, std::shared_ptr<call_count> c) : f_(std::move(f)), c_(std::move(c)) {}

    decltype(auto) operator()(P... args) {
        c_->called();
        return std::invoke(f_, std::forward<P>(args)...);
    }

    /// How many times the callable was called so far (all copies together).
    std::size_t calls() const noexcept { return c_->actual; }
    /// Checks the expectation now instead of at the destruction of the last copy.
    void check() const { c_->check(); }

private:
    F f_;
    std::shared_ptr<call_count> c_;
};

template <class F>
using params_of = typename costream::detail::ev::callable_params<std::decay_t<F>>::list;

template <class F>
auto make_counted(F&& f, call_count::kind k, std::size_t n, std::string name) {
    static_assert(costream::detail::ev::callable_params<std::decay_t<F>>::deducible,
                  "costream::test::must_call: the callable needs one non-template operator() "
                  "(a lambda without auto parameters) or must be a function pointer");
    return counted_fn<std::decay_t<F>, params_of<F>>(
        std::forward<F>(f), std::make_shared<call_count>(k, n, std::move(name)));
}

} // namespace detail

/// Node's common.mustCall(fn, exact): wraps `fn` so that it must be called exactly `n`
/// times. Copies share the count; when the last copy is destroyed (an emitter dropping its
/// listener, a completion handler consumed, the loop destroying what it never ran) or when
/// check() is called, a different count is reported through report_failure(). The wrapper
/// has `fn`'s exact parameter list, so it works as an event listener and as an Asio handler.
///
///     r->on("end", costream::test::must_call([] {}));                 // exactly once
///     w->write(chunk, costream::test::must_call([](const error_code& ec) { CHECK(!ec); }));
template <class F>
auto must_call(F&& fn, std::size_t n = 1, std::string name = {}) {
    return detail::make_counted(std::forward<F>(fn), detail::call_count::kind::exactly, n,
                                std::move(name));
}

/// must_call of a function that does nothing and takes no arguments (Node's mustCall()).
inline auto must_call() {
    return must_call([] {});
}

/// Node's common.mustCallAtLeast(fn, minimum).
template <class F>
auto must_call_at_least(F&& fn, std::size_t n = 1, std::string name = {}) {
    return detail::make_counted(std::forward<F>(fn), detail::call_count::kind::at_least, n,
                                std::move(name));
}

/// Node's common.mustNotCall(): a callable with the parameter list of `F` (no parameters
/// by default) that reports a failure as soon as it is called.
///
///     s->on("error", costream::test::must_not_call<void(const boost::system::error_code&)>());
template <class Sig = void()>
auto must_not_call(std::string name = {});

namespace detail {
template <class Sig>
struct noop_of;
template <class R, class... P>
struct noop_of<R(P...)> {
    R operator()(P...) const {
        if constexpr (!std::is_void_v<R>) return R{};
    }
};
} // namespace detail

template <class Sig>
auto must_not_call(std::string name) {
    return detail::make_counted(detail::noop_of<Sig>{}, detail::call_count::kind::never, 0,
                                std::move(name));
}

} // namespace costream::test
