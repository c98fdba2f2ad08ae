// Port of shared/node-oracle/scenarios/47_passthrough.js: pass_through forwards chunks unchanged
// (bytes coalesce in read(), objects stay separate); the writable side buffers once the readable
// side is full. JS objects are modelled by std::string chunks holding their JSON.
#include <costream/stream/pass_through.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

TEST_CASE("node oracle 47: pass_through forwards chunks and buffers at high_water_mark") {
    costream::loop l;
    costream_test::trace t;
    auto p = cs::make<cs::pass_through>();
    cs::ptr<cs::basic_pass_through<std::string>> o;
    bool wa = p->write("a");
    bool wbc = p->write("bc");
    t.log("write a -> ", b(wa), " write bc -> ", b(wbc));
    t.log("readableLength=", p->readable_length(), " writableLength=", p->writable_length());
    auto got = p->read();
    t.log("read() -> \"", got ? got->to_string() : "null", "\"");
    p->on("finish", [&] { t.log("finish"); });
    p->on("end", [&] { t.log("end"); });
    p->on("close", [&] {
        t.log("close");
        o = cs::make<cs::basic_pass_through<std::string>>(cs::duplex_options{.object_mode = true});
        o->write("{\"x\":1}");
        o->write("\"s\"");
        o->end("7");
        o->on("data", [&](const std::string& v) { t.log("objectMode data ", v); });
        o->on("end", [&] { t.log("objectMode end"); });
    });
    p->end("d");
    p->on("data", [&](const costream::buffer& c) { t.log("data \"", c.to_string(), "\""); });
    auto small = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 4});
    std::string rets;
    for (int i = 0; i < 4; ++i)
        rets += std::string(i ? "," : "") + b(small->write("xx"));
    t.log("hwm=4 write returns: ", rets, " readableLength=", small->readable_length(),
          " writableLength=", small->writable_length());
    l.run();
    costream_test::check_node_trace(t, "47_passthrough");
}
