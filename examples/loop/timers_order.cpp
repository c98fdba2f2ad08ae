// Timers fire by due time, then creation order; 0, 1 and negative delays all mean 1 ms.
//
// Mirrors examples/loop/timers_order.js:
//
//     setTimeout(() => console.log('t100'), 100);
//     setTimeout(() => console.log('t50 a'), 50);
//     setTimeout(() => console.log('t0 a'), 0);
//     setTimeout(() => console.log('t1'), 1);
//     setTimeout(() => console.log('t0 b'), 0);
//     setTimeout(() => console.log('t-5'), -5);
//     setTimeout(() => console.log('t50 b'), 50);
//     setTimeout((a, b) => console.log(`t25 ${a} ${b}`), 25, 'x', 'y');
//     const never = setTimeout(() => console.log('never'), 2);
//     clearTimeout(never);
//     console.log('sync end');
//
// Output: examples/loop/timers_order.expected.
#include <costream/loop.hpp>
#include <costream/timers.hpp>

#include <cstdio>
#include <string>

int main() {
    costream::loop loop;
    costream::set_timeout([] { std::puts("t100"); }, 100);
    costream::set_timeout([] { std::puts("t50 a"); }, 50);
    costream::set_timeout([] { std::puts("t0 a"); }, 0);
    costream::set_timeout([] { std::puts("t1"); }, 1);
    costream::set_timeout([] { std::puts("t0 b"); }, 0);
    costream::set_timeout([] { std::puts("t-5"); }, -5);
    costream::set_timeout([] { std::puts("t50 b"); }, 50);
    costream::set_timeout(
        [](const std::string& a, const std::string& b) {
            std::printf("t25 %s %s\n", a.c_str(), b.c_str());
        },
        25, std::string("x"), std::string("y"));
    auto never = costream::set_timeout([] { std::puts("never"); }, 2);
    costream::clear_timeout(never);
    std::puts("sync end");
    loop.run();
}
