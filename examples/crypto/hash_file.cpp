// sha256 of a file, streamed: the file is never loaded whole (64 KiB chunks from the pool,
// hashed on the loop as they arrive). Prints what `sha256sum FILE` prints.
//
// Mirrors this Node program:
//
//     const fs = require('fs'), crypto = require('crypto');
//     const { pipeline } = require('stream/promises');
//     const hash = crypto.createHash('sha256');
//     hash.on('data', (d) => console.log(`${d.toString('hex')}  ${file}`));
//     await pipeline(fs.createReadStream(file), hash);
//
// Usage: hash_file [FILE] [ALGORITHM=sha256]. Without a FILE it hashes a temporary file of
// 1 MiB ("costream\n" repeated) and removes it.
#include <costream/crypto.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
    std::string file = argc > 1 ? argv[1] : "";
    const std::string algorithm = argc > 2 ? argv[2] : "sha256";
    std::filesystem::path temp;
    if (file.empty()) {
        temp = std::filesystem::temp_directory_path() / "costream-hash-file-example.txt";
        std::ofstream out(temp, std::ios::binary);
        for (int i = 0; i < (1 << 20) / 9; ++i)
            out << "costream\n";
        file = temp.string();
    }

    costream::loop loop;
    auto hash = costream::crypto::create_hash(algorithm);
    hash->on("data", [&](costream::buffer digest) {
        std::printf("%s  %s\n", digest.to_string("hex").c_str(), file.c_str());
    });
    int rc = 0;
    costream::stream::pipeline(
        costream::fs::create_read_stream(file), hash, [&](boost::system::error_code ec) {
            if (ec) {
                std::fprintf(stderr, "hash_file: %s: %s\n", file.c_str(), ec.message().c_str());
                rc = 1;
            }
        });
    loop.run();
    if (!temp.empty()) std::filesystem::remove(temp);
    return rc;
}
