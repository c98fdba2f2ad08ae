// zlib streams out of memory: an output buffer that a pool job cannot allocate fails the
// stream with Z_MEM_ERROR instead of ending the process (the job runs noexcept on a pool
// thread, where a bad_alloc would call std::terminate). Node has no such case to compare
// with: Buffer.allocUnsafe throwing in processCallback is an uncaught exception there.
// Each case runs tests/unit/zlib/oom_child.cc under an address-space limit.
#include "run_child.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <string>

namespace {

// Runs the child in `mode`; it must exit normally with `expected` on stdout.
void check_child(const std::string& mode, const std::string& expected) {
    const auto r = costream_test::run_child(std::string(COSTREAM_ZLIB_OOM_CHILD) + " " + mode);
    INFO(r.output);
    REQUIRE(WIFEXITED(r.status));      // also false for -1: the child did not start
    CHECK(WEXITSTATUS(r.status) == 0); // not 134: std::terminate
    CHECK(r.output == expected);
}

} // namespace

TEST_CASE("a gunzip stream whose next output buffer cannot be allocated fails with Z_MEM_ERROR") {
    // The first 64 MiB buffer (made before the limit) is delivered whole; the next call's
    // buffer does not fit.
    check_child("gunzip", "67108864 Z_MEM_ERROR insufficient memory\n");
}

TEST_CASE("a parallel gzip block whose output buffer cannot be allocated fails the stream") {
    check_child("parallel", "0 Z_MEM_ERROR insufficient memory\n");
}
