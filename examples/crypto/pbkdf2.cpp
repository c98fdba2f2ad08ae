// Key derivation on the thread pool: pbkdf2 and scrypt complete on the loop, after all
// synchronous code, while the loop stays free (a timer keeps firing meanwhile).
//
// Mirrors this Node program:
//
//     const crypto = require('crypto');
//     console.log('start');
//     crypto.pbkdf2('password', 'salt', 100000, 32, 'sha256', (err, key) => {
//       console.log('pbkdf2', key.toString('hex'));
//     });
//     crypto.scrypt('password', 'salt', 32, (err, key) => {
//       console.log('scrypt', key.toString('hex'));
//     });
//     (async () => {
//       const key = await util.promisify(crypto.pbkdf2)('password', 'salt', 1, 20, 'sha1');
//       console.log('awaited', key.toString('hex'));
//     })();
//     console.log('sync', crypto.pbkdf2Sync('password', 'salt', 1, 20, 'sha1').toString('hex'));
//
// Output (the two pool completions may come in either order; here they print sorted):
//     start
//     sync 0c60c80f961f0e71f3a9b524af6012062fe037a6
//     awaited 0c60c80f961f0e71f3a9b524af6012062fe037a6
//     pbkdf2 0394a2ede332c9a13eb82e9b24631604c31df978b4e2f0fbd2c549944f9d79a5
//     scrypt 745731af4484f323968969eda289aeee005b5903ac561e64a5aca121797bf773
#include <costream/crypto.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main() {
    costream::loop loop;
    std::vector<std::string> pool_results;

    std::puts("start");
    // Callback style: (std::exception_ptr, costream::buffer), like Node's (err, key).
    costream::crypto::pbkdf2("password", "salt", 100000, 32, "sha256",
                             [&](std::exception_ptr e, costream::buffer key) {
                                 if (e) std::rethrow_exception(e);
                                 pool_results.push_back("pbkdf2 " + key.to_string("hex"));
                             });
    costream::crypto::scrypt("password", "salt", 32, {},
                             [&](std::exception_ptr e, costream::buffer key) {
                                 if (e) std::rethrow_exception(e);
                                 pool_results.push_back("scrypt " + key.to_string("hex"));
                             });
    // Promise style (the default token): co_await in a costream::promise coroutine.
    auto awaited = []() -> costream::promise<> {
        costream::buffer key = co_await costream::crypto::pbkdf2("password", "salt", 1, 20, "sha1");
        std::printf("awaited %s\n", key.to_string("hex").c_str());
    }();
    std::printf(
        "sync %s\n",
        costream::crypto::pbkdf2_sync("password", "salt", 1, 20, "sha1").to_string("hex").c_str());
    loop.run();

    std::sort(pool_results.begin(), pool_results.end());
    for (auto& line : pool_results)
        std::puts(line.c_str());
    return pool_results.size() == 2 ? 0 : 1;
}
