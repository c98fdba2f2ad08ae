// costream tests: what a call threw, as text, for checks against Node's error messages.
#pragma once

#include <exception>
#include <string>

namespace costream_test {

/// what() of the exception f() threw ("TypeError [ERR_X]: message" for costream's errors),
/// or "ok" if it returned.
template <class F>
std::string what_thrown(F&& f) {
    try {
        f();
        return "ok";
    } catch (const std::exception& e) {
        return e.what();
    }
}

} // namespace costream_test
