// Port of shared/node-oracle/scenarios/45_transform_multi_push_flush.js: a line-splitting transform
// pushes 0..n lines per input, do_flush pushes the tail; readable 'end' comes before the end
// callback and 'finish'. readableObjectMode is a transform from buffers to std::string objects.
#include <costream/stream/transform.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
std::string json(const std::string& s) {
    std::string out = "\"";
    for (char c : s)
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out + "\"";
}
struct lines : cs::basic_transform<costream::buffer, std::string> {
    costream_test::trace& t;
    std::string tail;
    explicit lines(costream_test::trace& tr)
        : basic_transform(cs::duplex_options{.readable_object_mode = true}), t(tr) {}
    void do_transform(costream::buffer&& chunk, transform_callback cb) override {
        std::string all = tail + chunk.to_string();
        std::vector<std::string> parts;
        std::size_t start = 0;
        for (std::size_t i; (i = all.find('\n', start)) != std::string::npos; start = i + 1)
            parts.push_back(all.substr(start, i - start));
        tail = all.substr(start);
        t.log("_transform ", json(chunk.to_string()), " -> ", parts.size(), " push(es)");
        for (auto& p : parts)
            push(p);
        cb();
    }
    void do_flush(flush_callback cb) override {
        t.log("_flush tail=", json(tail));
        if (!tail.empty()) push(tail);
        cb();
    }
};
} // namespace

TEST_CASE("node oracle 45: transform pushes 0..n chunks per input and flushes the tail") {
    costream::loop l;
    costream_test::trace t;
    auto tr = cs::make<lines>(t);
    tr->on("data", [&](const std::string& line) { t.log("data ", json(line)); });
    for (std::string ev : {"prefinish", "finish", "end", "close"})
        tr->on(ev, [&t, ev] { t.log(ev, " event"); });
    tr->write("a\nb");
    tr->write("c\n\nd\ne");
    tr->write("f");
    tr->end("g", [&](const error_code&) { t.log("end cb"); });
    t.log("sync done");
    l.run();
    costream_test::check_node_trace(t, "45_transform_multi_push_flush");
}
