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
// costream's fs and crypto modules are not there yet, so both are costream::offload calls
// (the thread pool Node uses for them too): a real file read and OpenSSL's
// PKCS5_PBKDF2_HMAC. Their mutual order is not deterministic, so results print sorted.
// Output: examples/loop/readfile_pbkdf2.expected.
#include <costream/loop.hpp>
#include <costream/thread_pool.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main() {
    costream::loop loop;
    std::string tmpl = (fs::temp_directory_path() / "costream-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    fs::path dir = tmpl, file = dir / "data.txt";
    std::ofstream(file) << "hello costream\n";

    bool sync_done = false;
    std::vector<std::string> results;
    auto done = [&](std::string line) {
        results.push_back(std::move(line));
        if (results.size() == 2) {
            std::sort(results.begin(), results.end());
            for (auto& l : results)
                std::puts(l.c_str());
            fs::remove_all(dir);
        }
    };
    auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };

    std::puts("sync start");
    costream::offload(
        [file] { // fs.readFile(file, 'utf8')
            std::ifstream in(file, std::ios::binary);
            if (!in) throw std::runtime_error("ENOENT");
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
        [] { // crypto.pbkdf2('password', 'salt', 1000, 16, 'sha256')
            std::array<unsigned char, 16> key{};
            PKCS5_PBKDF2_HMAC("password", 8, reinterpret_cast<const unsigned char*>("salt"), 4,
                              1000, EVP_sha256(), 16, key.data());
            OPENSSL_thread_stop(); // free this pool thread's OpenSSL state before exit
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
    std::puts("sync end");
    sync_done = true;
    loop.run();
}
