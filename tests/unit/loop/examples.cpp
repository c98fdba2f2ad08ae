// The programs of examples/loop/ replayed with a recorded trace (manual clock, no external
// process) and compared with examples/loop/<name>.expected, which is Node's output for the
// <name>.js next to it. CI also diffs each example's real output against the same file.
#include <costream/loop.hpp>

#include <costream/promise.hpp>
#include <costream/thread_pool.hpp>
#include <costream/timers.hpp>

#include "oracle.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
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
    namespace fs = std::filesystem;
    costream::loop l;
    costream_test::trace t;
    std::string tmpl = (fs::temp_directory_path() / "costream-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    fs::path dir = tmpl, file = dir / "data.txt";
    std::ofstream(file) << "hello costream\n";
    bool sync_done = false;
    std::vector<std::string> results;
    auto done = [&](std::string line) {
        results.push_back(std::move(line));
        if (results.size() == 2) {
            std::sort(results.begin(), results.end());
            for (auto& r : results)
                t.log(r);
            fs::remove_all(dir);
        }
    };
    auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
    t.log("sync start");
    costream::offload(
        [file] {
            std::ifstream in(file, std::ios::binary);
            std::ostringstream os;
            os << in.rdbuf();
            return os.str();
        },
        [&](std::exception_ptr, std::string data) {
            if (!data.empty() && data.back() == '\n')
                data = data.substr(0, data.size() - 1) + "\\n";
            done("readFile: afterSync=" + yes_no(sync_done) + " data=\"" + data + "\"");
        });
    costream::offload(
        [] {
            std::array<unsigned char, 16> key{};
            PKCS5_PBKDF2_HMAC("password", 8, reinterpret_cast<const unsigned char*>("salt"), 4,
                              1000, EVP_sha256(), 16, key.data());
            OPENSSL_thread_stop();
            return key;
        },
        [&](std::exception_ptr, std::array<unsigned char, 16> key) {
            std::string hex;
            char b[3];
            for (unsigned char c : key) {
                std::snprintf(b, sizeof b, "%02x", c);
                hex += b;
            }
            done("pbkdf2: afterSync=" + yes_no(sync_done) + " key=" + hex);
        });
    t.log("sync end");
    sync_done = true;
    l.run();
    check_lines(t, expected("readfile_pbkdf2"));
}
