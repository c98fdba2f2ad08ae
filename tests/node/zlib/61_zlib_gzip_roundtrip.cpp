// Port of shared/node-oracle/scenarios/61_zlib_gzip_roundtrip.js: pipeline(source, createGzip,
// sink) then createGunzip fed 777-byte pieces is byte-exact; sync/stream interop; concatenated
// members; raw round trip; empty input. Adapted: Readable.from([...]) is a readable of this file
// that pushes the same three buffers; `err=undefined` prints a successful pipeline.
#include <costream/zlib.hpp>

#include <costream/loop.hpp>
#include <costream/stream/pipeline.hpp>
#include <costream/stream/readable.hpp>
#include <costream/stream/writable.hpp>

#include "oracle.hpp"

#include <openssl/evp.h>

#include <string>
#include <vector>

namespace zl = costream::zlib;
namespace cs = costream::stream;
using costream::buffer;

namespace {

struct list_readable : cs::basic_readable<buffer> {
    std::vector<buffer> items;
    std::size_t next = 0;
    explicit list_readable(std::vector<buffer> v) : items(std::move(v)) {}
    void do_read(std::size_t) override {
        if (next < items.size())
            push(items[next++]);
        else
            push(nullptr);
    }
};

struct list_writable : cs::basic_writable<buffer> {
    std::vector<buffer>& out;
    explicit list_writable(std::vector<buffer>& o) : out(o) {}
    void do_write(buffer&& c, write_callback cb) override {
        out.push_back(std::move(c));
        cb();
    }
};

std::string sha256_16(const buffer& b) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(b.data(), b.size(), md, &n, EVP_sha256(), nullptr);
    return buffer::from(std::span<const std::uint8_t>(md, n)).to_string("hex").substr(0, 16);
}

const char* js_bool(bool b) {
    return b ? "true" : "false";
}

} // namespace

TEST_CASE("node oracle 61: gzip stream round trip, sync interop and concatenated members") {
    costream::loop l;
    costream_test::trace t;
    std::string text;
    for (int i = 0; i < 2000; ++i)
        text += "line " + std::to_string(i) + ": " + std::string(std::size_t(i % 50), 'x') +
                " \xc3\xa9\xe2\x82\xac\n";
    const buffer input = buffer::from(text);
    t.log("input bytes=", input.size(), " sha256=", sha256_16(input));

    std::vector<buffer> compressed;
    std::vector<buffer> out_chunks;
    auto src = cs::make<list_readable>(std::vector<buffer>{
        input.subarray(0, 1000), input.subarray(1000, 50000), input.subarray(50000)});
    auto gz = zl::create_gzip();
    auto sink = cs::make<list_writable>(compressed);
    cs::pipeline(src, gz, sink, [&](const boost::system::error_code& err) {
        const buffer gz_buf = buffer::concat(compressed);
        t.log("gzip stream done err=", err ? std::string(costream::node_code(err)) : "undefined",
              " magic=", gz_buf.subarray(0, 3).to_string("hex"),
              " smaller=", js_bool(gz_buf.size() < input.size() / 5));
        t.log("gzip bytesWritten (input consumed)=", gz->bytes_written());
        auto gunzip = zl::create_gunzip();
        gunzip->on("data", [&](const buffer& c) { out_chunks.push_back(c); });
        gunzip->on("end", [&, gz_buf] {
            const buffer out = buffer::concat(out_chunks);
            const std::string s = out.to_string();
            t.log("gunzip output bytes=", out.size(), " equal=", js_bool(out == input),
                  " first line=\"", s.substr(0, s.find('\n')), "\"");
            t.log("gunzipSync of stream output equal=", js_bool(zl::gunzip_sync(gz_buf) == input));
            t.log("gzipSync -> gunzipSync equal=",
                  js_bool(zl::gunzip_sync(zl::gzip_sync(input)) == input));
            const buffer two = buffer::concat({std::span<const std::uint8_t>(zl::gzip_sync("ab")),
                                               std::span<const std::uint8_t>(zl::gzip_sync("cd"))});
            t.log("two concatenated gzip members -> \"", zl::gunzip_sync(two).to_string(), "\"");
            t.log("deflate/inflate raw roundtrip=",
                  js_bool(zl::inflate_raw_sync(zl::deflate_raw_sync(input)) == input),
                  " empty gzip->'", zl::gunzip_sync(zl::gzip_sync("")).to_string(), "'");
        });
        for (std::size_t off = 0; off < gz_buf.size(); off += 777)
            gunzip->write(gz_buf.subarray(off, off + 777));
        gunzip->end();
    });
    l.run();
    costream_test::check_node_trace(t, "61_zlib_gzip_roundtrip");
}
