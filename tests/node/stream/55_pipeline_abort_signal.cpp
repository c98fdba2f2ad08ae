// Port of shared/node-oracle/scenarios/55_pipeline_abort_signal.js: aborting a pipeline through
// its signal destroys every stream with AbortError (ABORT_ERR) and fails it; a pre-aborted
// signal; add_abort_signal with the callback form.
// Readable.from(['a']) is stream::from (object mode; buffer chunks for the buffer writable).
#include <costream/stream/pipeline.hpp>

#include <costream/abort_signal.hpp>
#include <costream/promise.hpp>
#include <costream/stream/add_abort_signal.hpp>
#include <costream/stream/from.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
std::string name_of(const error_code& e) {
    return e == costream::errc::abort_err ? "AbortError" : "Error";
}
} // namespace

TEST_CASE("node oracle 55: aborting a pipeline through a signal") {
    costream::loop l;
    costream_test::trace t;
    auto main = [&]() -> costream::promise<void> {
        auto n = std::make_shared<int>(0);
        int got = 0;
        costream::abort_controller ac;
        cs::readable_options ro;
        ro.object_mode = true;
        auto src = cs::make<fn_readable<int>>(ro, [&](fn_readable<int>& r, std::size_t) {
            ++*n;
            // A pending timer keeps the stream (as Node's closure does) and the counter.
            costream::set_timeout([rp = cs::ptr<fn_readable<int>>(&r), n] { rp->push(*n); }, 2);
        });
        auto dst = cs::make<fn_writable<int>>(cs::writable_options{.object_mode = true},
                                              [&](fn_writable<int>&, int&,
                                                  std::optional<costream::encoding>,
                                                  fn_writable<int>::write_callback cb) {
                                                  ++got;
                                                  if (got == 3)
                                                      costream::set_immediate([&] {
                                                          t.log("aborting");
                                                          ac.abort();
                                                      });
                                                  cb();
                                              });
        src->on("close", [&] { t.log("src close (destroyed=", b(src->destroyed()), ")"); });
        src->on("error", [&](const error_code& e) { t.log("src error event ", name_of(e)); });
        dst->on("close", [&] { t.log("dst close (destroyed=", b(dst->destroyed()), ")"); });
        dst->on("error", [&](const error_code& e) { t.log("dst error event ", name_of(e)); });
        dst->on("finish", [&] { t.log("dst finish (must not happen)"); });
        try {
            cs::pipeline_options po;
            po.signal = ac.signal();
            co_await cs::pipeline(src, dst, po);
            t.log("unexpected resolve");
        } catch (const boost::system::system_error& err) {
            t.log("rejected: name=", name_of(err.code()), " code=", costream::node_code(err.code()),
                  " message=\"", message(err.code()), "\" got=", got);
        }

        costream::abort_controller ac2;
        ac2.abort();
        try {
            std::vector<std::string> a{"a"};
            auto r = cs::from<costream::buffer>(std::move(a));
            auto w = cs::make<fn_writable<>>(cs::writable_options{.object_mode = true});
            cs::pipeline_options po2;
            po2.signal = ac2.signal();
            co_await cs::pipeline(r, w, po2);
        } catch (const boost::system::system_error& e2) {
            t.log("pre-aborted signal: name=", name_of(e2.code()),
                  " code=", costream::node_code(e2.code()));
        }

        costream::abort_controller ac3;
        auto r3 =
            cs::make<fn_readable<>>(cs::readable_options{}, [](fn_readable<>&, std::size_t) {});
        cs::add_abort_signal(ac3.signal(), *r3);
        auto w3 = cs::make<fn_writable<>>();
        cs::pipeline(r3, w3, [&](const error_code& err) {
            t.log("callback pipeline + addAbortSignal: ", name_of(err), " ",
                  costream::node_code(err));
        });
        costream::set_immediate([ac3]() mutable { ac3.abort(); });
    };
    auto p = main();
    l.run();
    p.get();
    costream_test::check_node_trace(t, "55_pipeline_abort_signal");
}
