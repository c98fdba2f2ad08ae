// basic_transform cases the oracle ports (45_transform_multi_push_flush, 47_passthrough) do
// not cover: the callback called twice (ERR_MULTIPLE_CALLBACK), a transform error, a flush
// error, values passed to the callbacks, destroy(err) while a transform is pending. The JS
// was run in node v20; the expected lines are its output.
#include <costream/stream/transform.hpp>

#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace stream_test;
using strings = std::vector<std::string>;

namespace {
/// Node's `new Transform({ transform, flush })` with the hooks as functions.
struct fn_transform : cs::transform {
    std::function<void(costream::buffer&&, transform_callback)> transform_fn;
    std::function<void(flush_callback)> flush_fn;
    using cs::transform::transform;

protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        transform_fn(std::move(c), std::move(cb));
    }
    void do_flush(flush_callback cb) override {
        if (flush_fn)
            flush_fn(std::move(cb));
        else
            cb();
    }
};
cs::ptr<fn_transform>
make_transform(std::function<void(costream::buffer&&, fn_transform::transform_callback)> t,
               std::function<void(fn_transform::flush_callback)> f = {}) {
    auto s = cs::make<fn_transform>();
    s->transform_fn = std::move(t);
    s->flush_fn = std::move(f);
    return s;
}
} // namespace

TEST_CASE("a transform callback called twice fails the stream with ERR_MULTIPLE_CALLBACK") {
    // new Transform({ transform(c, e, cb) { cb(null, c); cb(null, c); } }); t.write('a')
    // -> tt: data a / tt: data a / tt: error ERR_MULTIPLE_CALLBACK / tt: close
    costream::loop l;
    strings log;
    auto t = make_transform([](costream::buffer&& c, fn_transform::transform_callback cb) {
        cb({}, c);
        cb({}, c);
    });
    t->on("error", [&](const error_code& e) { log.push_back("error " + err_or_null(e)); });
    t->on("close", [&] { log.push_back("close"); });
    t->on("data", [&](const costream::buffer& d) { log.push_back("data " + d.to_string()); });
    t->write("a");
    l.run();
    CHECK(joined(log) ==
          joined(strings{"data a", "data a", "error ERR_MULTIPLE_CALLBACK", "close"}));
}

TEST_CASE("a transform error goes to the write callback, then 'error', then 'close'") {
    // new Transform({ transform(c, e, cb) { cb(new Error('bad ' + c)); } });
    // t.write('a', err => log(`write cb ${err.message}`))
    // -> te: write cb bad a / te: error bad a / te: close
    costream::loop l;
    strings log;
    auto t = make_transform([](costream::buffer&& c, fn_transform::transform_callback cb) {
        cb(user_error("bad " + c.to_string()));
    });
    t->on("error", [&](const error_code& e) { log.push_back("error " + message(e)); });
    t->on("close", [&] { log.push_back("close"); });
    t->write("a", [&](const error_code& e) { log.push_back("write cb " + message(e)); });
    l.run();
    CHECK(joined(log) == joined(strings{"write cb bad a", "error bad a", "close"}));
}

TEST_CASE("a flush error fails the stream: 'error' then 'close', no 'end' or 'finish'") {
    // new Transform({ transform(c, e, cb) { cb(null, c); }, flush(cb) { cb(new Error('flush
    // failed')); } }); t.resume(); t.end('x')
    // -> tf: error flush failed / tf: close
    // (with an end callback Node calls it last, on its own tick: 'end cb flush failed' after
    // 'close'; costream calls it first: requested from perf, writable.hpp end_())
    costream::loop l;
    strings log;
    auto t = make_transform(
        [](costream::buffer&& c, fn_transform::transform_callback cb) { cb({}, std::move(c)); },
        [](fn_transform::flush_callback cb) { cb(user_error("flush failed")); });
    t->on("error", [&](const error_code& e) { log.push_back("error " + message(e)); });
    t->on("close", [&] { log.push_back("close"); });
    t->on("finish", [&] { log.push_back("finish"); });
    t->on("end", [&] { log.push_back("end"); });
    t->resume();
    t->end("x");
    l.run();
    CHECK(joined(log) == joined(strings{"error flush failed", "close"}));
}

TEST_CASE("values given to the transform and flush callbacks are pushed") {
    // new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()); },
    //   flush(cb) { cb(null, '!'); } }); t.end('ab')  -> out=AB!
    costream::loop l;
    std::string out;
    bool ended = false;
    auto t = make_transform(
        [](costream::buffer&& c, fn_transform::transform_callback cb) {
            std::string s = c.to_string();
            for (char& ch : s)
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            cb({}, costream::buffer::from(s));
        },
        [](fn_transform::flush_callback cb) { cb({}, costream::buffer::from("!")); });
    t->on("data", [&](const costream::buffer& d) { out += d.to_string(); });
    t->on("end", [&] { ended = true; });
    t->end("ab");
    l.run();
    CHECK(ended);
    CHECK(out == "AB!");
}

TEST_CASE("destroy(err) while a transform is pending: 'error', 'close', then the write callback") {
    // new Transform({ transform(c, e, cb) { setImmediate(() => cb(null, c)); } });
    // t.write('a', err => log(`write cb a ${err}`)); t.destroy(new Error('E'));
    // -> td: error E / td: close / td: write cb a null   (no 'data': pushed after destroy)
    costream::loop l;
    strings log;
    auto t = make_transform([](costream::buffer&& c, fn_transform::transform_callback cb) {
        auto shared = std::make_shared<fn_transform::transform_callback>(std::move(cb));
        costream::set_immediate([shared, c]() { (*shared)({}, c); });
    });
    t->on("error", [&](const error_code& e) { log.push_back("error " + message(e)); });
    t->on("close", [&] { log.push_back("close"); });
    t->on("data", [&](const costream::buffer& d) { log.push_back("data " + d.to_string()); });
    t->write("a", [&](const error_code& e) { log.push_back("write cb a " + message(e)); });
    t->destroy(user_error("E"));
    l.run();
    CHECK(joined(log) == joined(strings{"error E", "close", "write cb a null"}));
}
