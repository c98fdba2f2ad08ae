// Port of shared/node-oracle/scenarios/29_readable_paused_flowing.js: readable_flowing null -> true
// -> false, pause/resume, is_paused; 'data' after an explicit pause() does not resume. The 10 ms
// timers run on the loop's manual clock.
#include <costream/stream/readable.hpp>

#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
cs::ptr<fn_readable<>> make_c4() {
    auto i = std::make_shared<int>(0);
    return cs::make<fn_readable<>>(cs::readable_options{}, [i](fn_readable<>& self, std::size_t) {
        ++*i;
        if (*i <= 4)
            self.push("c" + std::to_string(*i));
        else
            self.push(nullptr);
    });
}
} // namespace

TEST_CASE("node oracle 29: paused and flowing modes") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    auto r = make_c4();
    cs::ptr<fn_readable<>> p;
    t.log("initial flowing=", flowing(r->readable_flowing()), " isPaused=", b(r->is_paused()));
    r->on("data", [&](const costream::buffer& c) {
        t.log("data ", c.to_string());
        if (c.to_string() == "c2") {
            r->pause();
            t.log("paused in data: flowing=", flowing(r->readable_flowing()),
                  " isPaused=", b(r->is_paused()));
            costream::set_timeout(
                [&] {
                    t.log("resume()");
                    r->resume();
                },
                10);
        }
    });
    t.log("after on('data'): flowing=", flowing(r->readable_flowing()));
    r->on("end", [&] {
        t.log("end r");
        p = make_c4();
        p->pause();
        t.log("p paused before listener: flowing=", flowing(p->readable_flowing()));
        p->on("data", [&](const costream::buffer& c) { t.log("p data ", c.to_string()); });
        p->on("end", [&] { t.log("end p"); });
        costream::set_timeout(
            [&] {
                t.log("p after 10ms: flowing=", flowing(p->readable_flowing()),
                      " buffered=", p->readable_length());
                p->resume();
                t.log("p resume(): flowing=", flowing(p->readable_flowing()));
            },
            10);
    });
    l.run();
    costream_test::check_node_trace(t, "29_readable_paused_flowing");
}
