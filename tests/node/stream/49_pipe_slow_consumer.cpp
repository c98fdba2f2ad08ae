// Port of shared/node-oracle/scenarios/49_pipe_slow_consumer.js: pipe() from a fast readable
// into a slow writable pauses the source on write()===false, resumes it on 'drain', and ends
// the destination after the source ends; 'pipe'/'unpipe' events.
// Adapted: the JS monkeypatches dst.write to count false returns; here the destination class
// hides write() with a counting one (pipe() calls the destination's static type).
#include <costream/stream/pipe.hpp>

#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"
#include "stream_helpers.hpp"

using namespace stream_test;

namespace {
struct counting_writable : fn_writable<> {
    using fn_writable<>::fn_writable;
    int falses = 0;
    bool write(costream::buffer chunk) {
        bool r = fn_writable<>::write(std::move(chunk));
        if (!r) ++falses;
        return r;
    }
};
} // namespace

TEST_CASE("node oracle 49: pipe pauses a fast source for a slow destination") {
    costream::loop l;
    costream_test::trace t;
    int produced = 0, pauses = 0, resumes = 0, drains = 0;
    std::size_t bytes = 0;
    auto src = cs::make<fn_readable<>>(
        cs::readable_options{.high_water_mark = 16}, [&](fn_readable<>& r, std::size_t) {
            ++produced;
            if (produced <= 32)
                r.push(costream::buffer::alloc(8, std::uint8_t(0x61 + produced % 26)));
            else
                r.push(nullptr);
        });
    auto dst = cs::make<counting_writable>(
        cs::writable_options{.high_water_mark = 16},
        [&](fn_writable<>&, costream::buffer& c, std::optional<costream::encoding>,
            fn_writable<>::write_callback cb) {
            bytes += c.size();
            costream::set_immediate(
                [cb = std::make_shared<fn_writable<>::write_callback>(std::move(cb))] { (*cb)(); });
        });
    src->on("pause", [&] { ++pauses; });
    src->on("resume", [&] { ++resumes; });
    dst->on("drain", [&] { ++drains; });
    cs::stream_base* src_base = src.get();
    dst->on("pipe", [&](cs::stream_base* s) {
        t.log("dest 'pipe' event (source is src: ", b(s == src_base), ")");
    });
    dst->on("unpipe", [&](cs::stream_base* s) {
        t.log("dest 'unpipe' event (source is src: ", b(s == src_base), ")");
    });
    src->on("end", [&] { t.log("src end: bytes written so far=", bytes); });
    dst->on("finish", [&] {
        t.log("dst finish: bytes=", bytes);
        t.log("write()===false: ", dst->falses, ", drain: ", drains, ", src pause events: ", pauses,
              ", resume events: ", resumes);
    });
    src->on("close", [&] { t.log("src close"); });
    dst->on("close", [&] { t.log("dst close"); });
    auto& ret = cs::pipe(*src, *dst);
    t.log("pipe returns destination: ", b(&ret == dst.get()),
          " flowing=", flowing(src->readable_flowing()));
    l.run();
    costream_test::check_node_trace(t, "49_pipe_slow_consumer");
}
