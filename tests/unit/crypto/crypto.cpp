#include <costream/crypto.hpp>

#include <costream/buffer.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/fs.hpp>
#include <costream/loop.hpp>
#include <costream/promise.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/thread_pool.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace crypto = costream::crypto;
using strings = std::vector<std::string>;

namespace {

/// A temporary directory removed at the end of the test.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "costream-crypto-XXXXXX");
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

/// The first word the command prints (the digest of sha256sum and `openssl dgst -r`).
std::string first_word_of(const std::string& command) {
    FILE* p = ::popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p))
        out += buf;
    REQUIRE(::pclose(p) == 0);
    return out.substr(0, out.find_first_of(" \t\n"));
}

std::string random_content(std::mt19937_64& rng, std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(rng());
    return s;
}

/// The digest of `content` written to a create_hash stream in random chunks, read from its
/// single 'data' event (the stream way), with the events seen.
std::string stream_digest(const std::string& alg, const std::string& content, std::mt19937_64& rng,
                          strings* events = nullptr) {
    costream::loop l;
    auto h = crypto::create_hash(alg);
    std::string hex;
    int chunks = 0;
    h->on("data", [&](costream::buffer b) {
        ++chunks;
        hex = b.to_string("hex");
        if (events) events->push_back("data");
    });
    if (events) {
        h->on("end", [&] { events->push_back("end"); });
        h->on("finish", [&] { events->push_back("finish"); });
        h->on("close", [&] { events->push_back("close"); });
    }
    std::size_t at = 0;
    while (at < content.size()) {
        std::size_t n = std::min<std::size_t>(content.size() - at, 1 + rng() % 70000);
        h->write(costream::buffer::from(std::string_view(content).substr(at, n)));
        at += n;
    }
    h->end();
    l.run();
    CHECK(chunks == 1);
    return hex;
}

costream::buffer bytes_of(std::string_view s) {
    return costream::buffer::from(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

/// The digest of `content` written in random chunks (stream way), raw bytes.
std::string stream_digest_raw(const std::string& alg, const std::string& content,
                              std::mt19937_64& rng) {
    costream::loop l;
    auto h = crypto::create_hash(alg);
    std::string hex;
    h->on("data", [&](costream::buffer b) { hex = b.to_string("hex"); });
    std::size_t at = 0;
    while (at < content.size()) {
        std::size_t n = std::min<std::size_t>(content.size() - at, 1 + rng() % 70000);
        h->write(bytes_of(std::string_view(content).substr(at, n)));
        at += n;
    }
    h->end();
    l.run();
    return hex;
}

template <class F>
std::string code_of(F&& f) {
    try {
        f();
    } catch (const costream::type_error& e) {
        return "TypeError " + std::string(e.node_code()) + " " + e.what();
    } catch (const costream::range_error& e) {
        return "RangeError " + std::string(e.node_code()) + " " + e.what();
    } catch (const costream::error& e) {
        return "Error " + std::string(e.node_code()) + " " + e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("hash streams give the digests of sha256sum and openssl dgst for random files and "
          "chunkings") {
    temp_dir dir;
    std::mt19937_64 rng(20261122);
    const std::size_t sizes[] = {0, 1, 55, 64, 65, 1000, 65536, 65537, 1 << 20, (3 << 20) + 7};
    int i = 0;
    for (std::size_t size : sizes) {
        std::string content = random_content(rng, size + rng() % 3);
        auto file = dir.path / ("f" + std::to_string(i++));
        std::ofstream(file, std::ios::binary) << content;
        const std::string q = "'" + file.string() + "'";
        CAPTURE(content.size());
        CHECK(stream_digest_raw("sha256", content, rng) == first_word_of("sha256sum " + q));
        for (std::string alg : {"md5", "sha1", "sha256", "sha512"}) {
            CAPTURE(alg);
            std::string expected = first_word_of("openssl dgst -" + alg + " -r " + q);
            CHECK(stream_digest_raw(alg, content, rng) == expected);
            // The update()/digest() way, also in random pieces.
            costream::loop l;
            auto h = crypto::create_hash(alg);
            std::size_t at = 0;
            while (at < content.size()) {
                std::size_t n = std::min<std::size_t>(content.size() - at, 1 + rng() % 9000);
                h->update(bytes_of(std::string_view(content).substr(at, n)));
                at += n;
            }
            CHECK(h->digest("hex") == expected);
        }
    }
}

TEST_CASE("a hash stream emits one data chunk, the digest, then end, finish and close, like Node") {
    std::mt19937_64 rng(1);
    strings events;
    std::string hex = stream_digest("sha256", "abc", rng, &events);
    CHECK(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(events == strings{"data", "end", "finish", "close"});
}

TEST_CASE("digests match Node for every output encoding and input encoding") {
    costream::loop l;
    // node: crypto.createHash('md5').update('a').digest(enc)
    CHECK(crypto::create_hash("md5")->update("a").digest("hex") ==
          "0cc175b9c0f1b6a831c399e269772661");
    CHECK(crypto::create_hash("md5")->update("a").digest("base64") == "DMF1ucDxtqgxw5niaXcmYQ==");
    CHECK(crypto::create_hash("md5")->update("a").digest("base64url") == "DMF1ucDxtqgxw5niaXcmYQ");
    CHECK(crypto::create_hash("md5")->update("a").digest(costream::encoding::hex) ==
          "0cc175b9c0f1b6a831c399e269772661");
    // latin1: each byte one character (here in UTF-8): "\fÁu¹Àñ¶¨1Ãâiw&a"
    CHECK(crypto::create_hash("md5")->update("a").digest("latin1") ==
          "\x0c\xc3\x81u\xc2\xb9\xc3\x80\xc3\xb1\xc2\xb6\xc2\xa8"
          "1\xc3\x83\xc2\x99\xc3\xa2iw&a");
    CHECK(crypto::create_hash("md5")->update("a").digest("binary") ==
          crypto::create_hash("md5")->update("a").digest("latin1"));
    // Node returns the Buffer for an unknown encoding: here its raw bytes.
    CHECK(crypto::create_hash("md5")->update("a").digest("nope") ==
          std::string("\x0c\xc1\x75\xb9\xc0\xf1\xb6\xa8\x31\xc3\x99\xe2\x69\x77\x26\x61", 16));
    CHECK(crypto::create_hash("md5")->update("a").digest().to_string("hex") ==
          "0cc175b9c0f1b6a831c399e269772661");
    // node: update('616263', 'hex'), update('YWJj', 'base64'), update('é', 'latin1')
    CHECK(crypto::create_hash("md5")->update("616263", "hex").digest("hex") ==
          "900150983cd24fb0d6963f7d28e17f72");
    CHECK(crypto::create_hash("md5")->update("YWJj", "base64").digest("hex") ==
          "900150983cd24fb0d6963f7d28e17f72");
    CHECK(crypto::create_hash("md5")->update("\xc3\xa9", "latin1").digest("hex") ==
          "3406877694691ddd1dfb0aca54681407");
    // An unknown input encoding reads as utf8 (Node 20).
    CHECK(crypto::create_hash("sha256")->update("a", "nope").digest("hex") ==
          "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
}

TEST_CASE("algorithm names resolve as in Node, XOF output lengths included") {
    costream::loop l;
    const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    for (auto name : {"sha256", "SHA256", "sha-256", "RSA-SHA256", "SHA2-256"}) {
        CAPTURE(name);
        CHECK(crypto::create_hash(name)->update("abc").digest("hex") == abc);
    }
    CHECK(crypto::create_hash("sha3-256")->update("abc").digest("hex") ==
          "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    CHECK(crypto::create_hash("shake256")->update("abc").digest("hex") ==
          "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739");
    crypto::hash_options o;
    o.output_length = 8;
    auto shake = crypto::create_hash("shake256", o);
    CHECK(shake->digest_size() == 8);
    CHECK(shake->update("abc").digest("hex") == "483366601360a877");
    CHECK(code_of([&] { crypto::create_hash("sha256", o); }) ==
          "Error ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH Error "
          "[ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH]: error:030000B2:digital envelope "
          "routines::not XOF or invalid length");
    o.output_length = 32;
    CHECK(crypto::create_hash("sha256", o)->update("abc").digest("hex") == abc);
}

TEST_CASE("HMAC tags match Node's vectors") {
    costream::loop l;
    // node: crypto.createHmac(alg, key).update(data).digest(enc)
    CHECK(crypto::create_hmac("sha256", "key")
              ->update("The quick brown fox jumps over the lazy dog")
              .digest("hex") == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    CHECK(crypto::create_hmac("sha256", "")->update("").digest("hex") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(
        crypto::create_hmac("sha512", std::string(300, 'k'))->update("abc").digest("base64") ==
        "D+aJSklKxt1G/W33RrCXUEOAkKH+f8a5ZHAHMMi0Q71XvKADgTnmcm/OkGODRx188jE2aaXv3Cq+EAEK5xc+sg==");
    // The stream way gives the same tag, as its one 'data' chunk.
    auto m = crypto::create_hmac("sha256", costream::buffer::from("6b6579", "hex"));
    std::string tag;
    m->on("data", [&](costream::buffer b) { tag = b.to_string("hex"); });
    m->write("The quick brown ");
    m->write("fox jumps over the lazy dog");
    m->end();
    l.run();
    CHECK(tag == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST_CASE("digest twice and update after digest throw ERR_CRYPTO_HASH_FINALIZED as in Node") {
    costream::loop l;
    auto h = crypto::create_hash("sha256");
    h->digest();
    CHECK(code_of([&] { h->digest(); }) ==
          "Error ERR_CRYPTO_HASH_FINALIZED Error [ERR_CRYPTO_HASH_FINALIZED]: Digest already "
          "called");
    CHECK(code_of([&] { h->update("x"); }) ==
          "Error ERR_CRYPTO_HASH_FINALIZED Error [ERR_CRYPTO_HASH_FINALIZED]: Digest already "
          "called");
    CHECK(code_of([&] { h->copy(); }).starts_with("Error ERR_CRYPTO_HASH_FINALIZED"));
    // Hmac: a second digest is empty (Node), update after digest is finalized.
    auto m = crypto::create_hmac("sha256", "k");
    CHECK(m->digest("hex").size() == 64);
    CHECK(m->digest("hex").empty());
    CHECK(m->digest().empty());
    CHECK(code_of([&] { m->update("x"); }).starts_with("Error ERR_CRYPTO_HASH_FINALIZED"));
}

TEST_CASE("after the stream emitted its digest, digest returns it once and Hmac refuses updates") {
    costream::loop l;
    auto h = crypto::create_hash("sha256");
    auto m = crypto::create_hmac("sha256", "k");
    std::string h_after, m_after, m_update, h_update;
    h->on("data", [](costream::buffer) {});
    h->on("end", [&] {
        // node: update after the stream's flush is accepted and ignored by Hash
        h_update = code_of([&] { h->update("x"); });
        h_after = h->digest("hex");
    });
    m->on("data", [](costream::buffer) {});
    m->on("end", [&] {
        m_update = code_of([&] { m->update("x"); });
        m_after = m->digest("hex");
    });
    h->end("abc");
    m->end("abc");
    l.run();
    CHECK(h_update == "no error");
    CHECK(h_after == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(code_of([&] { h->digest(); }).starts_with("Error ERR_CRYPTO_HASH_FINALIZED"));
    CHECK(m_update == "Error ERR_CRYPTO_HASH_UPDATE_FAILED Error "
                      "[ERR_CRYPTO_HASH_UPDATE_FAILED]: Hash update failed");
    CHECK(m_after.empty());
}

TEST_CASE("digest right after end returns the digest the stream then emits, and update mixes "
          "with write") {
    costream::loop l;
    auto x = crypto::create_hash("sha256");
    std::string data;
    x->on("data", [&](costream::buffer b) { data = b.to_string("hex"); });
    x->write("a");
    x->end();
    CHECK(x->digest("hex") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
    auto w = crypto::create_hash("sha256");
    std::string mixed;
    w->on("data", [&](costream::buffer b) { mixed = b.to_string("hex"); });
    w->update("a");
    w->write("b");
    w->end();
    l.run();
    CHECK(data == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
    CHECK(mixed == crypto::create_hash("sha256")->update("ab").digest("hex"));
}

TEST_CASE("copy continues from the copied state") {
    costream::loop l;
    auto h = crypto::create_hash("sha256");
    h->update("a");
    auto c = h->copy();
    CHECK(c->update("bc").digest("hex") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(h->digest("hex") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
}

TEST_CASE("unknown digests throw Node's errors") {
    costream::loop l;
    // node: createHash('nope') throws Error 'Digest method not supported' (no code in Node)
    CHECK(code_of([] { crypto::create_hash("nope"); }) ==
          "Error ERR_CRYPTO_INVALID_DIGEST Error [ERR_CRYPTO_INVALID_DIGEST]: Digest method not "
          "supported");
    CHECK(code_of([] { crypto::create_hmac("nope", "k"); }) ==
          "TypeError ERR_CRYPTO_INVALID_DIGEST TypeError [ERR_CRYPTO_INVALID_DIGEST]: Invalid "
          "digest: nope");
    CHECK(code_of([] { crypto::pbkdf2_sync("p", "s", 1, 16, "nope"); }) ==
          "TypeError ERR_CRYPTO_INVALID_DIGEST TypeError [ERR_CRYPTO_INVALID_DIGEST]: Invalid "
          "digest: nope");
    CHECK(code_of([] {
              crypto::pbkdf2("p", "s", 1, 16, "nope");
          }).starts_with("TypeError ERR_CRYPTO_INVALID_DIGEST"));
}

TEST_CASE("pbkdf2 and scrypt give Node's keys, sync and on the pool") {
    // node: crypto.pbkdf2Sync(...).toString('hex')
    CHECK(crypto::pbkdf2_sync("password", "salt", 1, 20, "sha1").to_string("hex") ==
          "0c60c80f961f0e71f3a9b524af6012062fe037a6");
    CHECK(crypto::pbkdf2_sync("password", "salt", 4096, 32, "sha256").to_string("hex") ==
          "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    CHECK(crypto::pbkdf2_sync("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt",
                              4096, 40, "sha512")
              .to_string("hex") == "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4e"
                                   "e71115b59f9e60cd953");
    CHECK(crypto::pbkdf2_sync("p", "s", 1, 0, "sha256").empty());
    // node: crypto.scryptSync(...)
    crypto::scrypt_options o;
    o.N = 1024;
    o.r = 8;
    o.p = 16;
    CHECK(crypto::scrypt_sync("password", "NaCl", 64, o).to_string("hex") ==
          "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff10927"
          "9d9830dac727afb94a83ee6d8360cbdfa2cc0640");
    o = {};
    o.N = 16;
    o.r = 1;
    o.p = 1;
    CHECK(crypto::scrypt_sync("", "", 64, o).to_string("hex") ==
          "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a"
          "0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
    CHECK(crypto::scrypt_sync("password", "salt", 32).to_string("hex") ==
          "745731af4484f323968969eda289aeee005b5903ac561e64a5aca121797bf773");
    // 0 means the default (Node): r 0 -> 8, p 0 -> 1
    o = {};
    o.N = 16;
    o.r = 1;
    o.p = 0;
    CHECK(crypto::scrypt_sync("p", "s", 16, o).to_string("hex") ==
          "13a6893eaa50d0932074637fa05e1613");
    o.r = 0;
    o.p = 1;
    CHECK(crypto::scrypt_sync("p", "s", 16, o).to_string("hex") ==
          "4efe92b5bba5ee1837b4b02b67dc2dbd");

    costream::loop l;
    strings log;
    crypto::pbkdf2("password", "salt", 1, 20, "sha1",
                   [&](std::exception_ptr e, costream::buffer key) {
                       CHECK(!e);
                       log.push_back("pbkdf2 " + key.to_string("hex"));
                   });
    crypto::scrypt("password", "salt", 32, {}, [&](std::exception_ptr e, costream::buffer key) {
        CHECK(!e);
        log.push_back("scrypt " + key.to_string("hex"));
    });
    crypto::random_bytes(8).then(
        [&](costream::buffer b) { log.push_back("random " + std::to_string(b.size())); });
    log.push_back("sync");
    l.run();
    REQUIRE(log.size() == 4);
    CHECK(log[0] == "sync"); // completions never run inside the call
    std::sort(log.begin() + 1, log.end());
    CHECK(log[1] == "pbkdf2 0c60c80f961f0e71f3a9b524af6012062fe037a6");
    CHECK(log[2] == "random 8");
    CHECK(log[3] == "scrypt 745731af4484f323968969eda289aeee005b5903ac561e64a5aca121797bf773");
}

TEST_CASE("pbkdf2 can be awaited in a promise coroutine with the default token") {
    costream::loop l;
    std::string hex;
    auto task = [&]() -> costream::promise<> {
        costream::buffer key = co_await crypto::pbkdf2("password", "salt", 1, 20, "sha1");
        hex = key.to_string("hex");
        costream::buffer r = co_await crypto::random_bytes(0);
        CHECK(r.empty());
    };
    auto p = task();
    l.run();
    CHECK(hex == "0c60c80f961f0e71f3a9b524af6012062fe037a6");
}

TEST_CASE("bad lengths and iteration counts throw Node's ERR_OUT_OF_RANGE at once") {
    costream::loop l;
    // node: crypto.pbkdf2Sync('p', 's', -1, 16, 'sha256') and friends
    CHECK(code_of([] { crypto::pbkdf2_sync("p", "s", -1, 16, "sha256"); }) ==
          "RangeError ERR_OUT_OF_RANGE RangeError [ERR_OUT_OF_RANGE]: The value of \"iterations\" "
          "is out of range. It must be >= 1 && <= 2147483647. Received -1");
    CHECK(code_of([] {
              crypto::pbkdf2_sync("p", "s", 0, 16, "sha256");
          }).ends_with("It must be >= 1 && <= 2147483647. Received 0"));
    CHECK(code_of([] { crypto::pbkdf2_sync("p", "s", 2147483648LL, 1, "sha256"); })
              .ends_with("\"iterations\" is out of range. It must be >= 1 && <= 2147483647. "
                         "Received 2147483648"));
    CHECK(code_of([] { crypto::pbkdf2_sync("p", "s", 1, -1, "sha256"); }) ==
          "RangeError ERR_OUT_OF_RANGE RangeError [ERR_OUT_OF_RANGE]: The value of \"keylen\" is "
          "out of range. It must be >= 0 && <= 2147483647. Received -1");
    // iterations are checked before keylen, keylen before the digest (Node's order)
    CHECK(code_of([] { crypto::pbkdf2_sync("p", "s", 0, -1, "nope"); }).find("\"iterations\"") !=
          std::string::npos);
    CHECK(code_of([] { crypto::pbkdf2_sync("p", "s", 1, -1, "nope"); }).find("\"keylen\"") !=
          std::string::npos);
    CHECK(code_of([] {
              crypto::pbkdf2("p", "s", 1, 2147483648LL, "sha256");
          }).ends_with("Received 2147483648"));
    // Node groups digits above 2**32
    CHECK(code_of([] { crypto::random_bytes_sync(10000000000LL); })
              .ends_with("The value of \"size\" is out of range. It must be >= 0 && <= "
                         "2147483647. Received 10_000_000_000"));
    CHECK(code_of([] { crypto::random_bytes(-1); }) ==
          "RangeError ERR_OUT_OF_RANGE RangeError [ERR_OUT_OF_RANGE]: The value of \"size\" is "
          "out of range. It must be >= 0 && <= 2147483647. Received -1");
    CHECK(code_of([] { crypto::scrypt_sync("p", "s", -1); })
              .ends_with("\"keylen\" is out of range. It must be >= 0 && <= 2147483647. "
                         "Received -1"));
    CHECK(crypto::random_bytes_sync(0).empty());
    CHECK(crypto::random_bytes_sync(33).size() == 33);
    CHECK(crypto::random_bytes_sync(32) != crypto::random_bytes_sync(32));
}

TEST_CASE("bad scrypt parameters throw ERR_CRYPTO_INVALID_SCRYPT_PARAMS with OpenSSL's reason") {
    costream::loop l;
    crypto::scrypt_options o;
    o.N = 1000; // not a power of two
    CHECK(code_of([&] { crypto::scrypt_sync("p", "s", 16, o); }) ==
          "RangeError ERR_CRYPTO_INVALID_SCRYPT_PARAMS RangeError "
          "[ERR_CRYPTO_INVALID_SCRYPT_PARAMS]: Invalid scrypt params");
    o.N = 1;
    CHECK(code_of([&] { crypto::scrypt("p", "s", 16, o); }).ends_with("]: Invalid scrypt params"));
    o.N = 1 << 20; // 1 GiB of memory, above the 32 MiB default maxmem
    CHECK(code_of([&] { crypto::scrypt_sync("p", "s", 16, o); }) ==
          "RangeError ERR_CRYPTO_INVALID_SCRYPT_PARAMS RangeError "
          "[ERR_CRYPTO_INVALID_SCRYPT_PARAMS]: Invalid scrypt params: error:030000AC:digital "
          "envelope routines::memory limit exceeded");
    o.N = 1 << 14;
    o.maxmem = 1024;
    CHECK(code_of([&] { crypto::scrypt("p", "s", 16, o); }).ends_with("memory limit exceeded"));
}

namespace {
std::atomic<int> hook_runs{0};
void count_hook() {
    ++hook_runs;
}
} // namespace

TEST_CASE("thread-exit hooks run once on every pool thread as it exits, registered once") {
    costream::thread_pool::at_thread_exit(&count_hook);
    costream::thread_pool::at_thread_exit(&count_hook); // a second registration is ignored
    const int before = hook_runs.load();
    {
        costream::thread_pool pool(3);
        CHECK(hook_runs.load() == before); // not before the threads exit
    }
    CHECK(hook_runs.load() == before + 3);
    costream::thread_pool pool(2);
    pool.join();
    pool.join(); // idempotent
    CHECK(hook_runs.load() == before + 5);
}

TEST_CASE("work queued before join still runs, and its completion reaches the loop") {
    costream::loop l;
    costream::thread_pool pool(1);
    std::atomic<int> ran{0};
    struct work final : costream::detail::pool_work {
        std::atomic<int>* ran;
        bool* completed;
        void run() noexcept override { ++*ran; }
        void complete() override {
            costream::loop::current().pool_work_finished();
            *completed = true;
        }
    };
    bool completed = false;
    for (int i = 0; i < 3; ++i) {
        auto w = std::make_unique<work>();
        w->ran = &ran;
        w->completed = &completed;
        w->target = l.remote_state();
        l.pool_work_started();
        pool.submit(std::move(w));
    }
    pool.join();
    CHECK(ran.load() == 3);
    l.run();
    CHECK(completed);
}

TEST_CASE("a file streamed by pipeline into create_hash gives sha256sum's digest") {
    temp_dir dir;
    std::mt19937_64 rng(7);
    for (std::size_t size : {std::size_t(0), std::size_t(65536), std::size_t(5 << 20) + 3}) {
        auto file = (dir.path / ("p" + std::to_string(size))).string();
        std::ofstream(file, std::ios::binary) << random_content(rng, size);
        costream::loop l;
        costream::fs::read_stream_options o;
        o.high_water_mark = double(1 + rng() % 100000); // odd chunkings
        auto h = crypto::create_hash("sha256");
        std::string hex;
        h->on("data", [&](costream::buffer d) { hex = d.to_string("hex"); });
        boost::system::error_code result = make_error_code(costream::errc::abort_err);
        costream::stream::pipeline(costream::fs::create_read_stream(file, o), h,
                                   [&](boost::system::error_code ec) { result = ec; });
        l.run();
        CHECK(!result);
        CHECK(hex == first_word_of("sha256sum '" + file + "'"));
    }
}
