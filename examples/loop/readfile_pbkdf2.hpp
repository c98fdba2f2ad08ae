// The body of readfile_pbkdf2.js (fs.readFile vs crypto.pbkdf2 on the thread pool), shared by
// the example program readfile_pbkdf2.cpp, its replay in tests/unit/loop/examples.cpp and the
// port of Node oracle scenario 03 (tests/node/loop/03_loop_seed_b_readfile_pbkdf2.cpp), which
// format the outcome each in their own words.
//
// Both jobs are costream::offload calls, the thread pool Node uses for them too: a real file
// read and OpenSSL's PKCS5_PBKDF2_HMAC.
#pragma once

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
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace readfile_pbkdf2 {

/// What one thread-pool callback saw: Node's `err`, whether the synchronous code had ended
/// (`syncDone`) and the result (the file's text, or the key in hex).
struct outcome {
    std::exception_ptr error;
    bool after_sync = false;
    std::string value;
};

/// A fresh temporary directory holding data.txt with `content`; removed on destruction.
/// node: fs.mkdtempSync(os.tmpdir() + '/'); fs.writeFileSync(file, content)
class scratch_file {
public:
    explicit scratch_file(const std::string& content) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "costream-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        std::ofstream(path()) << content;
    }
    scratch_file(const scratch_file&) = delete;
    scratch_file& operator=(const scratch_file&) = delete;
    ~scratch_file() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::filesystem::path path() const { return dir_ / "data.txt"; }

private:
    std::filesystem::path dir_;
};

/// Runs the synchronous part of the script on the current loop: log("sync start"), starts
/// fs.readFile(file, 'utf8') and crypto.pbkdf2('password', 'salt', 1000, 16, 'sha256') on the
/// thread pool, log("sync end"), syncDone = true. Once both have called back (in either
/// order), `both(read, pbkdf2)` runs on the loop. The caller then runs the loop.
inline void start(const std::filesystem::path& file, std::function<void(const std::string&)> log,
                  std::function<void(const outcome& read, const outcome& pbkdf2)> both) {
    struct state {
        bool sync_done = false;
        int pending = 2;
        outcome read, key;
        std::function<void(const outcome&, const outcome&)> both;
        void done() {
            if (--pending == 0) both(read, key);
        }
    };
    auto st = std::make_shared<state>();
    st->both = std::move(both);
    log("sync start");
    costream::offload(
        [file] { // fs.readFile(file, 'utf8')
            std::ifstream in(file, std::ios::binary);
            if (!in) throw std::runtime_error("ENOENT: " + file.string());
            std::ostringstream os;
            os << in.rdbuf();
            return os.str();
        },
        [st](std::exception_ptr e, std::string data) {
            st->read = {e, st->sync_done, std::move(data)};
            st->done();
        });
    costream::offload(
        [] { // crypto.pbkdf2('password', 'salt', 1000, 16, 'sha256')
            std::array<unsigned char, 16> key{};
            int ok =
                PKCS5_PBKDF2_HMAC("password", 8, reinterpret_cast<const unsigned char*>("salt"), 4,
                                  1000, EVP_sha256(), 16, key.data());
            // OpenSSL's atexit cleanup runs before the pool's threads end (it registered
            // later), so free this thread's OpenSSL state now or LeakSanitizer reports it.
            OPENSSL_thread_stop();
            if (ok != 1) throw std::runtime_error("pbkdf2 failed");
            return key;
        },
        [st](std::exception_ptr e, std::array<unsigned char, 16> key) {
            std::string hex;
            char b[3];
            for (unsigned char c : key) {
                std::snprintf(b, sizeof b, "%02x", c);
                hex += b;
            }
            st->key = {e, st->sync_done, std::move(hex)};
            st->done();
        });
    log("sync end");
    st->sync_done = true;
}

/// JSON.stringify of a string, for the characters the scripts' data can hold.
inline std::string json_string(const std::string& s) {
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

/// The example's two result lines, sorted as readfile_pbkdf2.js prints them:
/// `readFile: afterSync=${syncDone} data=${JSON.stringify(data)}` and
/// `pbkdf2: afterSync=${syncDone} key=${key.toString('hex')}`.
inline std::vector<std::string> example_lines(const outcome& read, const outcome& pbkdf2) {
    auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
    std::vector<std::string> lines{
        "readFile: afterSync=" + yes_no(read.after_sync) + " data=" + json_string(read.value),
        "pbkdf2: afterSync=" + yes_no(pbkdf2.after_sync) + " key=" + pbkdf2.value};
    std::sort(lines.begin(), lines.end());
    return lines;
}

} // namespace readfile_pbkdf2
