#include <costream/stream/pipeline.hpp>

#include <costream/abort_signal.hpp>
#include <costream/promise.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/test/event_recorder.hpp>
#include <costream/test/must_call.hpp>
#include <costream/timers.hpp>

#include <doctest/doctest.h>

#include "../../node/stream/stream_helpers.hpp"

using namespace stream_test;
namespace ct = costream::test;

namespace {
cs::ptr<fn_readable<>> source(std::vector<std::string> items, cs::readable_options o = {}) {
    auto i = std::make_shared<std::size_t>(0);
    return cs::make<fn_readable<>>(o, [items, i](fn_readable<>& r, std::size_t) {
        if (*i < items.size())
            r.push(items[(*i)++]);
        else
            r.push(nullptr);
    });
}
cs::ptr<fn_writable<>> sink(std::string& out) {
    return cs::make<fn_writable<>>(cs::writable_options{},
                                   [&out](fn_writable<>&, costream::buffer& c,
                                          std::optional<costream::encoding>,
                                          fn_writable<>::write_callback cb) {
                                       out += c.to_string();
                                       cb();
                                   });
}
} // namespace

TEST_CASE("pipeline of a readable and a writable completes after both closed") {
    costream::loop l;
    std::string out;
    auto src = source({"a", "b"});
    auto dst = sink(out);
    ct::event_recorder rec;
    rec.watch_stream(*src, "src");
    rec.watch_stream(*dst, "dst");
    auto ret = cs::pipeline(src, dst, ct::must_call([&](const error_code& ec) {
                                CHECK(!ec);
                                rec.note("callback");
                            }));
    CHECK(ret == dst);
    l.run();
    CHECK(out == "ab");
    CHECK(src->destroyed());
    CHECK(dst->destroyed());
    CHECK(rec.lines().back() == "callback");
}

TEST_CASE("co_await pipeline with a sink function returns the sink's value") {
    costream::loop l;
    auto src = source({"ab", "cde"});
    using it_t = cs::stage_reader<costream::buffer>;
    auto body = [&]() -> costream::promise<std::size_t> {
        std::size_t n = co_await cs::pipeline(src, [](it_t in) -> costream::promise<std::size_t> {
            std::size_t total = 0;
            while (auto c = co_await in.next())
                total += c->size();
            co_return total;
        });
        co_return n;
    };
    auto p = body();
    l.run();
    CHECK(p.get() == 5);
}
