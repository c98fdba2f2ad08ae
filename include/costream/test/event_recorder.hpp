// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// test/event_recorder.hpp: event_recorder, records the events of any emitter as a sequence
// of strings, to compare an event order with the order Node prints.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/error.hpp>
#include <costream/events.hpp>

#include <boost/system/error_code.hpp>

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace costream::test {

/// How an event argument is rendered in a recorded line. Specialise it for your own types
/// (or give them an `operator<<`). Defaults: error_code → Node's code (`ABORT_ERR`,
/// `ENOENT`), or its message for categories without Node codes, `null` when empty;
/// costream::buffer → its bytes as UTF-8 text; strings as they are; bool → true/false;
/// std::optional → `null` or the value; anything streamable through operator<<.
template <class T, class = void>
struct event_render {
    static std::string render(const T& v) {
        if constexpr (std::is_same_v<T, bool>) {
            return v ? "true" : "false";
        } else if constexpr (requires(std::ostream & os) { os << v; }) {
            std::ostringstream os;
            os << v;
            return os.str();
        } else {
            return "<" + std::string(typeid(T).name()) + ">";
        }
    }
};

template <>
struct event_render<boost::system::error_code> {
    static std::string render(const boost::system::error_code& ec) {
        if (!ec) return "null";
        std::string_view code = costream::node_code(ec);
        if (!code.empty() && code != "UNKNOWN") return std::string(code);
        return ec.message();
    }
};

template <>
struct event_render<costream::buffer> {
    static std::string render(const costream::buffer& b) { return b.to_string(); }
};

template <class T>
struct event_render<std::optional<T>> {
    static std::string render(const std::optional<T>& v) {
        return v ? event_render<T>::render(*v) : std::string("null");
    }
};

/// Renders one event argument with event_render.
template <class T>
std::string render_event_arg(const T& v) {
    return event_render<std::decay_t<T>>::render(v);
}

/// Records named events of any emitter as lines `label: event arg1 arg2`, in the order they
/// happen, to assert an event order as a sequence and compare it with Node's (Node: a test
/// that pushes `${name}: ${ev}` into an array from each listener).
///
/// watch(emitter, event) records an event without its arguments; watch<Args...>(...) renders
/// the listed argument types (the listener takes `const Args&...`, so they must be the
/// emitted types, as for any costream listener). watch_stream(s, label) watches the events of
/// a Node stream that do not change its mode: 'end', 'finish', 'prefinish', 'close',
/// 'error' (with its code), 'drain', 'pause', 'resume', 'pipe', 'unpipe'. Adding a 'data'
/// or 'readable' listener changes a readable's mode, exactly as in Node: watch those
/// explicitly when the test means it.
///
/// The recorder may be destroyed before or after the emitters it watches (the recorded
/// lines are shared with the listeners). Not thread-safe, like emitters.
///
///     costream::test::event_recorder rec;
///     rec.watch_stream(*src, "src");
///     rec.watch_stream(*dst, "dst");
///     loop.run();
///     CHECK(rec.lines() == std::vector<std::string>{"src: end", "dst: finish", ...});
class event_recorder {
public:
    event_recorder() : lines_(std::make_shared<std::vector<std::string>>()) {}
    event_recorder(const event_recorder&) = delete;
    event_recorder& operator=(const event_recorder&) = delete;

    /// Records every `event` of `e` as `label: event` (or `event` when label is empty),
    /// followed by the arguments of types Args rendered with event_render, space-separated.
    /// Returns the listener's id (to remove it with e.off()).
    template <class... Args, class Emitter>
    requires std::derived_from<Emitter, event_emitter>
        listener_id watch(Emitter& e, std::string_view event, std::string_view label = {}) {
        auto lines = lines_;
        std::string head =
            label.empty() ? std::string(event) : std::string(label) + ": " + std::string(event);
        return e.on(event, [lines, head](const Args&... args) {
            std::string line = head;
            ((line += ' ', line += render_event_arg(args)), ...);
            lines->push_back(std::move(line));
        });
    }

    /// watch() for several events without arguments.
    template <class Emitter>
    requires std::derived_from<Emitter, event_emitter>
    void watch_all(Emitter& e, std::initializer_list<std::string_view> events,
                   std::string_view label = {}) {
        for (std::string_view ev : events)
            watch(e, ev, label);
    }

    /// Watches the lifecycle events of a stream (see the class comment): 'error' is recorded
    /// with its error_code, the others without arguments.
    template <class Stream>
    requires std::derived_from<Stream, event_emitter>
    void watch_stream(Stream& s, std::string_view label = {}) {
        for (std::string_view ev :
             {"end", "prefinish", "finish", "drain", "pause", "resume", "pipe", "unpipe", "close"})
            watch(s, ev, label);
        watch<boost::system::error_code>(s, "error", label);
    }

    /// Appends a line of the test's own (Node: a console.log between events).
    void note(std::string line) { lines_->push_back(std::move(line)); }

    /// The recorded lines, oldest first.
    const std::vector<std::string>& lines() const noexcept { return *lines_; }
    /// The lines joined with `sep`.
    std::string str(std::string_view sep = "\n") const {
        std::string s;
        for (std::size_t i = 0; i < lines_->size(); ++i) {
            if (i) s += sep;
            s += (*lines_)[i];
        }
        return s;
    }
    /// Forgets the lines recorded so far (listeners stay).
    void clear() noexcept { lines_->clear(); }
    /// Number of lines recorded.
    std::size_t size() const noexcept { return lines_->size(); }
    /// How many recorded lines equal `line`.
    std::size_t count(std::string_view line) const noexcept {
        std::size_t n = 0;
        for (const auto& l : *lines_)
            if (l == line) ++n;
        return n;
    }

    friend bool operator==(const event_recorder& r, const std::vector<std::string>& v) {
        return *r.lines_ == v;
    }

private:
    std::shared_ptr<std::vector<std::string>> lines_;
};

} // namespace costream::test
