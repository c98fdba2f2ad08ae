// Port of shared/node-oracle/scenarios/03_loop_seed_b_readfile_pbkdf2.js: the script's body is
// examples/loop/readfile_pbkdf2.hpp (fs.readFile a real file read and crypto.pbkdf2 a real
// OpenSSL PKCS5_PBKDF2_HMAC, each through costream::offload on the thread pool); the lines
// are the scenario's own.
#include <costream/loop.hpp>

#include "../../../examples/loop/readfile_pbkdf2.hpp"
#include "oracle.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

TEST_CASE("node oracle 03: thread-pool callbacks run after all synchronous code") {
    costream::loop l;
    costream_test::trace t;
    readfile_pbkdf2::scratch_file file("hello oracle\n");
    auto err = [](const std::exception_ptr& e) { return std::string(e ? "error" : "null"); };
    auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
    readfile_pbkdf2::start(
        file.path(), [&](const std::string& line) { t.log(line); },
        [&](const readfile_pbkdf2::outcome& read, const readfile_pbkdf2::outcome& key) {
            std::vector<std::string> lines{
                "readFile cb: err=" + err(read.error) + " afterSync=" + yes_no(read.after_sync) +
                    " data=" + readfile_pbkdf2::json_string(read.value),
                "pbkdf2 cb: err=" + err(key.error) + " afterSync=" + yes_no(key.after_sync) +
                    " key=" + key.value};
            std::sort(lines.begin(), lines.end());
            for (auto& line : lines)
                t.log(line);
        });
    l.run();
    costream_test::check_node_trace(t, "03_loop_seed_b_readfile_pbkdf2");
}
