#include <costream/timers.hpp>

#include <costream/loop.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using strings = std::vector<std::string>;
using std::chrono::milliseconds;

TEST_CASE("Node's delay rule: 0, negative, NaN and too large mean 1 ms, fractions truncate") {
    CHECK(costream::timer_delay(0).normalized() == 1);
    CHECK(costream::timer_delay(-5).normalized() == 1);
    CHECK(costream::timer_delay(std::nan("")).normalized() == 1);
    CHECK(costream::timer_delay(2147483648.0).normalized() == 1);
    CHECK(costream::timer_delay(2147483647.0).normalized() == 2147483647);
    CHECK(costream::timer_delay(1.9).normalized() == 1);
    CHECK(costream::timer_delay(10.7).normalized() == 10);
    CHECK(costream::timer_delay(milliseconds(25)).normalized() == 25);
    CHECK(costream::timer_delay(std::chrono::seconds(2)).normalized() == 2000);
}

TEST_CASE("timers fire at their due time on the manual clock, shorter later timers first") {
    costream::loop l({.manual_clock = true});
    const auto t0 = l.now();
    std::vector<std::pair<std::string, std::int64_t>> log;
    costream::set_timeout([&] { log.emplace_back("30", l.now() - t0); }, 30);
    costream::set_timeout([&] { log.emplace_back("10", l.now() - t0); }, 10);
    costream::set_timeout([&] { log.emplace_back("20", l.now() - t0); }, milliseconds(20));
    l.run();
    REQUIRE(log.size() == 3);
    CHECK(log[0] == std::pair<std::string, std::int64_t>("10", 10));
    CHECK(log[1] == std::pair<std::string, std::int64_t>("20", 20));
    CHECK(log[2] == std::pair<std::string, std::int64_t>("30", 30));
}

TEST_CASE("a timer created during the timers phase does not run in that phase") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::set_timeout(
        [&] {
            log.push_back("first");
            l.advance(milliseconds(5)); // even if time passed, the phase's `now` is kept
            costream::set_timeout([&] { log.push_back("created in phase"); }, 1);
            costream::set_immediate([&] { log.push_back("immediate"); });
        },
        1);
    costream::set_timeout([&] { log.push_back("second, same list"); }, 1);
    l.run();
    CHECK(log == strings{"first", "second, same list", "immediate", "created in phase"});
}

TEST_CASE("extra arguments are bound and passed to the callback every time") {
    costream::loop l({.manual_clock = true});
    strings log;
    int n = 0;
    costream::timeout iv;
    iv = costream::set_interval(
        [&](const std::string& a, int b) {
            log.push_back(a + std::to_string(b));
            if (++n == 2) costream::clear_interval(iv);
        },
        3, std::string("x"), 7);
    costream::set_immediate([&](int v) { log.push_back("imm" + std::to_string(v)); }, 5);
    l.run();
    CHECK(log == strings{"imm5", "x7", "x7"});
}

TEST_CASE("an interval is rescheduled from the time its callback started") {
    costream::loop l({.manual_clock = true});
    const auto t0 = l.now();
    std::vector<std::int64_t> at;
    costream::timeout iv;
    iv = costream::set_interval(
        [&] {
            at.push_back(l.now() - t0);
            l.advance(milliseconds(3)); // the callback takes 3 ms
            if (at.size() == 3) costream::clear_interval(iv);
        },
        10);
    l.run();
    CHECK(at == std::vector<std::int64_t>{10, 20, 30});
}

TEST_CASE("clear_timeout of a due timer from an earlier callback in the same list skips it") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::timeout b;
    costream::set_timeout(
        [&] {
            log.push_back("a");
            costream::clear_timeout(b);
        },
        5);
    b = costream::set_timeout([&] { log.push_back("b"); }, 5);
    costream::set_timeout([&] { log.push_back("c"); }, 5);
    l.run();
    CHECK(log == strings{"a", "c"});
}

TEST_CASE("an unref'd timer does not keep the loop alive and ref brings it back") {
    costream::loop l({.manual_clock = true});
    strings log;
    auto t = costream::set_timeout([&] { log.push_back("never"); }, 100);
    CHECK(t.has_ref());
    t.unref();
    CHECK_FALSE(t.has_ref());
    CHECK(l.timer_ref_count() == 0);
    l.run();
    CHECK(log.empty());
    t.ref();
    CHECK(t.has_ref());
    l.run();
    CHECK(log == strings{"never"});
}

TEST_CASE("an unref'd timer still fires while other work keeps the loop alive") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::set_timeout([&] { log.push_back("unref'd 10"); }, 10).unref();
    costream::set_timeout([&] { log.push_back("ref'd 20"); }, 20);
    l.run();
    CHECK(log == strings{"unref'd 10", "ref'd 20"});
}

TEST_CASE("refresh restarts the delay from now and re-arms a timer that already fired") {
    costream::loop l({.manual_clock = true});
    const auto t0 = l.now();
    std::vector<std::int64_t> at;
    auto t = costream::set_timeout([&] { at.push_back(l.now() - t0); }, 10);
    costream::set_timeout([&] { t.refresh(); }, 6); // due at 6 + 10
    l.run();
    CHECK(at == std::vector<std::int64_t>{16});
    t.refresh(); // fired already: re-armed, 10 ms from now
    CHECK(l.timer_ref_count() == 1);
    l.run();
    CHECK(at == std::vector<std::int64_t>{16, 26});
}

TEST_CASE("a cleared timer cannot be refreshed and keeps has_ref as Node v20 does") {
    costream::loop l({.manual_clock = true});
    int n = 0;
    auto t = costream::set_timeout([&] { ++n; }, 10);
    costream::clear_timeout(t);
    CHECK(t.has_ref()); // node v20: hasRef() is still true after clearTimeout
    t.refresh();
    CHECK(l.timer_ref_count() == 0);
    l.run();
    CHECK(n == 0);
    t.close(); // twice is harmless
}

TEST_CASE("clearing a timer from its own callback and creating the same delay again works") {
    costream::loop l({.manual_clock = true});
    strings log;
    costream::timeout a;
    a = costream::set_timeout(
        [&] {
            log.push_back("a");
            costream::clear_timeout(a);
            costream::set_timeout([&] { log.push_back("a2"); }, 5);
        },
        5);
    costream::set_timeout([&] { log.push_back("b"); }, 5);
    l.run();
    CHECK(log == strings{"a", "b", "a2"});
}

TEST_CASE("clear_immediate removes a queued immediate, also from an earlier immediate") {
    costream::loop l;
    strings log;
    costream::immediate b;
    auto a = costream::set_immediate([&] {
        log.push_back("a");
        costream::clear_immediate(b);
    });
    b = costream::set_immediate([&] { log.push_back("b"); });
    auto c = costream::set_immediate([&] { log.push_back("c"); });
    CHECK(c.has_ref());
    l.run();
    CHECK(log == strings{"a", "c"});
    CHECK_FALSE(c.has_ref());     // node: an immediate that ran has kRefed = null
    costream::clear_immediate(a); // after it ran: no effect
}

TEST_CASE("a million timers created and cleared leave nothing behind") {
    costream::loop l({.manual_clock = true});
    int fired = 0;
    std::vector<costream::timeout> ts;
    ts.reserve(1000000);
    for (int i = 0; i < 1000000; ++i)
        ts.push_back(costream::set_timeout([&] { ++fired; }, 1 + i % 7));
    for (auto& t : ts)
        costream::clear_timeout(t);
    CHECK(l.timer_ref_count() == 0);
    CHECK_FALSE(l.alive());
    l.run();
    CHECK(fired == 0);
}

TEST_CASE("handles may outlive a destroyed loop's pending timers without leaking") {
    costream::timeout t;
    costream::immediate i;
    {
        costream::loop l;
        t = costream::set_timeout([] {}, 50);
        i = costream::set_immediate([] {});
    }
    CHECK(t.has_ref());
    t.refresh(); // owner gone: no effect
}
