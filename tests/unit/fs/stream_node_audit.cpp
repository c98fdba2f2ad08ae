// fs::read_stream and fs::write_stream audited against node v20.20.2 (lib/internal/fs/
// streams.js): option checks, events and their order, accessors at each step, exact byte
// ranges and read counts, close() and close(cb), autoClose/emitClose, destroy() while the
// open is pending, write after end, writev batching, a failing close, EAGAIN. Each case
// names the Node behaviour it checks and carries the JS it was compared with and node's
// output. Read and write counts come from fs::fault_injection, which counts calls as the JS
// counts them through the `fs` option (costream has no `fs` option; see docs/fs.md).
#include <costream/fs/read_stream.hpp>

#include <costream/abort_signal.hpp>
#include <costream/error.hpp>
#include <costream/fs/fault_injection.hpp>
#include <costream/fs/sync.hpp>
#include <costream/fs/write_stream.hpp>
#include <costream/loop.hpp>

#include "fs_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = costream::fs;
using fs_test::raw;
using fs_test::temp_dir;

namespace {

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& e : v)
        s += (s.empty() ? "" : " ") + e;
    return s;
}

// node: `${tag} fd=${fd === null ? 'null' : typeof fd} pending=.. bytes=.. destroyed=..
// closed=..` (bytesRead or bytesWritten)
template <class S>
std::string state(const std::string& tag, const S& s, std::uint64_t bytes) {
    return tag + " fd=" + (s.fd() < 0 ? "null" : "number") +
           " pending=" + (s.pending() ? "true" : "false") + " bytes=" + std::to_string(bytes) +
           " destroyed=" + (s.destroyed() ? "true" : "false") +
           " closed=" + (s.closed() ? "true" : "false");
}
std::string state(const std::string& tag, const fs::read_stream& s) {
    return state(tag, s, s.bytes_read());
}
std::string state(const std::string& tag, const fs::write_stream& s) {
    return state(tag, s, s.bytes_written());
}

std::string code(const boost::system::error_code& ec) {
    return ec ? std::string(costream::node_code(ec)) : "undefined";
}

std::string range_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const costream::range_error& e) {
        return e.what();
    }
    return "no throw";
}

} // namespace

// node: fs.createReadStream(f, {start, end}) with start > end:
//   {start: 1e10, end: 5}   -> The value of "start" is out of range. It must be <= "end"
//                              (here: 5). Received 10_000_000_000
//   {start: 6e9, end: 5e9}  -> ... It must be <= "end" (here: 5000000000). Received 6_000_000_000
//   {start: 10, end: 5}     -> ... (here: 5). Received 10
TEST_CASE("start > end quotes start as Node's ERR_OUT_OF_RANGE does, digits grouped above 2**32") {
    costream::loop l;
    temp_dir dir;
    const std::string head = "RangeError [ERR_OUT_OF_RANGE]: The value of \"start\" is out of "
                             "range. It must be <= \"end\" ";
    CHECK(range_message([&] {
              fs::create_read_stream(dir / "f", {.start = 10'000'000'000, .end = 5});
          }) == head + "(here: 5). Received 10_000_000_000");
    CHECK(range_message([&] {
              fs::create_read_stream(dir / "f", {.start = 6'000'000'000, .end = 5'000'000'000});
          }) == head + "(here: 5000000000). Received 6_000_000_000");
    CHECK(range_message([&] { fs::create_read_stream(dir / "f", {.start = 10, .end = 5}); }) ==
          head + "(here: 5). Received 10");
    // node: {start: -1, end: -2} -> "start" ... >= 0 && <= 9007199254740991. Received -1
    // (start is checked first); {start: 5, end: -1} -> "end" ... Received -1; {end: -1, fd: -1}
    // -> "fd" ... >= 0 && <= 2147483647. Received -1 (the fd first of all)
    const std::string safe = "is out of range. It must be >= 0 && <= 9007199254740991. Received -1";
    CHECK(range_message([&] { fs::create_read_stream(dir / "f", {.start = -1, .end = -2}); }) ==
          "RangeError [ERR_OUT_OF_RANGE]: The value of \"start\" " + safe);
    CHECK(range_message([&] { fs::create_read_stream(dir / "f", {.start = 5, .end = -1}); }) ==
          "RangeError [ERR_OUT_OF_RANGE]: The value of \"end\" " + safe);
    CHECK(range_message([&] { fs::create_read_stream("", {.fd = -1, .end = -1}); }) ==
          "RangeError [ERR_OUT_OF_RANGE]: The value of \"fd\" is out of range. It must be >= 0 "
          "&& <= 2147483647. Received -1");
    l.run();
}

// node:
//   const ws = fs.createWriteStream(P, {highWaterMark: 4});  (events open finish close error)
//   ws.write('x'.repeat(100)); ws.write('y'.repeat(100)); ws.end('z');
//   ws.close((e) => log('close cb', e && e.code, 'size', fs.statSync(P).size));
// -> open(fd) finish close | close cb undefined size 201
TEST_CASE("WriteStream.close() after end() waits for the buffered writes: it ends, never "
          "destroys") {
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "a", {.high_water_mark = 4});
    ws->on("open", [&](int) { ev.push_back("open"); });
    for (const char* e : {"finish", "close"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    ws->on("error",
           [&](const boost::system::error_code& ec) { ev.push_back("error " + code(ec)); });
    ws->write(std::string(100, 'x'));
    ws->write(std::string(100, 'y'));
    ws->end("z");
    ws->close([&] {
        ev.push_back("close cb size " + std::to_string(fs::read_file_sync(dir / "a").size()));
    });
    l.run();
    CHECK(join(ev) == "open finish close close cb size 201");
}

// node:
//   const ws = fs.createWriteStream(P, {autoClose: false}); ws.write('hello');
//   ws.close((e) => log('close cb', e && e.code, 'fd', ws.fd, 'destroyed', ws.destroyed));
// -> open finish close | close cb undefined fd null destroyed true
//   and with end() first: ws.end('e'); ws.close(cb) -> finish close | close cb undefined
TEST_CASE("WriteStream.close() with autoClose false destroys the stream at 'finish'") {
    temp_dir dir;
    for (bool end_first : {false, true}) {
        costream::loop l;
        std::vector<std::string> ev;
        int fd = -1;
        auto ws = fs::create_write_stream(dir / "b", {.auto_close = false});
        auto* w = ws.get();
        ws->on("open", [&](int f) {
            fd = f;
            ev.push_back("open");
        });
        for (const char* e : {"finish", "close"})
            ws->on(e, [&ev, e] { ev.push_back(e); });
        if (end_first)
            ws->end("hello");
        else
            ws->write("hello");
        ws->close([&] {
            ev.push_back(std::string("close cb fd ") + (w->fd() < 0 ? "null" : "number") +
                         " destroyed " + (w->destroyed() ? "true" : "false"));
        });
        l.run();
        CAPTURE(end_first);
        CHECK(join(ev) == "open finish close close cb fd null destroyed true");
        CHECK_FALSE(fs_test::fd_is_open(fd));
        CHECK(fs::read_file_sync(dir / "b", costream::encoding::utf8) == "hello");
    }
}

// node:
//   ws.end('c'); ws.on('close', () => { let sync = true;
//     ws.close((e) => log('close cb after close, sync=', sync, 'arg', e)); sync = false; });
// -> close cb after close, sync= false arg undefined
//   and two close(cb) calls on a fresh stream: cb1 cb2
TEST_CASE("WriteStream.close(cb) on a closed stream calls cb on the next tick, and two calls both "
          "run") {
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "c");
    auto* w = ws.get();
    ws->end("c");
    ws->on("close", [&] {
        bool sync = true;
        w->close([&] { ev.push_back(std::string("late cb sync=") + (sync ? "true" : "false")); });
        sync = false;
    });
    l.run();
    auto ws2 = fs::create_write_stream(dir / "f");
    ws2->close([&] { ev.push_back("cb1"); });
    ws2->close([&] { ev.push_back("cb2"); });
    l.run();
    CHECK(join(ev) == "late cb sync=false cb1 cb2");
}

// node:
//   const rs = fs.createReadStream(P /* 200000 bytes */);
//   rs.once('data', () => rs.close((e) => log('close cb', e && e.code, rs.bytesRead)));
// -> open close | close cb ERR_STREAM_PREMATURE_CLOSE 65536
//   rs.close(cb) before the open        -> open ready close | cb ERR_STREAM_PREMATURE_CLOSE
//   rs.close(cb) in 'end'               -> cb undefined
//   rs.close(cb) after 'close'          -> cb undefined
// (ReadStream.prototype.close: if (typeof cb === 'function') finished(this, cb))
TEST_CASE("ReadStream.close(cb) reports through finished(): premature close before the end") {
    temp_dir dir;
    fs::write_file_sync(dir / "h", std::string(200000, 'x'));
    fs::write_file_sync(dir / "j", "abc");
    costream::loop l;
    std::vector<std::string> ev;
    auto mid = fs::create_read_stream(dir / "h");
    auto* m = mid.get();
    mid->once("data", [&](const costream::buffer&) {
        m->close([&](const boost::system::error_code& ec) {
            ev.push_back("mid " + code(ec) + " " + std::to_string(m->bytes_read()));
        });
    });
    auto early = fs::create_read_stream(dir / "j");
    for (const char* e : {"open", "ready", "close"})
        early->on(e, [&ev, e] { ev.push_back(std::string("early ") + e); });
    early->close(
        [&](const boost::system::error_code& ec) { ev.push_back("early cb " + code(ec)); });
    auto at_end = fs::create_read_stream(dir / "j");
    auto* a = at_end.get();
    at_end->resume();
    at_end->on("end", [&] {
        a->close([&](const boost::system::error_code& ec) { ev.push_back("end cb " + code(ec)); });
    });
    auto after = fs::create_read_stream(dir / "j");
    auto* af = after.get();
    after->resume();
    after->on("close", [&] {
        af->close(
            [&](const boost::system::error_code& ec) { ev.push_back("late cb " + code(ec)); });
    });
    l.run();
    const std::string all = join(ev);
    CHECK(all.find("mid ERR_STREAM_PREMATURE_CLOSE 65536") != std::string::npos);
    CHECK(all.find("early open early ready early close early cb ERR_STREAM_PREMATURE_CLOSE") !=
          std::string::npos);
    CHECK(all.find("end cb undefined") != std::string::npos);
    CHECK(all.find("late cb undefined") != std::string::npos);
}

// node (accessors at each step, fs.writeFileSync(P, 'x'.repeat(10))):
//   const rs = fs.createReadStream(P, {highWaterMark: 4}); log(st('sync', rs), rs.path === P)
// -> sync fd=null pending=true bytes=0 destroyed=false closed=false path true
//    open fd=number pending=false bytes=0 destroyed=false closed=false
//    ready fd=number pending=false bytes=0 destroyed=false closed=false
//    data 4 fd=number pending=false bytes=4 destroyed=false closed=false
//    data 4 ... bytes=8 ... / data 2 ... bytes=10 ...
//    end fd=number pending=false bytes=10 destroyed=false closed=false
//    close fd=null pending=true bytes=10 destroyed=true closed=true
TEST_CASE("ReadStream fd, pending, bytesRead, destroyed and closed at each event are Node's") {
    temp_dir dir;
    fs::write_file_sync(dir / "a", std::string(10, 'x'));
    costream::loop l;
    std::vector<std::string> ev;
    auto rs = fs::create_read_stream(dir / "a", {.high_water_mark = 4});
    auto* r = rs.get();
    ev.push_back(state("sync", *r) + " path " + (r->path() == dir / "a" ? "true" : "false"));
    rs->on("open", [&](int) { ev.push_back(state("open", *r)); });
    rs->on("ready", [&] { ev.push_back(state("ready", *r)); });
    rs->on("data", [&](const costream::buffer& b) {
        ev.push_back(state("data " + std::to_string(b.size()), *r));
    });
    rs->on("end", [&] { ev.push_back(state("end", *r)); });
    rs->on("close", [&] { ev.push_back(state("close", *r)); });
    l.run();
    const char* want[] = {
        "sync fd=null pending=true bytes=0 destroyed=false closed=false path true",
        "open fd=number pending=false bytes=0 destroyed=false closed=false",
        "ready fd=number pending=false bytes=0 destroyed=false closed=false",
        "data 4 fd=number pending=false bytes=4 destroyed=false closed=false",
        "data 4 fd=number pending=false bytes=8 destroyed=false closed=false",
        "data 2 fd=number pending=false bytes=10 destroyed=false closed=false",
        "end fd=number pending=false bytes=10 destroyed=false closed=false",
        "close fd=null pending=true bytes=10 destroyed=true closed=true"};
    REQUIRE(ev.size() == std::size(want));
    for (std::size_t i = 0; i < ev.size(); ++i)
        CHECK(ev[i] == want[i]);
}

// node: const ws = fs.createWriteStream(P); log(st('sync', ws)); ws.end(); (each event)
// -> sync fd=null pending=true bytes=0 destroyed=false closed=false
//    open/ready/prefinish/finish fd=number pending=false bytes=0 destroyed=false closed=false
//    close fd=null pending=true bytes=0 destroyed=true closed=true
TEST_CASE("WriteStream accessors at each event of end() without writes are Node's") {
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "g");
    auto* w = ws.get();
    ev.push_back(state("sync", *w));
    ws->on("open", [&](int) { ev.push_back(state("open", *w)); });
    for (const char* e : {"ready", "prefinish", "finish", "close"})
        ws->on(e, [&ev, w, e] { ev.push_back(state(e, *w)); });
    ws->end();
    l.run();
    const std::string live = " fd=number pending=false bytes=0 destroyed=false closed=false";
    CHECK(join(ev) == "sync fd=null pending=true bytes=0 destroyed=false closed=false open" + live +
                          " ready" + live + " prefinish" + live + " finish" + live +
                          " close fd=null pending=true bytes=0 destroyed=true closed=true");
}

// node:
//   rs of a missing path: error ENOENT open (path) fd=null pending=true bytes=0
//     destroyed=true closed=true, errno -2, then close
//   rs of a directory (resumed): open ready, error EISDIR read path=undefined destroyed=true
//     closed=true, close
//   ws of a directory, ws.write('x', cb): write cb EISDIR, error EISDIR open destroyed=true
//     closed=true, close
TEST_CASE("open and read failures: 'error' sees destroyed and closed already true, as Node") {
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto missing = fs::create_read_stream(dir / "missing");
    auto* m = missing.get();
    missing->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back(state("B error " + code(ec) + " " + m->errored_info().syscall, *m) +
                     " errno " + std::to_string(-ec.value()));
    });
    missing->on("close", [&] { ev.push_back(state("B close", *m)); });
    l.run();
    CHECK(join(ev) == "B error ENOENT open fd=null pending=true bytes=0 destroyed=true "
                      "closed=true errno -2 B close fd=null pending=true bytes=0 destroyed=true "
                      "closed=true");
    ev.clear();
    auto dirrs = fs::create_read_stream(dir.path);
    auto* d = dirrs.get();
    dirrs->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back(state("C error " + code(ec) + " " + d->errored_info().syscall +
                               " path=" + (d->errored_info().path.empty() ? "undefined" : "?"),
                           *d));
    });
    dirrs->resume();
    auto dirws = fs::create_write_stream(dir.path);
    auto* dw = dirws.get();
    dirws->write(
        "x", [&](const boost::system::error_code& ec) { ev.push_back("D write cb " + code(ec)); });
    dirws->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back(state("D error " + code(ec) + " " + dw->errored_info().syscall, *dw));
    });
    l.run();
    const std::string all = join(ev);
    CHECK(all.find("C error EISDIR read path=undefined fd=null pending=true bytes=0 "
                   "destroyed=true closed=true") != std::string::npos);
    CHECK(all.find("D write cb EISDIR D error EISDIR open fd=null pending=true bytes=0 "
                   "destroyed=true closed=true") != std::string::npos);
}

// node: fds = fs.readdirSync('/proc/self/fd').length
//   rs = fs.createReadStream(P); rs.destroy(); log(st('after destroy', rs))
// -> after destroy fd=null pending=true bytes=0 destroyed=true closed=false
//    open ready close(fd=null pending=true destroyed=true closed=true) fds delta 0
//   the same with fs.createWriteStream(P2): open ready close, fds delta 0 (P2 created)
//   rs.destroy(new Error('boom')) before the open: open ready error boom close
TEST_CASE("destroy() while the open is pending: 'open' and 'ready' still come, the fd is "
          "closed") {
    temp_dir dir;
    fs::write_file_sync(dir / "e", "abc");
    costream::loop l;
    const std::size_t before = fs_test::open_fd_count();
    std::vector<std::string> ev;
    auto rs = fs::create_read_stream(dir / "e");
    auto* r = rs.get();
    rs->on("open", [&](int) { ev.push_back("E open"); });
    rs->on("ready", [&] { ev.push_back("E ready"); });
    rs->on("data", [&](const costream::buffer&) { ev.push_back("E data"); });
    rs->on("close", [&] { ev.push_back(state("E close", *r)); });
    rs->destroy();
    ev.push_back(state("E after destroy", *r));
    l.run();
    CHECK(join(ev) == "E after destroy fd=null pending=true bytes=0 destroyed=true closed=false "
                      "E open E ready E close fd=null pending=true bytes=0 destroyed=true "
                      "closed=true");
    CHECK(fs_test::open_fd_count() == before);

    ev.clear();
    auto ws = fs::create_write_stream(dir / "e2");
    auto* w = ws.get();
    ws->on("open", [&](int) { ev.push_back("E2 open"); });
    for (const char* e : {"ready", "finish"})
        ws->on(e, [&ev, e] { ev.push_back(std::string("E2 ") + e); });
    ws->on("close", [&] { ev.push_back(state("E2 close", *w)); });
    ws->destroy();
    ev.push_back(state("E2 after destroy", *w));
    l.run();
    CHECK(join(ev) == "E2 after destroy fd=null pending=true bytes=0 destroyed=true closed=false "
                      "E2 open E2 ready E2 close fd=null pending=true bytes=0 destroyed=true "
                      "closed=true");
    CHECK(fs::exists_sync(dir / "e2"));
    CHECK(fs_test::open_fd_count() == before);

    ev.clear();
    auto rs3 = fs::create_read_stream(dir / "e");
    for (const char* e : {"open", "ready", "end", "close"})
        rs3->on(e, [&ev, e] { ev.push_back(std::string("E3 ") + e); });
    rs3->on("error",
            [&](const boost::system::error_code& ec) { ev.push_back("E3 error " + code(ec)); });
    rs3->destroy(make_error_code(costream::errc::abort_err));
    l.run();
    CHECK(join(ev) == "E3 open E3 ready E3 error ABORT_ERR E3 close");
    CHECK(fs_test::open_fd_count() == before);
}

// node:
//   ws.end('a'); const r = ws.write('b', (e) => log('write cb', e && e.code));
// -> write returned false, write cb ERR_STREAM_WRITE_AFTER_END, open, ready,
//    error ERR_STREAM_WRITE_AFTER_END (destroyed=true closed=true), close, content ""
TEST_CASE("write after end: false, the callback, then open, ready, 'error' and 'close', nothing "
          "written") {
    temp_dir dir;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "h");
    auto* w = ws.get();
    ws->on("open", [&](int) { ev.push_back("open"); });
    for (const char* e : {"ready", "finish"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    ws->end("a");
    const bool r = ws->write(
        "b", [&](const boost::system::error_code& ec) { ev.push_back("write cb " + code(ec)); });
    ev.push_back(std::string("write returned ") + (r ? "true" : "false"));
    ws->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back(state("error " + code(ec), *w));
    });
    ws->on("close", [&] {
        ev.push_back(state("close", *w) + " content '" +
                     fs::read_file_sync(dir / "h", costream::encoding::utf8) + "'");
    });
    l.run();
    CHECK(join(ev) ==
          "write returned false write cb ERR_STREAM_WRITE_AFTER_END open ready error "
          "ERR_STREAM_WRITE_AFTER_END fd=null pending=true bytes=0 destroyed=true closed=true "
          "close fd=null pending=true bytes=0 destroyed=true closed=true content ''");
}

// node: emitClose false: rs (resumed): end, no 'close', later fd=null pending=true bytes=3
//   destroyed=true closed=true; ws.end('x'): finish, no 'close', later fd=null ... bytes=1
//   destroyed=true closed=true
TEST_CASE("emitClose false: the descriptor is still closed, 'close' is not emitted") {
    temp_dir dir;
    fs::write_file_sync(dir / "i", "abc");
    costream::loop l;
    std::vector<std::string> ev;
    auto rs = fs::create_read_stream(dir / "i", {.emit_close = false});
    int rfd = -1, wfd = -1;
    rs->on("open", [&](int f) { rfd = f; });
    rs->on("close", [&] { ev.push_back("I close!"); });
    rs->on("end", [&] { ev.push_back("I end"); });
    rs->resume();
    auto ws = fs::create_write_stream(dir / "j", {.emit_close = false});
    ws->on("open", [&](int f) { wfd = f; });
    ws->on("close", [&] { ev.push_back("J close!"); });
    ws->on("finish", [&] { ev.push_back("J finish"); });
    ws->end("x");
    l.run();
    ev.push_back(state("I later", *rs));
    ev.push_back(state("J later", *ws));
    // (the two streams run at once here: their relative order is the pool's)
    const std::string all = join(ev);
    CHECK(all.find("close!") == std::string::npos);
    CHECK(all.find("I end") != std::string::npos);
    CHECK(all.find("J finish") != std::string::npos);
    CHECK(all.find("I later fd=null pending=true bytes=3 destroyed=true closed=true J later "
                   "fd=null pending=true bytes=1 destroyed=true closed=true") != std::string::npos);
    CHECK_FALSE(fs_test::fd_is_open(rfd));
    CHECK_FALSE(fs_test::fd_is_open(wfd));
}

// node: autoClose false
//   rs (resumed) of a 3-byte file: end, no 'close'; later fd=number pending=false bytes=3
//     destroyed=false closed=false, fds delta 1; rs.destroy() -> close, fd=null, fds delta 0
//   rs of a missing path: error ENOENT with destroyed=false closed=false, no 'close'
//   rs of a directory (resumed): error EISDIR destroyed=false (fd still set), no 'close',
//     fds delta 1; destroy() -> close, fd null, fds delta 0
//   ws.end('d'): finish; later fd open, destroyed=false closed=false; destroy() -> close
TEST_CASE("autoClose false: no destroy after 'end', 'finish' or an error, the fd stays open") {
    temp_dir dir;
    fs::write_file_sync(dir / "i", "abc");
    costream::loop l;
    const std::size_t before = fs_test::open_fd_count();
    std::vector<std::string> ev;
    auto rs = fs::create_read_stream(dir / "i", {.auto_close = false});
    rs->on("close", [&] { ev.push_back("K close!"); });
    rs->on("end", [&] { ev.push_back("K end"); });
    rs->resume();
    auto missing = fs::create_read_stream(dir / "nope", {.auto_close = false});
    auto* m = missing.get();
    missing->on("close", [&] { ev.push_back("L close!"); });
    missing->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back(state("L error " + code(ec), *m));
    });
    auto dirrs = fs::create_read_stream(dir.path, {.auto_close = false});
    auto* d = dirrs.get();
    dirrs->on("close", [&] { ev.push_back("M close!"); });
    dirrs->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back(state("M error " + code(ec), *d));
    });
    dirrs->resume();
    auto ws = fs::create_write_stream(dir / "d", {.auto_close = false});
    ws->on("close", [&] { ev.push_back("D close!"); });
    ws->on("finish", [&] { ev.push_back("D finish"); });
    ws->end("d");
    l.run();
    const std::string all = join(ev);
    CHECK(all.find("close!") == std::string::npos);
    CHECK(all.find("K end") != std::string::npos);
    CHECK(all.find("L error ENOENT fd=null pending=true bytes=0 destroyed=false closed=false") !=
          std::string::npos);
    CHECK(all.find("M error EISDIR fd=number pending=false bytes=0 destroyed=false "
                   "closed=false") != std::string::npos);
    CHECK(all.find("D finish") != std::string::npos);
    CHECK(state("K later", *rs) ==
          "K later fd=number pending=false bytes=3 destroyed=false closed=false");
    CHECK(state("D later", *ws) ==
          "D later fd=number pending=false bytes=1 destroyed=false closed=false");
    CHECK(fs_test::open_fd_count() == before + 3);
    ev.clear();
    rs->destroy();
    dirrs->destroy();
    ws->destroy();
    l.run();
    std::sort(ev.begin(), ev.end()); // three closes on the pool: any order
    CHECK(join(ev) == "D close! K close! M close!");
    CHECK(fs_test::open_fd_count() == before);
    CHECK(rs->fd() == -1);
}

// node (read counts through the `fs` option's read):
//   16-byte file, {highWaterMark: 16}           -> chunks 16, reads 2 (the second reads 0)
//   the same with end: 15                       -> chunks 16, reads 1 (_read(0) pushes null)
//   {highWaterMark: 8, start: 4}                -> chunks 8,4 reads 3 bytesRead 12
//   empty file                                  -> reads 1
//   /dev/zero {highWaterMark: 4096, end: 9999}  -> chunks 4096,4096,1808 reads 3
//                                                  bytesRead 10000, then 'end'
//   /dev/zero {start: 5, end: 5}                -> chunks 1, reads 1
TEST_CASE("read counts and chunks at exact sizes, with start/end, and of /dev/zero with end") {
    temp_dir dir;
    fs::write_file_sync(dir / "h", std::string(16, 'x'));
    fs::write_file_sync(dir / "e", "");
    struct row {
        std::string path;
        fs::read_stream_options opts;
        std::string chunks;
        std::size_t reads;
        std::uint64_t bytes;
    };
    const std::vector<row> rows = {
        {dir / "h", {.high_water_mark = 16}, "16", 2, 16},
        {dir / "h", {.end = 15, .high_water_mark = 16}, "16", 1, 16},
        {dir / "h", {.start = 4, .high_water_mark = 8}, "8,4", 3, 12},
        {dir / "e", {}, "", 1, 0},
        {"/dev/zero", {.end = 9999, .high_water_mark = 4096}, "4096,4096,1808", 3, 10000},
        {"/dev/zero", {.start = 5, .end = 5}, "1", 1, 1},
    };
    for (const auto& r : rows) {
        fs::fault_injection disk;
        costream::loop l;
        std::string chunks;
        bool ended = false;
        auto rs = fs::create_read_stream(r.path, r.opts);
        rs->on("data", [&](const costream::buffer& b) {
            chunks += (chunks.empty() ? "" : ",") + std::to_string(b.size());
        });
        rs->on("end", [&] { ended = true; });
        l.run();
        CAPTURE(r.path);
        CAPTURE(r.chunks);
        CHECK(chunks == r.chunks);
        CHECK(ended);
        CHECK(disk.calls("read") == r.reads);
        CHECK(rs->bytes_read() == r.bytes);
    }
}

// node (a read stream whose `fs` option fails the 2nd read with EIO and whose close fails
// with EBADF; streams.js _close: cb(er || err), the close's error first):
//   rs.on('error', (e) => log('error', e.code, e.syscall, 'errored', rs.errored.code))
// -> error EBADF close errored EIO
//    close
TEST_CASE("a failing close after a failed read: 'error' carries the close's error, errored() "
          "keeps the first, as Node's _close (cb(er || err))") {
    temp_dir dir;
    fs::write_file_sync(dir / "r", std::string(100, 'x'));
    fs::fault_injection disk;
    disk.fail("read", 2, EIO);
    disk.fail("close", 1, EBADF);
    costream::loop l;
    std::vector<std::string> ev;
    auto rs = fs::create_read_stream(dir / "r", {.high_water_mark = 10});
    auto* r = rs.get();
    rs->on("data", [](const costream::buffer&) {});
    rs->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back("error " + code(ec) + " " + r->errored_info().syscall + " errored " +
                     code(r->errored()));
    });
    rs->on("close", [&] { ev.push_back("close"); });
    l.run();
    CHECK(join(ev) == "error EBADF close errored EIO close");
}

// node (write streams with {flush: true} and an `fs` option failing calls):
//   ws.write('abc', cb); ws.end()
//   write fails ENOSPC, fsync fails EIO  -> write cb ENOSPC, error ENOSPC write (errored ENOSPC)
//   fsync fails EIO                      -> write cb null, error EIO fsync
//   fsync fails EIO, close fails EBADF   -> write cb null, error EBADF close
// (close(stream, err, cb): fsync(fd, (flushErr) => _close(stream, err || flushErr, cb)),
//  _close: cb(er || err))
TEST_CASE("flush: the stream's error comes before the fsync's, the close's before both") {
    temp_dir dir;
    struct row {
        int write_err, fsync_err, close_err;
        const char* want;
    };
    for (const row& r :
         {row{ENOSPC, EIO, 0, "cb ENOSPC error ENOSPC write errored ENOSPC close"},
          row{0, EIO, 0, "cb undefined error EIO fsync errored EIO close"},
          row{0, EIO, EBADF, "cb undefined error EBADF close errored EBADF close"}}) {
        fs::fault_injection disk;
        if (r.write_err) disk.fail("write", 1, r.write_err);
        if (r.fsync_err) disk.fail("fsync", 1, r.fsync_err);
        if (r.close_err) disk.fail("close", 1, r.close_err);
        costream::loop l;
        std::vector<std::string> ev;
        auto ws = fs::create_write_stream(dir / "w", {.flush = true});
        auto* w = ws.get();
        ws->write("abc",
                  [&](const boost::system::error_code& ec) { ev.push_back("cb " + code(ec)); });
        ws->end();
        ws->on("error", [&](const boost::system::error_code& ec) {
            ev.push_back("error " + code(ec) + " " + w->errored_info().syscall + " errored " +
                         code(w->errored()));
        });
        ws->on("close", [&] { ev.push_back("close"); });
        l.run();
        CHECK(join(ev) == r.want);
        CHECK(disk.calls("close") == 1);
    }
}

// node (writes before the open wait in the writable's buffer until _construct ends, then
// go out as one _writev; strace -f -e trace=writev shows one writev of the 4 chunks):
//   const ws = fs.createWriteStream(P, {highWaterMark: 5});
//   for (c of ['aaa', 'bbb', 'ccc']) log(`write ${c} -> ${ws.write(c, cb)} length=..
//     writing=${ws._writableState.writing} needDrain=..`)
//   ws.once('ready', () => { log('in ready: length=' ..); ws.end('ddd', () => log('end cb')) })
// -> write aaa -> true length=3 writing=false needDrain=false
//    write bbb -> false length=6 writing=false needDrain=true
//    write ccc -> false length=9 writing=false needDrain=true
//    open / ready / in ready: length=9 / cb aaa null / cb bbb null / cb ccc null / end cb /
//    finish / close aaabbbcccddd 12
TEST_CASE("writes issued before the open wait unwritten and go out as one writev with the "
          "ones of 'ready'") {
    temp_dir dir;
    fs::fault_injection disk;
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "w", {.high_water_mark = 5});
    auto* w = ws.get();
    ws->on("open", [&](int) { ev.push_back("open"); });
    for (const char* e : {"drain", "finish"})
        ws->on(e, [&ev, e] { ev.push_back(e); });
    for (std::string c : {"aaa", "bbb", "ccc"}) {
        const bool r = ws->write(c, [&ev, c](const boost::system::error_code& ec) {
            ev.push_back("cb " + c + " " + (ec ? code(ec) : "null"));
        });
        ev.push_back("write " + c + " -> " + (r ? "true" : "false") +
                     " length=" + std::to_string(w->writable_length()) +
                     " writing=" + (w->writable_writing() ? "true" : "false") +
                     " needDrain=" + (w->writable_need_drain() ? "true" : "false"));
    }
    ws->once("ready", [&] {
        ev.push_back("ready");
        ev.push_back("in ready: length=" + std::to_string(w->writable_length()));
        w->end("ddd", [&](const boost::system::error_code&) { ev.push_back("end cb"); });
    });
    ws->on("close", [&] {
        ev.push_back("close " + fs::read_file_sync(dir / "w", costream::encoding::utf8) + " " +
                     std::to_string(w->bytes_written()));
    });
    l.run();
    CHECK(join(ev) == "write aaa -> true length=3 writing=false needDrain=false "
                      "write bbb -> false length=6 writing=false needDrain=true "
                      "write ccc -> false length=9 writing=false needDrain=true "
                      "open ready in ready: length=9 cb aaa null cb bbb null cb ccc null end cb "
                      "finish close aaabbbcccddd 12");
    CHECK(disk.calls("write") == 1); // one pwritev of four chunks
}

// node: ws.once('open', () => { ws.cork(); ws.write('aaa'); ws.write('bbb');
//   ws.write('ccc'); ws.uncork(); ws.end(); }) -> one writev of the 3 chunks, "aaabbbccc" 9
//   and, after 'ready' (the stream constructed): write('aaa') then cork, bbb, ccc, uncork:
//   write of aaa, then one writev of bbb and ccc.
TEST_CASE("cork()/uncork() batch writes into one pwritev, in 'open' and after the open") {
    temp_dir dir;
    {
        fs::fault_injection disk;
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "c");
        auto* w = ws.get();
        ws->once("open", [&](int) {
            w->cork();
            w->write("aaa");
            w->write("bbb");
            w->write("ccc");
            w->uncork();
            w->end();
        });
        l.run();
        CHECK(fs::read_file_sync(dir / "c", costream::encoding::utf8) == "aaabbbccc");
        CHECK(w->bytes_written() == 9);
        CHECK(disk.calls("write") == 1);
    }
    {
        fs::fault_injection disk;
        costream::loop l;
        auto ws = fs::create_write_stream(dir / "d");
        auto* w = ws.get();
        ws->once("ready", [&] {
            l.next_tick([w] {
                w->write("aaa");
                w->cork();
                w->write("bbb");
                w->write("ccc");
                w->uncork();
                w->end();
            });
        });
        l.run();
        CHECK(fs::read_file_sync(dir / "d", costream::encoding::utf8) == "aaabbbccc");
        CHECK(disk.calls("write") == 2);
    }
}

// node (the `fs` option's write fails with EAGAIN k times, then writes):
//   ws.end('hello', cb)  k = 5 -> end cb null, content hello, writes 6, bytesWritten 5
//   ws.write('hello', cb) k = 6 -> write cb ERR_SYSTEM_ERROR, error ERR_SYSTEM_ERROR,
//                                 content "", writes 6
// (writeAll: EAGAIN is a write of 0 bytes; retries > 5 fails)
//   a write of 3 bytes, then ENOSPC: cb ENOSPC bytesWritten 3, error ENOSPC bytesWritten 3,
//   content "hel", writes 2
TEST_CASE("EAGAIN is retried as a zero-byte write, five times, and partial writes count in "
          "bytesWritten before an error") {
    temp_dir dir;
    for (std::size_t k : {5, 6}) {
        for (bool vector : {false, true}) {
            fs::fault_injection disk;
            disk.fail("write", 1, EAGAIN, k);
            costream::loop l;
            std::vector<std::string> ev;
            auto ws = fs::create_write_stream(dir / "w");
            if (vector) ws->write("he"); // before the open: "he" and "llo" go as one pwritev
            ws->write(vector ? "llo" : "hello", [&](const boost::system::error_code& ec) {
                ev.push_back("cb " + (ec ? code(ec) : "null"));
            });
            ws->on("error",
                   [&](const boost::system::error_code& ec) { ev.push_back("error " + code(ec)); });
            ws->end();
            l.run();
            CAPTURE(k);
            CAPTURE(vector);
            CHECK(disk.calls("write") == 6);
            if (k == 5) {
                CHECK(join(ev) == "cb null");
                CHECK(fs::read_file_sync(dir / "w", costream::encoding::utf8) == "hello");
                CHECK(ws->bytes_written() == 5);
            } else {
                CHECK(join(ev) == "cb ERR_SYSTEM_ERROR error ERR_SYSTEM_ERROR");
                CHECK(fs::read_file_sync(dir / "w", costream::encoding::utf8).empty());
            }
        }
    }
    fs::fault_injection disk;
    disk.short_io("write", 3);
    disk.fail("write", 2, ENOSPC);
    costream::loop l;
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(dir / "p");
    auto* w = ws.get();
    ws->write("hello", [&](const boost::system::error_code& ec) {
        ev.push_back("cb " + code(ec) + " bytesWritten " + std::to_string(w->bytes_written()));
    });
    ws->on("error", [&](const boost::system::error_code& ec) {
        ev.push_back("error " + code(ec) + " bytesWritten " + std::to_string(w->bytes_written()));
    });
    l.run();
    CHECK(join(ev) == "cb ENOSPC bytesWritten 3 error ENOSPC bytesWritten 3");
    CHECK(fs::read_file_sync(dir / "p", costream::encoding::utf8) == "hel");
    CHECK(disk.calls("write") == 2);
}

// node (streams.js close(): `if (!stream.fd) cb(err)`: descriptor 0 is never closed, and
// stream.fd stays 0):
//   node fd0.js < in.txt, fd0.js: rs = fs.createReadStream(null, {fd: 0}); on 'close':
//     fstatSync(0) succeeds -> data "stdin-data\n" / close fd 0 pending false fd0 open true
//   fs.closeSync(0); fd = fs.openSync(P, 'w') (gets 0); fs.createWriteStream(null, {fd}).end('x')
//     -> ws close fd 0 fd0 open true
TEST_CASE("descriptor 0 is never closed by a stream, and fd() stays 0 after 'close', as Node") {
    temp_dir dir;
    fs::write_file_sync(dir / "in", "stdin-data\n");
    const int saved = ::dup(0);
    REQUIRE(saved >= 0);
    const int file = fs::open_sync(dir / "in", "r+");
    REQUIRE(::dup2(file, 0) == 0);
    ::close(file);
    std::string data, after;
    {
        costream::loop l;
        auto rs = fs::create_read_stream("", {.fd = 0});
        auto* r = rs.get();
        rs->on("data", [&](const costream::buffer& b) { data += raw(b); });
        rs->on("close", [&] {
            after = "close fd " + std::to_string(r->fd()) + " pending " +
                    (r->pending() ? "true" : "false") + " fd0 open " +
                    (fs_test::fd_is_open(0) ? "true" : "false");
        });
        l.run();
    }
    CHECK(data == "stdin-data\n");
    CHECK(after == "close fd 0 pending false fd0 open true");
    {
        costream::loop l;
        auto ws = fs::create_write_stream("", {.fd = 0});
        auto* w = ws.get();
        ws->end("x");
        ws->on("close", [&] {
            after = "ws close fd " + std::to_string(w->fd()) + " fd0 open " +
                    (fs_test::fd_is_open(0) ? "true" : "false");
        });
        l.run();
    }
    CHECK(after == "ws close fd 0 fd0 open true");
    // released without destroy() (costream only): the destructor leaves 0 alone too
    { auto rs = fs::create_read_stream("", {.fd = 0}); }
    CHECK(fs_test::fd_is_open(0));
    REQUIRE(::dup2(saved, 0) == 0);
    ::close(saved);
}

// node:
//   createReadStream(P, {highWaterMark: -1}) / {highWaterMark: 1.5} / createWriteStream(P,
//   {highWaterMark: -1}) -> TypeError ERR_INVALID_ARG_VALUE The property
//   'options.highWaterMark' is invalid. Received -1 (1.5)
TEST_CASE("a negative or fractional highWaterMark throws ERR_INVALID_ARG_VALUE with Node's "
          "message") {
    costream::loop l;
    temp_dir dir;
    auto message = [](const std::function<void()>& f) -> std::string {
        try {
            f();
        } catch (const costream::type_error& e) {
            return e.what();
        }
        return "no throw";
    };
    const std::string head =
        "TypeError [ERR_INVALID_ARG_VALUE]: The property 'options.highWaterMark' is invalid. ";
    CHECK(message([&] { fs::create_read_stream(dir / "f", {.high_water_mark = -1}); }) ==
          head + "Received -1");
    CHECK(message([&] { fs::create_read_stream(dir / "f", {.high_water_mark = 1.5}); }) ==
          head + "Received 1.5");
    CHECK(message([&] { fs::create_write_stream(dir / "f", {.high_water_mark = -1}); }) ==
          head + "Received -1");
    l.run();
}

// node:
//   createWriteStream(P, {encoding: 'hex'}): defaultEncoding hex; write('6869');
//     end('21', 'latin1') -> "hi21"
//   createWriteStream(P, {mode: 0o600}).end('x') -> mode 600
//   createReadStream(null, {fd, start: 3, end: 5}) of "0123456789" -> "345"
//   fd already read to position 4, {fd, end: 5} -> "456789" bytesRead 6 (end counts from
//     bytesRead without start)
//   "\u20ac" with {encoding: 'utf8', highWaterMark: 1} -> data "€" (one string) bytesRead 3
//   "abc", createWriteStream(P, {flags: 'r+', start: 1}).end('Z') -> "aZc" bytesWritten 1
//   createWriteStream(missing/f, {flags: 'r+'}).end('x', cb) -> end cb ENOENT, error ENOENT
//     open, close
TEST_CASE("encoding, mode, fd with start/end, fd at an offset with end, utf8 split reads, r+ "
          "with start, r+ on a missing path: as Node") {
    temp_dir dir;
    costream::loop l;
    {
        auto ws =
            fs::create_write_stream(dir / "hex", {.default_encoding = costream::encoding::hex});
        ws->write("6869");
        ws->end("21", costream::encoding::latin1);
        l.run();
        CHECK(fs::read_file_sync(dir / "hex", costream::encoding::latin1) == "hi21");
    }
    {
        auto ws = fs::create_write_stream(dir / "m", {.mode = 0600});
        ws->end("x");
        l.run();
        CHECK((fs::stat_sync(dir / "m").mode & 0777) == 0600);
    }
    fs::write_file_sync(dir / "s", "0123456789");
    auto read_fd = [&](int fd, fs::read_stream_options o) {
        o.fd = fd;
        std::string s;
        auto rs = fs::create_read_stream("", o);
        rs->on("data", [&](const costream::buffer& b) { s += raw(b); });
        l.run();
        return s + " " + std::to_string(rs->bytes_read());
    };
    CHECK(read_fd(fs::open_sync(dir / "s"), {.start = 3, .end = 5}) == "345 3");
    {
        const int fd = fs::open_sync(dir / "s");
        char four[4];
        REQUIRE(::read(fd, four, 4) == 4);
        CHECK(read_fd(fd, {.end = 5}) == "456789 6");
    }
    {
        fs::write_file_sync(dir / "u", "\xe2\x82\xac");
        std::vector<std::string> chunks;
        auto rs = fs::create_read_stream(
            dir / "u", {.encoding = costream::encoding::utf8, .high_water_mark = 1});
        rs->on("data", [&](const std::string& s) { chunks.push_back(s); });
        l.run();
        CHECK(join(chunks) == "\xe2\x82\xac");
        CHECK(rs->bytes_read() == 3);
    }
    {
        fs::write_file_sync(dir / "w", "abc");
        auto ws = fs::create_write_stream(dir / "w", {.flags = "r+", .start = 1});
        ws->end("Z");
        l.run();
        CHECK(fs::read_file_sync(dir / "w", costream::encoding::utf8) == "aZc");
        CHECK(ws->bytes_written() == 1);
    }
    {
        // node: "abcde", {flags: 'r+', start: 1}: write('X', () => write('Y', () =>
        // end('Z'))) -> "aXYZe" 3 (three pwrites, each at the position the last one left)
        fs::write_file_sync(dir / "w", "abcde");
        auto ws = fs::create_write_stream(dir / "w", {.flags = "r+", .start = 1});
        auto* w = ws.get();
        ws->write("X", [w](const boost::system::error_code&) {
            w->write("Y", [w](const boost::system::error_code&) { w->end("Z"); });
        });
        l.run();
        CHECK(fs::read_file_sync(dir / "w", costream::encoding::utf8) == "aXYZe");
        CHECK(ws->bytes_written() == 3);
    }
    {
        std::vector<std::string> ev;
        auto ws = fs::create_write_stream(dir / "nx/f", {.flags = "r+"});
        auto* w = ws.get();
        ws->on("error", [&](const boost::system::error_code& ec) {
            ev.push_back("error " + code(ec) + " " + w->errored_info().syscall);
        });
        ws->on("close", [&] { ev.push_back("close"); });
        ws->end("x",
                [&](const boost::system::error_code& ec) { ev.push_back("end cb " + code(ec)); });
        l.run();
        CHECK(join(ev) == "end cb ENOENT error ENOENT open close");
    }
}

// node (destroy() while an open that will fail is pending):
//   rs = fs.createReadStream('/nonexistent/x'); rs.destroy()
//     -> rs2 error ENOENT (open), rs2 close
//   rs.destroy(err EBOOM) -> rs error AggregateError code EBOOM [EBOOM, ENOENT], rs close
//     (costream has no AggregateError: the destroy's error, whose code Node's aggregate takes)
//   ws = fs.createWriteStream('/nonexistent/x'); ws.write('a', cb); ws.destroy()
//     -> ws write cb ERR_STREAM_DESTROYED, ws error ENOENT, ws close
TEST_CASE("destroy() while a failing open is pending: the open's error is still emitted") {
    temp_dir dir;
    const std::string missing = dir / "nonexistent/x";
    costream::loop l;
    auto run = [&](auto s, const char* tag, boost::system::error_code with) {
        auto out = std::make_shared<std::vector<std::string>>();
        auto* raw_s = s.get();
        s->on("error", [out, raw_s, tag](const boost::system::error_code& ec) {
            out->push_back(std::string(tag) + " error " + code(ec) + " " +
                           raw_s->errored_info().syscall);
        });
        s->on("close", [out, tag] { out->push_back(std::string(tag) + " close"); });
        s->destroy(with);
        l.run();
        return join(*out);
    };
    CHECK(run(fs::create_read_stream(missing), "rs2", {}) == "rs2 error ENOENT open rs2 close");
    CHECK(run(fs::create_read_stream(missing), "rs", make_error_code(costream::errc::abort_err)) ==
          "rs error ABORT_ERR  rs close"); // no syscall, as Node's AggregateError
    std::vector<std::string> ev;
    auto ws = fs::create_write_stream(missing);
    ws->write(
        "a", [&](const boost::system::error_code& ec) { ev.push_back("ws write cb " + code(ec)); });
    ws->on("error",
           [&](const boost::system::error_code& ec) { ev.push_back("ws error " + code(ec)); });
    ws->on("close", [&] { ev.push_back("ws close"); });
    ws->destroy();
    l.run();
    CHECK(join(ev) == "ws write cb ERR_STREAM_DESTROYED ws error ENOENT ws close");
}

// node:
//   const ac = new AbortController(); rs = fs.createReadStream(P /* 300000 bytes */,
//   {signal: ac.signal}); rs.once('data', () => ac.abort())
// -> rs open / rs ready / aborted / rs error AbortError ABORT_ERR / rs close 65536
//   ac2.abort(); ws = fs.createWriteStream(P2, {signal: ac2.signal})
// -> ws destroyed sync true / ws error AbortError ABORT_ERR / ws close false (P2 not there)
//   (node then opens P2 anyway, emits 'open' and 'ready' after 'close' and keeps the
//   descriptor: costream does not open it)
TEST_CASE("the signal option destroys the stream with ABORT_ERR, an aborted one before any "
          "open") {
    temp_dir dir;
    fs::write_file_sync(dir / "f", std::string(300000, 'x'));
    costream::loop l;
    const std::size_t before = fs_test::open_fd_count();
    std::vector<std::string> ev;
    costream::abort_controller ac;
    auto rs = fs::create_read_stream(dir / "f", {.signal = ac.signal()});
    auto* r = rs.get();
    for (const char* e : {"open", "ready", "end"})
        rs->on(e, [&ev, e] { ev.push_back(std::string("rs ") + e); });
    rs->on("error",
           [&](const boost::system::error_code& ec) { ev.push_back("rs error " + code(ec)); });
    rs->on("close", [&] { ev.push_back("rs close " + std::to_string(r->bytes_read())); });
    rs->once("data", [&](const costream::buffer&) {
        ac.abort();
        ev.push_back("aborted");
    });
    l.run();
    CHECK(join(ev) == "rs open rs ready aborted rs error ABORT_ERR rs close 65536");
    ev.clear();
    costream::abort_controller ac2;
    ac2.abort();
    auto ws = fs::create_write_stream(dir / "w", {.signal = ac2.signal()});
    ev.push_back(std::string("ws destroyed sync ") + (ws->destroyed() ? "true" : "false"));
    for (const char* e : {"open", "ready", "finish"})
        ws->on(e, [&ev, e] { ev.push_back(std::string("ws ") + e); });
    ws->on("error",
           [&](const boost::system::error_code& ec) { ev.push_back("ws error " + code(ec)); });
    ws->on("close", [&] {
        ev.push_back(std::string("ws close ") + (fs::exists_sync(dir / "w") ? "true" : "false"));
    });
    l.run();
    CHECK(join(ev) == "ws destroyed sync true ws error ABORT_ERR ws close false");
    CHECK_FALSE(fs::exists_sync(dir / "w"));
    CHECK(fs_test::open_fd_count() == before);
}
