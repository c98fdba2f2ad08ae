// Who keeps a stream alive while a do_write/do_transform callback is pending. The callback
// handed to do_write (and do_transform) holds no reference while it is the hook's own
// parameter (write() holds the stream until the hook returns); moving it out, to call it
// later, makes the moved-to callback hold one. These cases drop every handle to the stream
// while a moved callback is pending (or from inside the hook) and check that the write still
// completes as in Node (where the pending callback's closure keeps the stream alive); under
// ASan a missing reference is a heap-use-after-free.
#include <costream/stream/writable.hpp>

#include <costream/loop.hpp>
#include <costream/stream/transform.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace stream_test;

namespace {

// Overrides only the two-argument do_write: the default three-argument one hands its
// callback on. `later` moves the callback to an immediate; else it is called at once after
// dropping the test's handle (`self`).
struct deferred_sink : cs::writable {
    std::vector<std::string>* log;
    cs::ptr<deferred_sink>* self;
    bool later;
    deferred_sink(std::vector<std::string>* l, cs::ptr<deferred_sink>* s, bool lt)
        : log(l), self(s), later(lt) {}
    ~deferred_sink() override { log->push_back("freed"); }

protected:
    void do_write(costream::buffer&& b, write_callback cb) override {
        log->push_back("write " + b.to_string());
        if (later) {
            costream::set_immediate(
                [l = log, cb = std::make_shared<write_callback>(std::move(cb))] {
                    l->push_back("calling back");
                    (*cb)();
                });
        } else {
            self->reset(); // the last handle: write() still holds the stream
            cb();
        }
    }
};

struct deferred_transform : cs::transform {
    std::vector<std::string>* log;
    explicit deferred_transform(std::vector<std::string>* l) : log(l) {}
    ~deferred_transform() override { log->push_back("freed"); }

protected:
    void do_transform(costream::buffer&& b, transform_callback cb) override {
        log->push_back("transform " + b.to_string());
        costream::set_immediate(
            [l = log, s = b.to_string(), cb = std::make_shared<transform_callback>(std::move(cb))] {
                l->push_back("calling back");
                (*cb)({}, costream::buffer::from(s + "!"));
            });
    }
};

} // namespace

TEST_CASE("a write callback moved out of do_write keeps the writable alive after its last "
          "handle is dropped") {
    // node: w.write('a', (err) => log(`write cb ${err}`)); w = null;  (the pending callback
    // keeps the stream) -> write a / calling back / write cb null
    costream::loop l;
    std::vector<std::string> log;
    cs::ptr<deferred_sink> w;
    w = cs::make<deferred_sink>(&log, &w, true);
    w->write("a", [&](const error_code& ec) { log.push_back("write cb " + err_or_null(ec)); });
    w.reset();
    l.run();
    CHECK(joined(log) == joined({"write a", "calling back", "write cb null", "freed"}));
}

TEST_CASE("a do_write that drops the writable's last handle and then calls back: write() "
          "keeps the stream until it returns") {
    costream::loop l;
    std::vector<std::string> log;
    cs::ptr<deferred_sink> w;
    w = cs::make<deferred_sink>(&log, &w, false);
    deferred_sink* raw = w.get();
    const bool ok = raw->write(
        "a", [&](const error_code& ec) { log.push_back("write cb " + err_or_null(ec)); });
    CHECK(ok);
    l.run();
    // node: the write's callback comes on the next tick, then nothing holds the stream
    CHECK(joined(log) == joined({"write a", "write cb null", "freed"}));
}

TEST_CASE("a transform callback moved out of do_transform keeps the transform alive after "
          "its last handle is dropped") {
    costream::loop l;
    std::vector<std::string> log;
    auto t = cs::make<deferred_transform>(&log);
    t->on("data", [&](const costream::buffer& d) { log.push_back("data " + d.to_string()); });
    t->write("a", [&](const error_code& ec) { log.push_back("write cb " + err_or_null(ec)); });
    t.reset();
    l.run();
    CHECK(joined(log) ==
          joined({"transform a", "calling back", "data a!", "write cb null", "freed"}));
}
