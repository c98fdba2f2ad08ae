// The programs of examples/loop/ replayed with a recorded trace (manual clock, no external
// process) and compared with examples/loop/<name>.expected, which is Node's output for the
// <name>.js next to it. CI also diffs each example's real output against the same file.
#include <costream/loop.hpp>

#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>

#include "../../../examples/loop/readfile_pbkdf2.hpp"
#include "oracle.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace {
std::vector<std::string> expected(const std::string& name) {
    // COSTREAM_ORACLE_DIR is <repo>/tests/node/oracle/expected
    std::ifstream in(std::string(COSTREAM_ORACLE_DIR) + "/../../../../examples/loop/" + name +
                     ".expected");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    REQUIRE_MESSAGE(!lines.empty(), "no examples/loop/" << name << ".expected");
    return lines;
}
void check_lines(const costream_test::trace& t, const std::vector<std::string>& want) {
    CHECK(t.lines == want);
}
} // namespace

TEST_CASE("example seed_order prints Node's Start/End/nextTick/Promise/Timeout/Immediate order") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    t.log("Start");
    costream::set_timeout([&] { t.log("Timeout"); }, 0);
    costream::set_immediate([&] { t.log("Immediate"); });
    costream::promise<>::resolve().then([&] { t.log("Promise"); });
    costream::next_tick([&] { t.log("nextTick"); });
    l.advance(std::chrono::milliseconds(20)); // the busy wait
    t.log("End");
    l.run();
    check_lines(t, expected("seed_order"));
}

TEST_CASE("example timers_order prints Node's timer order") {
    costream::loop l({.manual_clock = true});
    costream_test::trace t;
    costream::set_timeout([&] { t.log("t100"); }, 100);
    costream::set_timeout([&] { t.log("t50 a"); }, 50);
    costream::set_timeout([&] { t.log("t0 a"); }, 0);
    costream::set_timeout([&] { t.log("t1"); }, 1);
    costream::set_timeout([&] { t.log("t0 b"); }, 0);
    costream::set_timeout([&] { t.log("t-5"); }, -5);
    costream::set_timeout([&] { t.log("t50 b"); }, 50);
    costream::set_timeout(
        [&](const std::string& a, const std::string& b) { t.log("t25 ", a, " ", b); }, 25,
        std::string("x"), std::string("y"));
    auto never = costream::set_timeout([&] { t.log("never"); }, 2);
    costream::clear_timeout(never);
    t.log("sync end");
    l.run();
    check_lines(t, expected("timers_order"));
}

TEST_CASE("example readfile_pbkdf2 prints Node's lines with a real read and a real pbkdf2") {
    costream::loop l;
    costream_test::trace t;
    readfile_pbkdf2::scratch_file file("hello costream\n");
    int calls = 0;
    readfile_pbkdf2::start(
        file.path(), [&](const std::string& line) { t.log(line); },
        [&](const readfile_pbkdf2::outcome& read, const readfile_pbkdf2::outcome& key) {
            ++calls;
            CHECK(!read.error);
            CHECK(!key.error);
            for (auto& line : readfile_pbkdf2::example_lines(read, key))
                t.log(line);
        });
    CHECK(calls == 0); // nothing completes inside the synchronous part
    l.run();
    CHECK(calls == 1);
    check_lines(t, expected("readfile_pbkdf2"));
}
