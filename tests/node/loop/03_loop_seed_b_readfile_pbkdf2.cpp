// Port of shared/node-oracle/scenarios/03_loop_seed_b_readfile_pbkdf2.js: fs and crypto do not
// exist yet, so fs.readFile is a real file read and crypto.pbkdf2 a real OpenSSL PKCS5_PBKDF2_HMAC,
// each run through costream::offload on the thread pool.
#include <costream/loop.hpp>

#include <costream/thread_pool.hpp>

#include "oracle.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {
std::string hex(const unsigned char* p, std::size_t n) {
    std::string s;
    char b[3];
    for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, "%02x", p[i]);
        s += b;
    }
    return s;
}
std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '\n')
            o += "\\n";
        else if (c == '"' || c == '\\')
            o += std::string("\\") + c;
        else
            o += c;
    }
    return o + "\"";
}
} // namespace

TEST_CASE("node oracle 03: thread-pool callbacks run after all synchronous code") {
    namespace fs = std::filesystem;
    costream::loop l;
    costream_test::trace t;
    std::string tmpl = (fs::temp_directory_path() / "costream-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    fs::path dir = tmpl;
    fs::path file = dir / "data.txt";
    std::ofstream(file) << "hello oracle\n";
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
    t.log("sync start");
    costream::offload(
        [file] {
            std::ifstream in(file, std::ios::binary);
            if (!in) throw std::runtime_error("ENOENT");
            std::ostringstream os;
            os << in.rdbuf();
            return os.str();
        },
        [&](std::exception_ptr e, std::string data) {
            done("readFile cb: err=" + std::string(e ? "error" : "null") +
                 " afterSync=" + (sync_done ? "true" : "false") + " data=" + json_string(data));
        });
    costream::offload(
        [] {
            std::array<unsigned char, 16> key{};
            const std::string pw = "password", salt = "salt";
            if (PKCS5_PBKDF2_HMAC(pw.data(), static_cast<int>(pw.size()),
                                  reinterpret_cast<const unsigned char*>(salt.data()),
                                  static_cast<int>(salt.size()), 1000, EVP_sha256(),
                                  static_cast<int>(key.size()), key.data()) != 1)
                throw std::runtime_error("pbkdf2 failed");
            // OpenSSL's atexit cleanup runs before the pool's threads end (it registered
            // later), so free this thread's OpenSSL state now or LeakSanitizer reports it.
            OPENSSL_thread_stop();
            return key;
        },
        [&](std::exception_ptr e, std::array<unsigned char, 16> key) {
            done("pbkdf2 cb: err=" + std::string(e ? "error" : "null") + " afterSync=" +
                 (sync_done ? "true" : "false") + " key=" + hex(key.data(), key.size()));
        });
    t.log("sync end");
    sync_done = true;
    l.run();
    CHECK(!fs::exists(dir));
    costream_test::check_node_trace(t, "03_loop_seed_b_readfile_pbkdf2");
}
