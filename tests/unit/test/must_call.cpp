#include <costream/test/must_call.hpp>

#include <costream/events.hpp>

#include <boost/system/error_code.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ct = costream::test;

namespace {
/// Collects failures instead of aborting, for the duration of a test.
struct capture_failures {
    std::vector<std::string> got;
    ct::failure_handler old;
    capture_failures() {
        old = ct::set_failure_handler([this](const std::string& s) { got.push_back(s); });
    }
    ~capture_failures() { ct::set_failure_handler(std::move(old)); }
};
} // namespace

TEST_CASE("must_call passes when called exactly n times") {
    capture_failures f;
    {
        auto fn = ct::must_call([](int x) { return x * 2; }, 2);
        CHECK(fn(1) == 2);
        auto copy = fn;
        CHECK(copy(3) == 6);
        CHECK(fn.calls() == 2);
    }
    CHECK(f.got.empty());
}

TEST_CASE("must_call reports a mismatch when the last copy is destroyed") {
    capture_failures f;
    {
        auto fn = ct::must_call([] {}, 1, "on end");
        auto copy = fn;
        CHECK(f.got.empty());
    }
    REQUIRE(f.got.size() == 1);
    CHECK(f.got[0] == "mustCall: on end: mismatched function calls. Expected exactly 1, actual 0.");
}

TEST_CASE("must_call reports too many calls") {
    capture_failures f;
    {
        auto fn = ct::must_call();
        fn();
        fn();
    }
    REQUIRE(f.got.size() == 1);
    CHECK(f.got[0].find("Expected exactly 1, actual 2") != std::string::npos);
}

TEST_CASE("check() reports once, at the time it is called") {
    capture_failures f;
    auto fn = ct::must_call([] {}, 2);
    fn();
    fn.check();
    CHECK(f.got.size() == 1);
    fn();
    fn.check();
    CHECK(f.got.size() == 1);
}

TEST_CASE("must_not_call reports as soon as it is called") {
    capture_failures f;
    auto fn = ct::must_not_call<void(const boost::system::error_code&)>("error listener");
    CHECK(f.got.empty());
    fn(boost::system::error_code());
    REQUIRE(f.got.size() == 1);
    CHECK(f.got[0] == "mustNotCall: error listener was called");
}

TEST_CASE("must_call_at_least accepts more calls but not fewer") {
    capture_failures f;
    {
        auto a = ct::must_call_at_least([] {}, 2);
        a();
        a();
        a();
    }
    CHECK(f.got.empty());
    {
        auto b = ct::must_call_at_least([] {}, 2);
        b();
    }
    CHECK(f.got.size() == 1);
}

TEST_CASE("must_call wrappers work as event listeners with typed parameters") {
    capture_failures f;
    {
        costream::event_emitter e;
        int seen = 0;
        e.on("data", ct::must_call([&](const std::string& s) { seen += int(s.size()); }, 2));
        e.on("end", ct::must_call());
        e.on("error", ct::must_not_call<void(const boost::system::error_code&)>());
        e.emit("data", std::string("ab"));
        e.emit("data", std::string("cde"));
        e.emit("end");
        CHECK(seen == 5);
    }
    CHECK(f.got.empty());
    {
        costream::event_emitter e;
        e.once("end", ct::must_call([] {}, 1, "end"));
    }
    CHECK(f.got.size() == 1);
}
