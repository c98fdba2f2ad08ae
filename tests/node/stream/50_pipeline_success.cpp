// Port of shared/node-oracle/scenarios/50_pipeline_success.js: pipeline(src, transform, dst, cb)
// calls cb(no error) after dst 'finish' and every stream's 'close'; all streams end destroyed.
// Readable.from([...], { objectMode: false }) is stream::from<costream::buffer>(..., {.object_mode
// = false}), the Transform a costream::stream::transform.
#include <costream/stream/pipeline.hpp>

#include <costream/stream/from.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/transform.hpp>
#include <costream/stream/writable.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

#include <cctype>

using namespace stream_test;

namespace {
// new Transform({ transform(c, e, cb) { cb(null, String(c).toUpperCase()); } })
struct upper_transform : cs::transform {
protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        std::string s = c.to_string();
        for (auto& ch : s)
            ch = char(std::toupper(static_cast<unsigned char>(ch)));
        cb({}, costream::buffer::from(s));
    }
};
} // namespace

TEST_CASE("node oracle 50: a successful callback pipeline destroys every stream") {
    costream::loop l;
    costream_test::trace t;
    std::vector<std::string> items{"a", "b", "c"};
    auto src = cs::from<costream::buffer>(items, cs::from_options{.object_mode = false});
    auto up = cs::make<upper_transform>();
    std::string out;
    auto dst =
        cs::make<fn_writable<>>(cs::writable_options{}, [&](fn_writable<>&, costream::buffer& c,
                                                            std::optional<costream::encoding>,
                                                            fn_writable<>::write_callback cb) {
            out += c.to_string();
            cb();
        });
    auto tag = [&](costream::event_emitter& s, const char* name) {
        for (const char* ev : {"end", "finish", "close"})
            s.on(ev, [&t, name, ev] { t.log(name, ": ", ev); });
    };
    tag(*src, "src");
    tag(*up, "upper");
    tag(*dst, "dst");
    auto ret = cs::pipeline(src, up, dst, [&](const error_code& err) {
        t.log("pipeline callback err=", err ? message(err) : "undefined", " out=", out);
        t.log("destroyed: src=", b(src->destroyed()), " upper=", b(up->destroyed()),
              " dst=", b(dst->destroyed()));
    });
    t.log("pipeline returns last stream: ", b(ret == dst));
    l.run();
    costream_test::check_node_trace(t, "50_pipeline_success");
}
