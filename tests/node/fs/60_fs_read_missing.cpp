// Port of shared/node-oracle/scenarios/60_fs_read_missing.js: a read stream of a missing
// file emits 'error' (ENOENT, syscall open, errno -2) then 'close', never 'open'/'end';
// read_file and read_file_sync fail with the same code; a write stream into a missing
// directory calls the pending write's callback with ENOENT before its 'error' event.
// Adapted: err.syscall/err.errno come from the stream's errored_info() (the 'error'
// listener receives the error_code) and from the costream::fs::error of read_file.
#include <costream/fs/read_stream.hpp>

#include <costream/fs/async.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/write_stream.hpp>
#include <costream/loop.hpp>

#include "oracle.hpp"

#include <filesystem>
#include <string>

namespace fs = costream::fs;

TEST_CASE("node oracle 60: a missing file gives ENOENT from open, then close") {
    costream::loop l;
    costream_test::trace t;
    const std::string dir = fs::mkdtemp_sync(std::filesystem::temp_directory_path().string() + "/");
    const std::string missing = dir + "/nope.txt";
    auto rs = fs::create_read_stream(missing);
    auto* r = rs.get();
    for (const char* ev : {"open", "ready", "data", "end"})
        rs->on(ev, [&t, ev] { t.log("rs ", ev, " (must not happen)"); });
    rs->on("error", [&t, r](const boost::system::error_code& ec) {
        t.log("rs error: code=", costream::node_code(ec), " syscall=", r->errored_info().syscall,
              " errno=", r->errored_info().errno_value(),
              " destroyed=", r->destroyed() ? "true" : "false");
    });
    costream::stream::ptr<fs::write_stream> keep_ws;
    rs->on("close", [&] {
        t.log("rs close");
        fs::read_file(missing, [&](std::exception_ptr e, costream::buffer) {
            try {
                std::rethrow_exception(e);
            } catch (const fs::error& err) {
                t.log("readFile: code=", err.node_code(), " syscall=", err.syscall());
            }
            try {
                fs::read_file_sync(missing);
            } catch (const fs::error& err) {
                t.log("readFileSync: code=", err.node_code());
            }
            auto ws = fs::create_write_stream(dir + "/no-such-dir/f.txt");
            auto* w = ws.get();
            ws->on("error", [&t, w](const boost::system::error_code& ec) {
                t.log("ws error: code=", costream::node_code(ec),
                      " syscall=", w->errored_info().syscall);
            });
            ws->on("close", [&] {
                t.log("ws close");
                fs::rm_sync(dir, {.recursive = true, .force = true});
            });
            ws->write("x", [&t](const boost::system::error_code& ec) {
                t.log("ws write cb: ", ec ? costream::node_code(ec) : "null");
            });
        });
    });
    t.log("sync end");
    rs.reset();
    l.run();
    costream_test::check_node_trace(t, "60_fs_read_missing");
    CHECK_FALSE(fs::exists_sync(dir));
}
