// Fail-each-step loops (STYLE.md) for pipeline() and pipe(): run the composed operation over
// memory_duplex stages (or over the Asio adapters on real sockets), failing operation N
// (counted over all stages) for N = 1, 2, ... until a run succeeds, and check after each run
// that everything was torn down exactly once and nothing is left holding a stream.
#include <costream/stream/pipeline.hpp>

#include <costream/stream/asio_readable.hpp>
#include <costream/stream/asio_writable.hpp>
#include <costream/stream/pass_through.hpp>
#include <costream/stream/pipe.hpp>
#include <costream/stream/transform.hpp>
#include <costream/test/memory_duplex.hpp>

#include "asio_test_helpers.hpp"

#include <boost/asio/error.hpp>
#include <doctest/doctest.h>

#include <cctype>
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

// A transform that upper-cases in place (the same buffer goes on).
struct upper : cs::transform {
    using cs::transform::transform;

protected:
    void do_transform(costream::buffer&& c, transform_callback cb) override {
        for (std::size_t i = 0; i < c.size(); ++i)
            c[i] = static_cast<std::uint8_t>(std::toupper(c[i]));
        cb({}, std::move(c));
    }
};

std::string upper_of(std::string s) {
    for (auto& ch : s)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

// Counts a stream's 'close' and 'error' events.
struct close_count {
    int closes = 0, errors = 0;
    template <class S>
    void watch(S& s) {
        s.on("close", [this] { ++closes; });
        s.on("error", [this](const error_code&) { ++errors; });
    }
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

TEST_CASE("pipeline through a pass_through and a transform between memory_duplex ends: each "
          "failing step tears everything down") {
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
            auto pt = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 8});
            auto up = cs::make<upper>(cs::duplex_options{.high_water_mark = 8});
            close_count pt_events, up_events;
            pt_events.watch(*pt);
            up_events.watch(*up);
            src->remote_write(payload);
            src->remote_end();
            src->end();
            dst->remote_end();
            dst->resume();
            int calls = 0;
            error_code err;
            cs::pipeline(src, pt, mid, up, dst, [&](const error_code& ec) {
                ++calls;
                err = ec;
            });
            l.run(); // returned: no handler pending
            CHECK(calls == 1);
            for (ct::memory_duplex* s : {src.get(), mid.get(), dst.get()}) {
                CHECK(s->destroyed());
                CHECK(s->close_events() == 1);
                CHECK(s->destroy_calls() == 1);
                CHECK(s->use_count() == 1); // only the test's ptr: nothing kept it
            }
            for (close_count* c : {&pt_events, &up_events}) {
                CHECK(c->closes == 1);
                CHECK(c->errors <= 1);
            }
            CHECK(pt->destroyed());
            CHECK(up->destroyed());
            CHECK(pt->use_count() == 1);
            CHECK(up->use_count() == 1);
            if (!err) {
                CHECK(dst->written() == upper_of(payload));
                succeeded = true;
            } else {
                CHECK(err == boost::asio::error::connection_reset);
            }
        }
        CHECK(succeeded);
    }
}

TEST_CASE("pipe chain through a pass_through: each failing step leaves every stream closable "
          "once and no pipe behind") {
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
            auto pt = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 8});
            close_count pt_events;
            pt_events.watch(*pt);
            int errors = 0, finishes = 0;
            for (ct::memory_duplex* s : {src.get(), dst.get()})
                s->on("error", [&](const error_code& ec) {
                    ++errors;
                    CHECK(ec == boost::asio::error::connection_reset);
                });
            dst->on("finish", [&] { ++finishes; });
            src->remote_write(payload);
            src->remote_end();
            src->end();
            // through the readable base: pass_through's two sides both name a chunk_type
            cs::pipe(static_cast<cs::readable&>(*src), *pt);
            cs::pipe(static_cast<cs::readable&>(*pt), *dst);
            l.run();
            CHECK(errors <= 1);
            if (errors == 0) {
                CHECK(finishes == 1);
                CHECK(dst->written() == payload);
                succeeded = true;
            }
            // pipe() does not propagate failures: tear down what is left
            src->destroy();
            pt->destroy();
            dst->destroy();
            l.run();
            for (ct::memory_duplex* s : {src.get(), dst.get()}) {
                CHECK(s->close_events() == 1);
                CHECK(s->destroy_calls() == 1);
                CHECK(s->use_count() == 1);
            }
            CHECK(pt_events.closes == 1);
            CHECK(pt->use_count() == 1);
            CHECK(pt->listener_count("unpipe") == 0);
            CHECK(dst->listener_count("unpipe") == 0);
        }
        CHECK(succeeded);
    }
}

TEST_CASE("pipeline from an asio_readable through a pass_through to an asio_writable over "
          "real sockets: failing each socket operation in turn tears everything down once") {
    using namespace asio_test;
    using faulty = faulty_socket<local_socket>;
    const std::string data = pattern(5000);
    bool succeeded = false;
    for (std::size_t n = 1; n < 500 && !succeeded; ++n) {
        CAPTURE(n);
        costream::loop l;
        auto in = local_pair(l);  // the test writes into in.b, the readable reads in.a
        auto out = local_pair(l); // the writable writes into out.a, the test reads out.b
        auto plan = std::make_shared<fault_plan>();
        plan->max_read = 1500;
        plan->max_write = 1000;
        plan->fail_at = n;
        cs::asio_readable_options ro;
        ro.read_size = 2048;
        auto r = cs::make<cs::asio_readable<faulty>>(faulty(std::move(in.a), plan), ro);
        auto pt = cs::make<cs::pass_through>();
        auto w = cs::make<cs::asio_writable<faulty>>(faulty(std::move(out.a), plan));
        recorder rrec, prec, wrec;
        rrec.attach(*r, false);
        prec.attach(*pt, false);
        wrec.attach(*w, false);
        write_all(in.b, data);
        in.b.shutdown(asio::socket_base::shutdown_send);
        int calls = 0;
        error_code err;
        cs::pipeline(r, pt, w, [&](const error_code& ec) {
            ++calls;
            err = ec;
        });
        l.run(); // returned: no read or write pending
        CHECK(calls == 1);
        for (recorder* rec : {&rrec, &prec, &wrec}) {
            std::size_t closes = 0, errors = 0;
            for (auto& e : rec->events) {
                closes += e == "close";
                errors += e.rfind("error", 0) == 0;
            }
            CHECK(closes == 1);
            CHECK(errors <= 1);
        }
        CHECK(r->destroyed());
        CHECK(pt->destroyed());
        CHECK(w->destroyed());
        CHECK_FALSE(r->next_layer().s.is_open());
        CHECK_FALSE(w->next_layer().s.is_open());
        CHECK(r->use_count() == 1);
        CHECK(w->use_count() == 1);
        const std::string got = read_all(out.b);
        if (plan->ops < n) {
            CHECK_FALSE(err);
            CHECK(got == data);
            CHECK(n > 6); // reads and writes of both adapters were failed before
            succeeded = true;
        } else {
            CHECK(err == boost::asio::error::connection_reset);
            CHECK(data.compare(0, got.size(), got) == 0); // what arrived is a prefix
        }
    }
    CHECK(succeeded);
}
