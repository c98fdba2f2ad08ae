// Port of shared/node-oracle/scenarios/18_buf_slice_subarray.js: slice()/subarray() share memory
// both ways; Buffer.from(buf) and Uint8Array.prototype.slice copy.
//
// Adapted: `${buf}` is buf.to_string(). `s.buffer === b.buffer` and byteOffset are
// shares_storage_with() and byte_offset(). Uint8Array.prototype.slice (a copy) is
// buffer::from(b.subarray(0, 3)). Buffer.from(arrayBuffer, 1, 2) over memory the program
// owns is buffer::wrap over a std::array (zero-copy, no-op deleter) and subarray(1, 3).
#include <costream/buffer.hpp>

#include <oracle.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>

using costream::buffer;

TEST_CASE("node oracle 18_buf_slice_subarray: views share memory, from(buf) copies") {
    costream_test::trace t;
    auto b = buffer::from("abcdefgh");
    auto s = b.slice(2, 5);
    auto sub = b.subarray(4);
    t.log("slice(2,5)=", s.to_string(), " subarray(4)=", sub.to_string(), " len=", s.length(), ",",
          sub.length());
    s[0] = 0x58; // 'X'
    t.log("after s[0]='X': b=", b.to_string(), " sub=", sub.to_string());
    b[4] = 0x59; // 'Y'
    t.log("after b[4]='Y': s=", s.to_string(), " sub=", sub.to_string());
    t.log("slice(-3)=", b.slice(-3).to_string(), " slice(-3,-1)=", b.slice(-3, -1).to_string(),
          " slice(5,2)='", b.slice(5, 2).to_string(),
          "' slice(6,100)=", b.slice(6, 100).to_string());
    t.log("subarray(-2)=", b.subarray(-2).to_string(), " slice().length=", b.slice().length());
    t.log("same ArrayBuffer: ", s.shares_storage_with(b) ? "true" : "false",
          " byteOffset delta=", s.byte_offset() - b.byte_offset());
    auto copy = buffer::from(b);
    copy[0] = 0x5a;
    t.log("Buffer.from(buf) copies: b=", b.to_string(), " copy=", copy.to_string());
    auto u8copy = buffer::from(b.subarray(0, 3));
    u8copy[0] = 0x21;
    t.log("Uint8Array.prototype.slice copies: b[0]=", static_cast<char>(b[0]),
          " copy[0]=", static_cast<char>(u8copy[0]));
    std::array<std::uint8_t, 4> ab{};
    auto view = buffer::wrap(ab.data(), ab.size(), [](std::uint8_t*) {}).subarray(1, 3);
    ab[1] = 0x41;
    t.log("Buffer.from(arrayBuffer,1,2) shares: view[0]=", int(view[0]), " len=", view.length());
    auto nested = s.subarray(1, 2);
    nested[0] = 0x2a; // '*'
    t.log("nested subarray write: b=", b.to_string());
    costream_test::check_node_trace(t, "18_buf_slice_subarray");
}
