// Compare a trace recorded by a test with the trace Node v20 printed for the same scenario
// (tests/node/oracle/expected/<name>.txt, copied from shared/node-oracle).
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef COSTREAM_ORACLE_DIR
#error "COSTREAM_ORACLE_DIR must name tests/node/oracle/expected"
#endif

namespace costream_test {

/// The lines Node printed for scenario `name` (e.g. "13_buf_utf8").
inline std::vector<std::string> node_trace(std::string_view name) {
    std::ifstream in(std::string(COSTREAM_ORACLE_DIR) + "/" + std::string(name) + ".txt");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

/// Records a trace one line at a time, as the scenario's console.log did.
struct trace {
    std::vector<std::string> lines;
    void operator()(std::string line) { lines.push_back(std::move(line)); }
    /// Streams its arguments into one line: log("a=", 1).
    template <class... Args>
    void log(const Args&... args) {
        std::ostringstream os;
        (os << ... << args);
        lines.push_back(os.str());
    }
};

/// Checks `got` against Node's trace for `name` line by line, reporting the first difference.
inline void check_node_trace(const std::vector<std::string>& got, std::string_view name) {
    auto want = node_trace(name);
    REQUIRE_MESSAGE(!want.empty(), "no Node trace named " << name);
    for (std::size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
        if (i >= got.size() || i >= want.size() || got[i] != want[i]) {
            FAIL_CHECK("trace " << name << " differs at line " << (i + 1)
                                << "\n  node:     " << (i < want.size() ? want[i] : "<end>")
                                << "\n  costream: " << (i < got.size() ? got[i] : "<end>"));
            return;
        }
    }
}
inline void check_node_trace(const trace& t, std::string_view name) {
    check_node_trace(t.lines, name);
}

} // namespace costream_test
