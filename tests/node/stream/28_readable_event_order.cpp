// Port of shared/node-oracle/scenarios/28_readable_event_order.js: 'data' consumers, 'readable' +
// read() consumers, and both ('readable' wins). The async function awaiting 'close' is a chain of
// 'close' listeners here; the await adds only a microtask, which does not change the order.
#include <costream/stream/readable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
cs::ptr<fn_readable<>> make_abc(costream_test::trace& t, const std::string& tag) {
    auto chunks =
        std::make_shared<std::vector<std::string>>(std::vector<std::string>{"a", "b", "c"});
    auto r =
        cs::make<fn_readable<>>(cs::readable_options{}, [chunks](fn_readable<>& self, std::size_t) {
            if (chunks->empty()) {
                self.push(nullptr);
            } else {
                std::string c = chunks->front();
                chunks->erase(chunks->begin());
                self.push(c);
            }
        });
    r->on("end", [&t, tag] { t.log(tag, ": end"); });
    r->on("close", [&t, tag] { t.log(tag, ": close"); });
    return r;
}
} // namespace

TEST_CASE("node oracle 28: event order for data, readable and both consumers") {
    costream::loop l;
    costream_test::trace t;
    cs::ptr<fn_readable<>> a, b, c;
    auto run_c = [&] {
        c = make_abc(t, "C");
        c->on("data", [&](const costream::buffer& x) { t.log("C: data ", x.to_string()); });
        c->on("readable", [&] {
            t.log("C: readable flowing=", flowing(c->readable_flowing()));
            while (auto x = c->read())
                t.log("C: read -> ", x->to_string());
        });
        c->on("close", [&] { costream::queue_microtask([&] { t.log("C done"); }); });
    };
    auto run_b = [&] {
        b = make_abc(t, "B");
        b->on("readable", [&] {
            t.log("B: readable");
            while (auto x = b->read())
                t.log("B: read -> ", x->to_string());
            t.log("B: read -> null");
        });
        b->on("close", [&, run_c] {
            costream::queue_microtask([&, run_c] {
                t.log("B done");
                run_c();
            });
        });
    };
    a = make_abc(t, "A");
    a->on("data", [&](const costream::buffer& x) { t.log("A: data ", x.to_string()); });
    a->on("close", [&, run_b] {
        costream::queue_microtask([&, run_b] {
            t.log("A done");
            run_b();
        });
    });
    l.run();
    costream_test::check_node_trace(t, "28_readable_event_order");
}
