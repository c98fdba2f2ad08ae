// fs.readFile vs crypto.pbkdf2: thread-pool callbacks come after all synchronous code.
//
// Mirrors examples/loop/readfile_pbkdf2.js:
//
//     console.log('sync start');
//     fs.readFile(file, 'utf8', (err, data) => done(`readFile: afterSync=${syncDone} ...`));
//     crypto.pbkdf2('password', 'salt', 1000, 16, 'sha256', (err, key) => done(`pbkdf2: ...`));
//     console.log('sync end');
//     syncDone = true;
//
// The script's body is readfile_pbkdf2.hpp (shared with the tests that replay it): both jobs
// are costream::offload calls, the thread pool Node uses for them too, a real file read and
// OpenSSL's PKCS5_PBKDF2_HMAC. Their mutual order is not deterministic, so results print
// sorted. Output: examples/loop/readfile_pbkdf2.expected.
#include <costream/loop.hpp>

#include "readfile_pbkdf2.hpp"

#include <cstdio>
#include <exception>
#include <string>

int main() {
    costream::loop loop;
    readfile_pbkdf2::scratch_file file("hello costream\n");
    readfile_pbkdf2::start(
        file.path(), [](const std::string& line) { std::puts(line.c_str()); },
        [](const readfile_pbkdf2::outcome& read, const readfile_pbkdf2::outcome& key) {
            if (read.error) std::rethrow_exception(read.error);
            if (key.error) std::rethrow_exception(key.error);
            for (auto& line : readfile_pbkdf2::example_lines(read, key))
                std::puts(line.c_str());
        });
    loop.run();
}
