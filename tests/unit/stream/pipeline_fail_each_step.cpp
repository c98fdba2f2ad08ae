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

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace cs = costream::stream;
namespace ct = costream::test;
using asio_test::upper;
using asio_test::upper_of;
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

/// The memory_duplex options of one run of `v`: operation `n`, counted over every stream of
/// the run through `ops`, fails. `loopback`: what is written comes back out.
ct::memory_duplex_options duplex_options(const variant& v, std::size_t n,
                                         const std::shared_ptr<std::size_t>& ops,
                                         bool loopback = false) {
    ct::memory_duplex_options o;
    o.loopback = loopback;
    o.posted = v.posted;
    o.max_read = v.max_read;
    o.max_write = v.max_write;
    o.fail_at = n;
    o.shared_operations = ops;
    o.high_water_mark = 8;
    return o;
}

/// The fail-each-step loop: `run(n)` fails operation n and returns whether the run
/// succeeded all the same (n was past the last operation); n = 1, 2, ... until one does.
template <class Run>
void fail_each_step(Run run) {
    bool succeeded = false;
    for (std::size_t n = 1; n < 500 && !succeeded; ++n) {
        CAPTURE(n);
        succeeded = run(n);
    }
    CHECK(succeeded);
}

/// fail_each_step for each variant: `run(v, n)`.
template <class Run>
void fail_each_step_of_each_variant(Run run) {
    for (const variant& v : variants) {
        CAPTURE(v.name);
        fail_each_step([&](std::size_t n) { return run(v, n); });
    }
}

/// A source stage: the payload waits to be read, then the end; its own writable side (not
/// part of the pipeline) is ended.
void feed_payload(ct::memory_duplex& src) {
    src.remote_write(payload);
    src.remote_end();
    src.end();
}

/// What each memory_duplex stage must look like after a pipeline run, failed or not.
void check_torn_down_once(ct::memory_duplex& s) {
    CHECK(s.destroyed());
    CHECK(s.close_events() == 1);
    CHECK(s.destroy_calls() == 1);
}

/// The memory_duplex stages of a pipeline run that fails operation `n` of variant `v`: `src`
/// holds the payload, `mid` is a loopback stage, `dst` a sink whose own readable side (not
/// part of the pipeline) has ended, so that it is auto-destroyed after 'finish' (Node leaves a
/// sink open otherwise). Made after the run's loop, which the streams belong to.
struct memory_stages {
    std::shared_ptr<std::size_t> ops = std::make_shared<std::size_t>(0);
    cs::ptr<ct::memory_duplex> src, mid, dst;
    memory_stages(const variant& v, std::size_t n)
        : src(ct::memory_duplex::make(duplex_options(v, n, ops))),
          mid(ct::memory_duplex::make(duplex_options(v, n, ops, true))),
          dst(ct::memory_duplex::make(duplex_options(v, n, ops))) {
        feed_payload(*src);
        dst->remote_end();
        dst->resume();
    }
};

/// Runs pipeline(stages...) until the loop has nothing left, checks that its callback ran
/// once, and returns the error it reported.
template <class... Stages>
error_code run_pipeline(costream::loop& l, const Stages&... stages) {
    int calls = 0;
    error_code err;
    cs::pipeline(stages..., [&](const error_code& ec) {
        ++calls;
        err = ec;
    });
    l.run(); // returned: no handler pending
    CHECK(calls == 1);
    return err;
}

/// Counts the 'error' events of `streams` into `errors`; each must be the injected failure.
void count_injected_errors(int& errors, std::initializer_list<ct::memory_duplex*> streams) {
    for (ct::memory_duplex* s : streams)
        s->on("error", [&errors](const error_code& ec) {
            ++errors;
            CHECK(ec == boost::asio::error::connection_reset);
        });
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
    fail_each_step_of_each_variant([&](const variant& v, std::size_t n) {
        costream::loop l;
        memory_stages m(v, n);
        const error_code err = run_pipeline(l, m.src, m.mid, m.dst);
        for (ct::memory_duplex* s : {m.src.get(), m.mid.get(), m.dst.get()})
            check_torn_down_once(*s);
        if (err) {
            CHECK(err == boost::asio::error::connection_reset);
            return false;
        }
        CHECK(m.dst->written() == payload);
        return true;
    });
}

TEST_CASE("pipe over memory_duplex streams: each failing step leaves both streams closable "
          "once") {
    fail_each_step_of_each_variant([&](const variant& v, std::size_t n) {
        costream::loop l;
        auto ops = std::make_shared<std::size_t>(0);
        auto src = ct::memory_duplex::make(duplex_options(v, n, ops));
        auto dst = ct::memory_duplex::make(duplex_options(v, n, ops));
        int errors = 0, finishes = 0;
        count_injected_errors(errors, {src.get(), dst.get()});
        dst->on("finish", [&] { ++finishes; });
        feed_payload(*src);
        cs::pipe(*src, *dst);
        l.run();
        CHECK(errors <= 1); // the one failure is reported once
        if (errors == 0) {
            CHECK(finishes == 1);
            CHECK(dst->written() == payload);
        }
        // pipe() does not propagate failures (Node's weaker semantics): tear down what
        // is left, then everything must be closed exactly once.
        src->destroy();
        dst->destroy();
        l.run();
        for (ct::memory_duplex* s : {src.get(), dst.get()})
            check_torn_down_once(*s);
        CHECK(dst->listener_count("unpipe") == 0); // the pipe was undone
        return errors == 0;
    });
}

TEST_CASE("pipeline through a pass_through and a transform between memory_duplex ends: each "
          "failing step tears everything down") {
    fail_each_step_of_each_variant([&](const variant& v, std::size_t n) {
        costream::loop l;
        memory_stages m(v, n);
        auto pt = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 8});
        auto up = cs::make<upper>(cs::duplex_options{.high_water_mark = 8});
        close_count pt_events, up_events;
        pt_events.watch(*pt);
        up_events.watch(*up);
        const error_code err = run_pipeline(l, m.src, pt, m.mid, up, m.dst);
        for (ct::memory_duplex* s : {m.src.get(), m.mid.get(), m.dst.get()}) {
            check_torn_down_once(*s);
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
        if (err) {
            CHECK(err == boost::asio::error::connection_reset);
            return false;
        }
        CHECK(m.dst->written() == upper_of(payload));
        return true;
    });
}

TEST_CASE("pipeline through two function stages between memory_duplex ends: each failing "
          "step tears everything down and unwinds every stage") {
    fail_each_step_of_each_variant([&](const variant& v, std::size_t n) {
        costream::loop l;
        memory_stages m(v, n);
        int running = 0, finished = 0; // function stages started and unwound
        auto stage = [&running, &finished](
                         cs::stage_reader<costream::buffer> in,
                         cs::stage_writer<costream::buffer> out) -> costream::promise<void> {
            struct count {
                int& finished;
                ~count() { ++finished; }
            } c{finished};
            ++running;
            while (auto chunk = co_await in.next())
                co_await out.write(costream::buffer::from(upper_of(chunk->to_string())));
        };
        const error_code err = run_pipeline(l, m.src, stage, stage, m.dst);
        for (ct::memory_duplex* s : {m.src.get(), m.dst.get()}) {
            check_torn_down_once(*s);
            CHECK(s->use_count() == 1); // only the test's ptr: nothing kept it
        }
        CHECK(finished == running); // no stage left suspended
        if (err) {
            CHECK(err == boost::asio::error::connection_reset);
            return false;
        }
        CHECK(running == 2);
        CHECK(m.dst->written() == upper_of(payload));
        return true;
    });
}

TEST_CASE("pipe chain through a pass_through: each failing step leaves every stream closable "
          "once and no pipe behind") {
    fail_each_step_of_each_variant([&](const variant& v, std::size_t n) {
        costream::loop l;
        auto ops = std::make_shared<std::size_t>(0);
        auto src = ct::memory_duplex::make(duplex_options(v, n, ops));
        auto dst = ct::memory_duplex::make(duplex_options(v, n, ops));
        auto pt = cs::make<cs::pass_through>(cs::duplex_options{.high_water_mark = 8});
        close_count pt_events;
        pt_events.watch(*pt);
        int errors = 0, finishes = 0;
        count_injected_errors(errors, {src.get(), dst.get()});
        dst->on("finish", [&] { ++finishes; });
        feed_payload(*src);
        // through the readable base: pass_through's two sides both name a chunk_type
        cs::pipe(static_cast<cs::readable&>(*src), *pt);
        cs::pipe(static_cast<cs::readable&>(*pt), *dst);
        l.run();
        CHECK(errors <= 1);
        if (errors == 0) {
            CHECK(finishes == 1);
            CHECK(dst->written() == payload);
        }
        // pipe() does not propagate failures: tear down what is left
        src->destroy();
        pt->destroy();
        dst->destroy();
        l.run();
        for (ct::memory_duplex* s : {src.get(), dst.get()}) {
            check_torn_down_once(*s);
            CHECK(s->use_count() == 1);
        }
        CHECK(pt_events.closes == 1);
        CHECK(pt->use_count() == 1);
        CHECK(pt->listener_count("unpipe") == 0);
        CHECK(dst->listener_count("unpipe") == 0);
        return errors == 0;
    });
}

TEST_CASE("pipeline from an asio_readable through a pass_through to an asio_writable over "
          "real sockets: failing each socket operation in turn tears everything down once") {
    using namespace asio_test;
    using faulty = faulty_socket<local_socket>;
    const std::string data = pattern(5000);
    fail_each_step([&](std::size_t n) {
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
        const error_code err = run_pipeline(l, r, pt, w); // returned: no read or write pending
        for (recorder* rec : {&rrec, &prec, &wrec}) {
            CHECK(rec->count("close") == 1);
            CHECK(rec->count("error") <= 1);
        }
        CHECK(r->destroyed());
        CHECK(pt->destroyed());
        CHECK(w->destroyed());
        CHECK_FALSE(r->next_layer().s.is_open());
        CHECK_FALSE(w->next_layer().s.is_open());
        CHECK(r->use_count() == 1);
        CHECK(w->use_count() == 1);
        const std::string got = read_all(out.b);
        if (plan->ops >= n) {
            CHECK(err == boost::asio::error::connection_reset);
            CHECK(data.compare(0, got.size(), got) == 0); // what arrived is a prefix
            return false;
        }
        CHECK_FALSE(err);
        CHECK(got == data);
        CHECK(n > 6); // reads and writes of both adapters were failed before
        return true;
    });
}
