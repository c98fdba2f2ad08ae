// Port of shared/node-oracle/scenarios/34_readable_async_iter_break.js: leaving a for-await
// loop (break, or an exception from the body) destroys the stream with an AbortError that is
// emitted as 'error' before 'close'; a stream error makes the loop throw. for-await is
// basic_readable::iterate(): the iterator's destructor is Node's iterator.return().
#include <costream/stream/readable.hpp>

#include <costream/promise.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

#include <boost/system/system_error.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace stream_test;

namespace {

using counter_t = fn_readable<int>;

// function counter(tag, failAt): object-mode readable of 1..5 that destroys itself with
// `boom at ${i}` when i === failAt, logging _destroy and its events.
cs::ptr<counter_t> counter(costream_test::trace& t, std::string tag, int fail_at = 0) {
    auto i = std::make_shared<int>(0);
    auto r = cs::make<counter_t>(
        cs::readable_options{.object_mode = true},
        [i, fail_at](counter_t& s, std::size_t) {
            ++*i;
            if (*i == fail_at)
                s.destroy(user_error("boom at " + std::to_string(*i)));
            else if (*i <= 5)
                s.push(*i);
            else
                s.push(nullptr);
        },
        [&t, tag](counter_t&, const error_code& err, cs::stream_base::destroy_callback cb) {
            t.log(tag, ": _destroy err=", err ? message(err) : "null");
            cb(err);
        });
    for (const char* ev : {"end", "close"})
        r->on(ev, [&t, tag, ev] { t.log(tag, ": ", ev, " event"); });
    r->on("error",
          [&t, tag](const error_code& e) { t.log(tag, ": error event ", name_message(e)); });
    return r;
}

// await new Promise((r) => setImmediate(r))
costream::promise<> next_immediate() {
    auto r = costream::with_resolvers<void>();
    costream::set_immediate([res = r.resolve]() mutable { res(); });
    return r.promise;
}

costream::promise<> scenario(costream_test::trace& t) {
    auto a = counter(t, "break");
    {
        auto it = a->iterate();
        while (true) {
            auto x = co_await it.next();
            if (!x) break;
            t.log("break: got ", *x);
            if (*x == 2) break;
        }
    }
    t.log("break: after loop destroyed=", b(a->destroyed()),
          " readableEnded=", b(a->readable_ended()));
    co_await next_immediate();

    auto bs = counter(t, "error", 3);
    try {
        auto it = bs->iterate();
        while (true) {
            auto x = co_await it.next();
            if (!x) break;
            t.log("error: got ", *x);
        }
    } catch (const boost::system::system_error& e) {
        t.log("error: loop threw \"", message(e.code()), "\" destroyed=", b(bs->destroyed()));
    }
    co_await next_immediate();

    auto c = counter(t, "full");
    std::string seen;
    {
        auto it = c->iterate();
        while (true) {
            auto x = co_await it.next();
            if (!x) break;
            seen += (seen.empty() ? "" : ",") + std::to_string(*x);
        }
    }
    t.log("full: got [", seen, "] destroyed=", b(c->destroyed()),
          " readableEnded=", b(c->readable_ended()));
    co_await next_immediate();

    auto d = counter(t, "throw-in-body");
    try {
        auto it = d->iterate();
        while (true) {
            auto x = co_await it.next();
            if (!x) break;
            if (*x == 1) throw std::runtime_error("body threw");
        }
    } catch (const std::runtime_error& e) {
        t.log("throw-in-body: caught \"", e.what(), "\" destroyed=", b(d->destroyed()));
    }
}

} // namespace

TEST_CASE("node oracle 34: leaving for-await destroys with AbortError, a stream error throws") {
    costream::loop l;
    costream_test::trace t;
    auto p = scenario(t);
    l.run();
    CHECK(p.is_fulfilled());
    costream_test::check_node_trace(t, "34_readable_async_iter_break");
}
