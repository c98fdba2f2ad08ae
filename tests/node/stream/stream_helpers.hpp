// Helpers for the stream oracle ports: streams whose hooks are lambdas (Node's
// `new Readable({ read() {...} })` shorthand) and an error category for user errors with
// their own messages (Node's `new Error('E1')`).
#pragma once

#include <costream/stream.hpp>

#include <boost/system/error_code.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace stream_test {

namespace cs = costream::stream;
using boost::system::error_code;

/// Trace lines as one string, one per line: a failed CHECK(joined(a) == joined(b)) prints
/// both sequences readably.
inline std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v)
        s += "\n    " + x;
    return s;
}

/// The lines of a trace written out as text (Node's output pasted into a test), one per line.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        v.push_back(line);
    return v;
}

/// Trace lines made as console.log makes them: log("p1", "data", 3) -> "p1 data 3".
struct word_trace {
    std::vector<std::string> lines;
    template <class... A>
    void log(const A&... a) {
        std::ostringstream os;
        ((os << a << ' '), ...);
        std::string s = os.str();
        s.pop_back();
        lines.push_back(std::move(s));
    }
};

/// Checks a trace against Node's output pasted as text (one line per log call).
inline void check_trace(const word_trace& t, const std::string& node) {
    CHECK(joined(t.lines) == joined(lines_of(node)));
}

/// A category whose values name messages registered by user_error(): the Asio way of
/// carrying an application's own error text.
class user_category : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "user"; }
    std::string message(int ev) const override {
        auto& m = messages();
        return ev > 0 && static_cast<std::size_t>(ev) <= m.size() ? m[ev - 1] : "unknown";
    }
    static std::vector<std::string>& messages() {
        static std::vector<std::string> m;
        return m;
    }
};
inline const user_category& user_cat() {
    static user_category c;
    return c;
}
/// Node's `new Error(message)` as an error_code.
inline error_code user_error(const std::string& message) {
    auto& m = user_category::messages();
    for (std::size_t i = 0; i < m.size(); ++i)
        if (m[i] == message) return {static_cast<int>(i + 1), user_cat()};
    m.push_back(message);
    return {static_cast<int>(m.size()), user_cat()};
}
/// How Node prints `${e.message}` for our errors: the user's text, or Node's message for
/// AbortError; costream codes print their Node code.
inline std::string message(const error_code& ec) {
    if (!ec) return "null";
    if (ec == costream::errc::abort_err) return "The operation was aborted";
    return ec.message();
}
/// `${e.name}: ${e.message}`.
inline std::string name_message(const error_code& ec) {
    if (ec == costream::errc::abort_err) return "AbortError: The operation was aborted";
    return "Error: " + message(ec);
}

/// Whether `s.write(v)` compiles (JS-only argument types are rejected at compile time).
template <class S, class V>
concept can_write = requires(S& s, V v) {
    s.write(v);
};

inline const char* b(bool v) {
    return v ? "true" : "false";
}
inline std::string flowing(std::optional<bool> f) {
    return f ? (*f ? "true" : "false") : "null";
}

/// Node's `new Readable({ read, destroy, ...options })`.
template <class Chunk = costream::buffer>
struct fn_readable : cs::basic_readable<Chunk> {
    using base = cs::basic_readable<Chunk>;
    std::function<void(fn_readable&, std::size_t)> read_fn;
    std::function<void(fn_readable&, const error_code&, cs::stream_base::destroy_callback)>
        destroy_fn;

    explicit fn_readable(cs::readable_options o = {}, decltype(read_fn) r = {},
                         decltype(destroy_fn) d = {})
        : base(o), read_fn(std::move(r)), destroy_fn(std::move(d)) {}

protected:
    void do_read(std::size_t n) override {
        if (read_fn) read_fn(*this, n);
    }
    void do_destroy(const error_code& ec, cs::stream_base::destroy_callback cb) override {
        if (destroy_fn)
            destroy_fn(*this, ec, std::move(cb));
        else
            cb(ec);
    }
};

/// Node's `new Writable({ write, final, destroy, ...options })`.
template <class Chunk = costream::buffer>
struct fn_writable : cs::basic_writable<Chunk> {
    using base = cs::basic_writable<Chunk>;
    using write_callback = typename base::write_callback;
    using final_callback = typename base::final_callback;
    std::function<void(fn_writable&, Chunk&, std::optional<costream::encoding>, write_callback)>
        write_fn;
    std::function<void(fn_writable&, final_callback)> final_fn;

    explicit fn_writable(cs::writable_options o = {}, decltype(write_fn) w = {},
                         decltype(final_fn) f = {})
        : base(o), write_fn(std::move(w)), final_fn(std::move(f)) {}

protected:
    void do_write(Chunk&& c, std::optional<costream::encoding> enc, write_callback cb) override {
        if (write_fn)
            write_fn(*this, c, enc, std::move(cb));
        else
            cb();
    }
    void do_final(final_callback cb) override {
        if (final_fn)
            final_fn(*this, std::move(cb));
        else
            base::do_final(std::move(cb)); // Node: no _final
    }
};

/// Node's `${err}` for a write/end callback argument.
inline std::string err_or_null(const error_code& ec) {
    return ec ? std::string(costream::node_code(ec)) : "null";
}

} // namespace stream_test
