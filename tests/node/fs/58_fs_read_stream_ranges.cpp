// Port of shared/node-oracle/scenarios/58_fs_read_stream_ranges.js: create_read_stream chunk
// sizes for the default and a custom high_water_mark, inclusive start/end clamped at EOF,
// events open/ready/data/end/close, and start > end rejected with ERR_OUT_OF_RANGE.
// Adapted: the scenarios run one after another from the 'close' of the previous one (the
// JS awaits each); `text` is what 'data' delivered for chunks under 64 bytes, as in the JS.
#include <costream/fs/read_stream.hpp>

#include <costream/fs/sync.hpp>
#include <costream/loop.hpp>

#include "oracle.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fs = costream::fs;

namespace {

std::string join(const std::vector<std::size_t>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i ? "," : "") + std::to_string(v[i]);
    return s;
}

// JSON.stringify of ASCII text (the scenario's texts need no escapes).
std::string json_quoted(const std::string& s) {
    return "\"" + s + "\"";
}

void read_one(costream_test::trace& t, const std::string& tag, const std::string& file,
              const fs::read_stream_options& opts, std::function<void()> next) {
    struct state {
        std::vector<std::size_t> sizes;
        std::vector<std::string> events;
        std::string text;
    };
    auto st = std::make_shared<state>();
    auto rs = fs::create_read_stream(file, opts);
    auto* raw = rs.get();
    auto seen = [st](const char* ev) {
        for (auto& e : st->events)
            if (e == ev) return true;
        return false;
    };
    rs->on("open", [st] { st->events.push_back("open"); });
    rs->on("ready", [st] { st->events.push_back("ready"); });
    if (opts.encoding) {
        rs->on("data", [st, seen](const std::string& c) {
            if (!seen("data")) st->events.push_back("data");
            st->sizes.push_back(c.size());
            if (c.size() < 64) st->text += c;
        });
    } else {
        rs->on("data", [st, seen](const costream::buffer& c) {
            if (!seen("data")) st->events.push_back("data");
            st->sizes.push_back(c.size());
            if (c.size() < 64) st->text += c.to_string();
        });
    }
    rs->on("end", [st] { st->events.push_back("end"); });
    rs->on("close", [st, &t, tag, raw, next] {
        st->events.push_back("close");
        std::string ev;
        for (std::size_t i = 0; i < st->events.size(); ++i)
            ev += (i ? "," : "") + st->events[i];
        t.log(tag, ": chunks=[", join(st->sizes), "] bytesRead=", raw->bytes_read(),
              st->text.empty() ? std::string() : " text=" + json_quoted(st->text), " events=", ev);
        next();
    });
}

} // namespace

TEST_CASE("node oracle 58: read stream chunk sizes, inclusive ranges and events") {
    costream::loop l;
    costream_test::trace t;
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string big = dir + "/big.bin";
    const std::string small = dir + "/small.txt";
    fs::write_file_sync(big, costream::buffer::alloc(200 * 1024, 0x5a));
    fs::write_file_sync(small, "abcdefghijklmnopqrstuvwxyz0123456789");

    struct step {
        std::string tag;
        fs::read_stream_options opts;
        bool use_big;
    };
    std::vector<step> steps;
    steps.push_back({"big default hwm", {}, true});
    steps.push_back({"big hwm=100000", {.high_water_mark = 100000}, true});
    steps.push_back({"small hwm=10", {.high_water_mark = 10}, false});
    steps.push_back({"start=10 end=19", {.start = 10, .end = 19}, false});
    steps.push_back(
        {"start=5 end=50 hwm=16", {.start = 5, .end = 50, .high_water_mark = 16}, false});
    steps.push_back({"start=30", {.start = 30}, false});
    steps.push_back({"start=0 end=0", {.start = 0, .end = 0}, false});
    steps.push_back({"start=40 (past EOF)", {.start = 40}, false});
    steps.push_back({"encoding=hex end=3", {.encoding = costream::encoding::hex, .end = 3}, false});

    std::size_t i = 0;
    std::function<void()> run_next = [&] {
        if (i == steps.size()) {
            try {
                fs::create_read_stream(small, {.start = 10, .end = 5});
            } catch (const costream::range_error& e) {
                t.log("start>end: ", e.node_code());
            }
            fs::rm_sync(dir, {.recursive = true, .force = true});
            return;
        }
        const step& s = steps[i++];
        read_one(t, s.tag, s.use_big ? big : small, s.opts, run_next);
    };
    run_next();
    l.run();
    costream_test::check_node_trace(t, "58_fs_read_stream_ranges");
    CHECK_FALSE(fs::exists_sync(dir));
}
