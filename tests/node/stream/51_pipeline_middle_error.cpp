// Port of shared/node-oracle/scenarios/51_pipeline_middle_error.js: a middle stage fails on the
// 3rd chunk; every stream emits 'error' with that error and 'close', the callback gets it once.
// The Transform is a costream::stream::basic_transform<int> (object mode).
#include <costream/stream/pipeline.hpp>

#include <costream/stream/readable.hpp>
#include <costream/stream/transform.hpp>
#include <costream/stream/writable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
// new Transform({ objectMode: true, transform(n, e, cb) { ... } })
struct failing_transform : cs::basic_transform<int> {
    costream_test::trace* t = nullptr;
    failing_transform() : cs::basic_transform<int>(cs::duplex_options{.object_mode = true}) {}

protected:
    void do_transform(int&& n, transform_callback cb) override {
        if (n == 3) {
            t->log("mid: failing on 3");
            cb(user_error("mid failed"));
            return;
        }
        cb({}, n);
    }
};
std::string errored_msg(const error_code& e) {
    return e ? message(e) : "undefined";
}
} // namespace

TEST_CASE("node oracle 51: a failing middle stage destroys every stream with its error") {
    costream::loop l;
    costream_test::trace t;
    int i = 0;
    auto src = cs::make<fn_readable<int>>(cs::readable_options{.object_mode = true},
                                          [&i](fn_readable<int>& r, std::size_t) {
                                              ++i;
                                              if (i <= 10)
                                                  r.push(i);
                                              else
                                                  r.push(nullptr);
                                          });
    auto mid = cs::make<failing_transform>();
    mid->t = &t;
    std::vector<int> got;
    auto dst =
        cs::make<fn_writable<int>>(cs::writable_options{.object_mode = true},
                                   [&](fn_writable<int>&, int& n, std::optional<costream::encoding>,
                                       fn_writable<int>::write_callback cb) {
                                       got.push_back(n);
                                       cb();
                                   });
    auto tag = [&](costream::event_emitter& s, const char* name) {
        for (const char* ev : {"end", "finish", "close"})
            s.on(ev, [&t, name, ev] { t.log(name, ": ", ev); });
        s.on("error", [&t, name](const error_code& e) {
            t.log(name, ": error event \"", message(e), "\"");
        });
    };
    tag(*src, "src");
    tag(*mid, "mid");
    tag(*dst, "dst");
    cs::pipeline(src, mid, dst, [&](const error_code& err) {
        std::string g;
        for (std::size_t k = 0; k < got.size(); ++k)
            g += (k ? "," : "") + std::to_string(got[k]);
        t.log("callback err=\"", message(err), "\" got=[", g, "]");
        t.log("destroyed: src=", b(src->destroyed()), " mid=", b(mid->destroyed()),
              " dst=", b(dst->destroyed()));
        t.log("errored: src=", errored_msg(src->errored()), " mid=", errored_msg(mid->errored()),
              " dst=", errored_msg(dst->errored()));
    });
    l.run();
    costream_test::check_node_trace(t, "51_pipeline_middle_error");
}
