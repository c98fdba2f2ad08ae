// Fail-each-step loops (STYLE.md) for pipeline() and pipe(): run the composed operation over
// memory_duplex stages, failing operation N (counted over all stages) for N = 1, 2, ... until
// a run succeeds, and check after each run that everything was torn down exactly once.
#include <costream/stream/pipeline.hpp>

#include <costream/stream/pipe.hpp>
#include <costream/test/memory_duplex.hpp>

#include <boost/asio/error.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cs = costream::stream;
namespace ct = costream::test;
using boost::system::error_code;

namespace {
const std::string payload = "the quick brown fox jumps over the lazy dog";

struct variant {
    const char* name;
    bool posted;
    std::size_t max_read, max_write;
};
const variant variants[] = {
    {"immediate", false, 1000, 1000},
    {"posted", true, 1000, 1000},
    {"short reads and writes", false, 5, 7},
    {"posted, short reads and writes", true, 3, 4},
};
} // namespace

TEST_CASE("pipeline over three memory_duplex stages: each failing step tears everything down") {
    for (const variant& v : variants) {
        CAPTURE(v.name);
        bool succeeded = false;
        for (std::size_t n = 1; n < 500 && !succeeded; ++n) {
            CAPTURE(n);
            costream::loop l;
            auto ops = std::make_shared<std::size_t>(0);
            auto opts = [&](bool loopback) {
                ct::memory_duplex_options o;
                o.loopback = loopback;
                o.posted = v.posted;
                o.max_read = v.max_read;
                o.max_write = v.max_write;
                o.fail_at = n;
                o.shared_operations = ops;
                o.high_water_mark = 8;
                return o;
            };
            auto src = ct::memory_duplex::make(opts(false));
            auto mid = ct::memory_duplex::make(opts(true));
            auto dst = ct::memory_duplex::make(opts(false));
            src->remote_write(payload);
            src->remote_end();
            src->end(); // the source's own writable side is not part of the pipeline
            // The sink's readable side is not part of the pipeline either: let it end so that
            // the sink is auto-destroyed after 'finish' (Node leaves a sink open otherwise).
            dst->remote_end();
            dst->resume();
            int calls = 0;
            error_code err;
            cs::pipeline(src, mid, dst, [&](const error_code& ec) {
                ++calls;
                err = ec;
            });
            l.run(); // returned: no handler pending
            CHECK(calls == 1);
            for (ct::memory_duplex* s : {src.get(), mid.get(), dst.get()}) {
                CHECK(s->destroyed());
                CHECK(s->close_events() == 1);
                CHECK(s->destroy_calls() == 1);
            }
            if (!err) {
                CHECK(dst->written() == payload);
                succeeded = true;
            } else {
                CHECK(err == boost::asio::error::connection_reset);
            }
        }
        CHECK(succeeded);
    }
}

TEST_CASE("pipe over memory_duplex streams: each failing step leaves both streams closable "
          "once") {
    for (const variant& v : variants) {
        CAPTURE(v.name);
        bool succeeded = false;
        for (std::size_t n = 1; n < 500 && !succeeded; ++n) {
            CAPTURE(n);
            costream::loop l;
            auto ops = std::make_shared<std::size_t>(0);
            auto opts = [&] {
                ct::memory_duplex_options o;
                o.posted = v.posted;
                o.max_read = v.max_read;
                o.max_write = v.max_write;
                o.fail_at = n;
                o.shared_operations = ops;
                o.high_water_mark = 8;
                return o;
            };
            auto src = ct::memory_duplex::make(opts());
            auto dst = ct::memory_duplex::make(opts());
            int src_errors = 0, dst_errors = 0, finishes = 0;
            src->on("error", [&](const error_code& ec) {
                ++src_errors;
                CHECK(ec == boost::asio::error::connection_reset);
            });
            dst->on("error", [&](const error_code& ec) {
                ++dst_errors;
                CHECK(ec == boost::asio::error::connection_reset);
            });
            dst->on("finish", [&] { ++finishes; });
            src->remote_write(payload);
            src->remote_end();
            src->end();
            cs::pipe(*src, *dst);
            l.run();
            CHECK(src_errors + dst_errors <= 1); // the one failure is reported once
            const bool ok = src_errors + dst_errors == 0;
            if (ok) {
                CHECK(finishes == 1);
                CHECK(dst->written() == payload);
                succeeded = true;
            }
            // pipe() does not propagate failures (Node's weaker semantics): tear down what
            // is left, then everything must be closed exactly once.
            src->destroy();
            dst->destroy();
            l.run();
            for (ct::memory_duplex* s : {src.get(), dst.get()}) {
                CHECK(s->close_events() == 1);
                CHECK(s->destroy_calls() == 1);
            }
            CHECK(dst->listener_count("unpipe") == 0); // the pipe was undone
        }
        CHECK(succeeded);
    }
}
