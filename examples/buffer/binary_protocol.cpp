// A small binary frame format written and read with Buffer's integer helpers: each write_*
// returns the next offset, reads check bounds and throw Node's errors. Prints exactly what
// this Node snippet prints:
//
//   // A frame: type u8, flags u8, body length u32 BE, id u64 LE, then the UTF-8 body.
//   function encode(type, id, text) {
//     const body = Buffer.from(text);
//     const frame = Buffer.allocUnsafe(14 + body.length);
//     let off = frame.writeUInt8(type, 0);
//     off = frame.writeUInt8(0x80, off);
//     off = frame.writeUInt32BE(body.length, off);
//     off = frame.writeBigUInt64LE(id, off);
//     body.copy(frame, off);
//     return frame;
//   }
//   function decode(frame) {
//     const length = frame.readUInt32BE(2);
//     return { type: frame.readUInt8(0), flags: frame.readUInt8(1), length,
//              id: frame.readBigUInt64LE(6), text: frame.toString('utf8', 14, 14 + length) };
//   }
//   const frame = encode(7, 1234567890123n, 'ping ✓');
//   console.log(frame.toString('hex'));
//   const m = decode(frame);
//   console.log(`type=${m.type} flags=${m.flags} length=${m.length} id=${m.id} text=${m.text}`);
//   const stamp = Buffer.alloc(10);
//   stamp.writeDoubleBE(1.5, 0);
//   stamp.writeInt16LE(-300, 8);
//   console.log(`${stamp.toString('hex')} -> ${stamp.readDoubleBE(0)} ${stamp.readInt16LE(8)}`);
//   try { frame.subarray(0, 5).readUInt32BE(2); } catch (e) { console.log(`truncated: ${e.code}`);
//   } try { stamp.writeUInt16LE(70000, 0); } catch (e) { console.log(`${e.code}: ${e.message}`); }
#include <costream/buffer.hpp>

#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>

namespace {

using costream::buffer;

struct message {
    unsigned type, flags;
    std::uint32_t length;
    std::uint64_t id;
    std::string text;
};

buffer encode(std::uint8_t type, std::uint64_t id, std::string_view text) {
    const auto body = buffer::from(text);
    auto frame = buffer::alloc_unsafe(14 + body.size()); // pooled: no malloc for small frames
    auto off = frame.write_uint8(type, 0);
    off = frame.write_uint8(0x80, off);
    off = frame.write_uint32_be(body.size(), off);
    off = frame.write_big_uint64_le(id, off);
    body.copy(frame, off);
    return frame;
}

message decode(const buffer& frame) {
    const auto length = frame.read_uint32_be(2);
    return {frame.read_uint8(0), frame.read_uint8(1), length, frame.read_big_uint64_le(6),
            frame.to_string("utf8", 14, 14 + length)};
}

} // namespace

int main() {
    const auto frame = encode(7, 1234567890123, "ping ✓");
    std::cout << frame.to_string("hex") << '\n';
    const auto m = decode(frame);
    std::cout << "type=" << m.type << " flags=" << m.flags << " length=" << m.length
              << " id=" << m.id << " text=" << m.text << '\n';
    auto stamp = buffer::alloc(10);
    stamp.write_double_be(1.5, 0);
    stamp.write_int16_le(-300, 8);
    std::cout << stamp.to_string("hex") << " -> " << stamp.read_double_be(0) << ' '
              << stamp.read_int16_le(8) << '\n';
    try {
        (void)frame.subarray(0, 5).read_uint32_be(2);
    } catch (const costream::range_error& e) {
        std::cout << "truncated: " << e.node_code() << '\n';
    }
    try {
        stamp.write_uint16_le(70000, 0);
    } catch (const costream::range_error& e) {
        // what() is "RangeError [ERR_OUT_OF_RANGE]: <message>"; print Node's code: message.
        const std::string what = e.what();
        std::cout << e.node_code() << ": " << what.substr(what.find("]: ") + 3) << '\n';
    }
    return 0;
}
