// Runs a test's helper program (a shell command line) and collects what it prints, stdout
// and stderr together: for the cases that must run in a process of their own (an address-
// space limit, an operator new that fails).
#pragma once

#include <cstdio>
#include <string>

namespace costream_test {

struct child_result {
    int status = -1; ///< pclose()'s wait status; -1 when the command could not be started
    std::string output;
};

inline child_result run_child(const std::string& command) {
    child_result r;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (p == nullptr) return r;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p))
        r.output += buf;
    r.status = ::pclose(p);
    return r;
}

} // namespace costream_test
