// Port of shared/node-oracle/scenarios/53_pipeline_promises.js: the promise flavour of pipeline
// (co_await) resolves with nothing or with the sink function's value, and rejects with the
// first error.
// Adapted: Readable.from([...]) is stream::from; the third case's failing Transform is a
// costream::stream::basic_transform in object mode; async generators are transform function stages
// (stage_writer), async sinks are sink functions.
#include <costream/stream/pipeline.hpp>

#include <costream/promise.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/transform.hpp>
#include <costream/stream/writable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
// Readable.from(items)
template <class T>
cs::ptr<cs::basic_readable<T>> from(std::vector<T> items) {
    return cs::from(std::move(items));
}
std::vector<costream::buffer> strs(std::initializer_list<const char*> l) {
    std::vector<costream::buffer> v;
    for (auto s : l)
        v.push_back(costream::buffer::from(s));
    return v;
}
using buf_iter = cs::stage_reader<costream::buffer>;
// new Transform({ objectMode: true, transform(c, e, cb) { cb(new Error(`bad chunk ${c}`)); } })
struct rejecting_transform : cs::transform {
    rejecting_transform() : cs::transform(cs::duplex_options{.object_mode = true}) {}

protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        cb(user_error("bad chunk " + c.to_string()));
    }
};
using int_iter = cs::stage_reader<int>;
} // namespace

TEST_CASE("node oracle 53: stream/promises pipeline resolves or rejects") {
    costream::loop l;
    costream_test::trace t;
    auto main = [&]() -> costream::promise<void> {
        std::vector<std::string> out;
        auto w = cs::make<fn_writable<>>(cs::writable_options{.object_mode = true},
                                         [&](fn_writable<>&, costream::buffer& c,
                                             std::optional<costream::encoding>,
                                             fn_writable<>::write_callback cb) {
                                             out.push_back(c.to_string());
                                             cb();
                                         });
        auto xy = strs({"x", "y"}); // g++ 12: no braced list inside a co_await expression
        co_await cs::pipeline(from(xy), w);
        t.log("resolved value=undefined out=[", out[0], ",", out[1], "]");

        std::vector<int> ints{1, 2, 3};
        int r2 = co_await cs::pipeline(
            from(ints),
            [](int_iter src, cs::stage_writer<int> out) -> costream::promise<void> {
                while (auto n = co_await src.next())
                    co_await out.write(*n * 2);
            },
            [](int_iter src) -> costream::promise<int> {
                int sum = 0;
                while (auto n = co_await src.next())
                    sum += *n;
                co_return sum;
            });
        t.log("resolved with sink return value=", r2);

        try {
            auto w3 = cs::make<fn_writable<>>(cs::writable_options{.object_mode = true});
            auto ab = strs({"a", "b"});
            auto bad = cs::make<rejecting_transform>();
            co_await cs::pipeline(from(ab), bad, w3);
            t.log("unexpected resolve");
        } catch (const boost::system::system_error& e) {
            t.log("rejected: ", message(e.code()));
        }

        auto a = strs({"a"});
        try {
            co_await cs::pipeline(
                from(a),
                [](buf_iter src,
                   cs::stage_writer<costream::buffer> out) -> costream::promise<void> {
                    while (auto x = co_await src.next())
                        co_await out.write(*x);
                    throw boost::system::system_error(user_error("late failure"));
                },
                [&](buf_iter src) -> costream::promise<void> {
                    while (auto x = co_await src.next())
                        t.log("sink saw ", x->to_string());
                });
        } catch (const boost::system::system_error& e) {
            t.log("rejected: ", message(e.code()));
        }
        t.log("all done");
    };
    auto p = main();
    l.run();
    p.get();
    costream_test::check_node_trace(t, "53_pipeline_promises");
}
