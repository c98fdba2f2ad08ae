// basic_duplex cases the oracle ports (48_duplex_halfopen, 25 for options) do not cover:
// destroy(err) on both sides at once, auto_destroy waiting for both sides, allow_half_open
// false with the writable side finishing first. The JS was run in node v20; the expected
// lines are its output.
#include <costream/stream/duplex.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

#include <string>
#include <vector>

using namespace stream_test;
using strings = std::vector<std::string>;

namespace {
// new Duplex({ read() {}, write(c, e, cb) { cb(); }, ...o })
struct idle_duplex : cs::duplex {
    using cs::duplex::duplex;

protected:
    void do_read(std::size_t) override {}
    void do_write(costream::buffer&&, write_callback cb) override { cb(); }
};
} // namespace

TEST_CASE("duplex destroy(err) closes both sides with one 'error' and one 'close'") {
    // d.destroy(new Error('E')); d.destroy(new Error('E2'));
    // log(`dd: destroyed=${d.destroyed} readable=${d.readable} writable=${d.writable}`)
    // -> dd: destroyed=true readable=false writable=false / dd: error E / dd: close
    costream::loop l;
    strings log;
    auto d = cs::make<idle_duplex>();
    d->on("error", [&](const error_code& e) { log.push_back("error " + message(e)); });
    d->on("close", [&] { log.push_back("close"); });
    d->destroy(user_error("E"));
    d->destroy(user_error("E2"));
    log.push_back(std::string("destroyed=") + b(d->destroyed()) +
                  " readable=" + b(d->is_readable()) + " writable=" + b(d->is_writable()));
    l.run();
    CHECK(joined(log) ==
          joined(strings{"destroyed=true readable=false writable=false", "error E", "close"}));
    CHECK(d->readable_aborted());
}

TEST_CASE("duplex auto_destroy waits for both 'end' and 'finish'") {
    // d.resume(); d.push(null); await immediate; log(`after end destroyed=${d.destroyed}`);
    // d.end(); -> end destroyed=false / after end destroyed=false / finish destroyed=false /
    //             close destroyed=true
    costream::loop l;
    strings log;
    auto d = cs::make<idle_duplex>();
    for (const char* ev : {"end", "finish", "close"})
        d->on(ev, [&log, ev, &d] {
            log.push_back(std::string(ev) + " destroyed=" + b(d->destroyed()));
        });
    d->resume();
    d->push(nullptr);
    l.run();
    log.push_back(std::string("after end destroyed=") + b(d->destroyed()));
    d->end();
    l.run();
    CHECK(joined(log) == joined(strings{"end destroyed=false", "after end destroyed=false",
                                        "finish destroyed=false", "close destroyed=true"}));
}

TEST_CASE("allow_half_open false: the writable side finishing first does not end the readable") {
    // new Duplex({ allowHalfOpen: false, ... }); d.end(); await immediate;
    // log(`readableEnded=${d.readableEnded}`); d.resume(); d.push(null);
    // -> dh: finish / dh: readableEnded=false / dh: end / dh: close
    costream::loop l;
    strings log;
    auto d = cs::make<idle_duplex>(cs::duplex_options{.allow_half_open = false});
    for (const char* ev : {"end", "finish", "close"})
        d->on(ev, [&log, ev] { log.push_back(ev); });
    d->end();
    l.run();
    log.push_back(std::string("readableEnded=") + b(d->readable_ended()));
    d->resume();
    d->push(nullptr);
    l.run();
    CHECK(joined(log) == joined(strings{"finish", "readableEnded=false", "end", "close"}));
}

TEST_CASE("duplex sides keep their own chunk types and high water marks") {
    costream::loop l;
    struct objects_to_bytes : cs::basic_duplex<int, costream::buffer> {
        using basic_duplex::basic_duplex;
        std::vector<int> got;
        void do_read(std::size_t) override {}
        void do_write(int&& v, write_callback cb) override {
            got.push_back(v);
            push(std::to_string(v));
            cb();
        }
    };
    auto d = cs::make<objects_to_bytes>(
        cs::duplex_options{.readable_high_water_mark = 3, .writable_high_water_mark = 2});
    CHECK(d->writable_object_mode());
    CHECK(!d->readable_object_mode());
    CHECK(d->readable_high_water_mark() == 3);
    CHECK(d->writable_high_water_mark() == 2);
    d->write(12);
    d->write(345);
    CHECK(d->readable_length() == 5);
    auto all = d->read();
    REQUIRE(all);
    CHECK(all->to_string() == "12345");
    l.run();
}
