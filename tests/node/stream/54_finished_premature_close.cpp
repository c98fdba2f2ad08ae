// Port of shared/node-oracle/scenarios/54_finished_premature_close.js: finished() completes on
// a normal end, with ERR_STREAM_PREMATURE_CLOSE when destroyed before end/finish, with the
// stream's error, at once on an already-ended stream, and never after cleanup().
// Readable.from([...]) is stream::from (object mode, std::string chunks).
#include <costream/stream/finished.hpp>

#include <costream/stream/from.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

#include <deque>
#include <functional>

using namespace stream_test;

namespace {
// Readable.from(items)
cs::ptr<cs::basic_readable<std::string>> from_items(std::vector<std::string> items) {
    return cs::from(std::move(items));
}
} // namespace

TEST_CASE("node oracle 54: finished() on end, premature close, error, ended stream, cleanup") {
    costream::loop l;
    costream_test::trace t;
    std::deque<std::function<void()>> steps;
    auto next = [&] {
        if (steps.empty()) return;
        auto f = std::move(steps.front());
        steps.pop_front();
        f();
    };
    cs::ptr<cs::stream_base> keep1, keep2, keep3, keep4, keep5, keep6;
    steps.push_back([&] {
        auto r = from_items({"a", "b"});
        keep1 = r;
        cs::finished(*r, [&](const error_code& err) {
            t.log("readable ended normally: err=", err ? message(err) : "undefined");
            next();
        });
        r->resume();
    });
    steps.push_back([&] {
        auto r =
            cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
        keep2 = r;
        r->push("data");
        cs::finished(*r, [&](const error_code& err) {
            t.log("readable destroyed early: ", costream::node_code(err), " (Error)");
            next();
        });
        r->destroy();
    });
    steps.push_back([&] {
        auto w = cs::make<fn_writable<>>();
        keep3 = w;
        w->write("x");
        cs::finished(*w, [&](const error_code& err) {
            t.log("writable destroyed before finish: ", costream::node_code(err));
            next();
        });
        w->destroy();
    });
    steps.push_back([&] {
        auto w = cs::make<fn_writable<>>(
            cs::writable_options{},
            [](fn_writable<>&, costream::buffer&, std::optional<costream::encoding>,
               fn_writable<>::write_callback cb) { cb(user_error("write failed")); });
        keep4 = w;
        w->on("error", [](const error_code&) {});
        cs::finished(*w, [&](const error_code& err) {
            t.log("writable error: ", message(err));
            next();
        });
        w->write("x");
    });
    steps.push_back([&] {
        auto r = from_items({"a"});
        keep5 = r;
        r->resume();
        cs::basic_readable<std::string>* raw = r.get();
        r->on("close", [&, raw] {
            cs::finished(*raw, [&](const error_code& err) {
                t.log("finished() on already-ended stream: err=", err ? message(err) : "undefined");
                next();
            });
        });
    });
    steps.push_back([&] {
        auto r =
            cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
        keep6 = r;
        auto called = std::make_shared<bool>(false);
        auto cleanup = cs::finished(*r, [called](const error_code&) { *called = true; });
        cleanup();
        r->destroy();
        costream::set_timeout(
            [&, called] {
                t.log("after cleanup(): callback called=", b(*called));
                next();
            },
            5);
    });
    next();
    l.run();
    costream_test::check_node_trace(t, "54_finished_premature_close");
}
