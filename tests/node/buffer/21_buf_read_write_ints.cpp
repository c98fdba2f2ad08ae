// Port of shared/node-oracle/scenarios/21_buf_read_write_ints.js: endianness and sign of the
// integer readers, write* returning offset + size, float rounding.
//
// Adapted: readUint16LE and readUInt16LE are one function in snake_case (read_uint16_le), so
// the alias line checks that the names resolve to the same member. read_float_* returns a
// float; Node returns it widened to a double, which is what the port prints. BigInt results
// are std::uint64_t / std::int64_t. writeInt32LE(-1) with no offset uses the default 0.
#include <costream/buffer.hpp>

#include "js_format.hpp"
#include <oracle.hpp>

#include <doctest/doctest.h>

#include <string>

using costream::buffer;
namespace js = costream_test::js;

TEST_CASE("node oracle 21_buf_read_write_ints: integer and float readers and writers") {
    costream_test::trace t;
    const auto b = buffer::from({0x01, 0x02, 0x03, 0x04, 0xff, 0xfe, 0x80, 0x00});
    t.log("buf=", b.to_string("hex"));
    t.log("readUInt8(4)=", +b.read_uint8(4), " readInt8(4)=", +b.read_int8(4),
          " readInt8(6)=", +b.read_int8(6));
    t.log("readUInt16LE(0)=", b.read_uint16_le(0), " readUInt16BE(0)=", b.read_uint16_be(0));
    t.log("readUInt16LE(4)=", b.read_uint16_le(4), " readInt16LE(4)=", b.read_int16_le(4),
          " readInt16BE(4)=", b.read_int16_be(4));
    t.log("readUInt32LE(0)=", b.read_uint32_le(0), " readUInt32BE(0)=", b.read_uint32_be(0));
    t.log("readInt32LE(4)=", b.read_int32_le(4), " readUInt32LE(4)=", b.read_uint32_le(4),
          " readInt32BE(4)=", b.read_int32_be(4));
    t.log("readUIntBE(1,3)=", b.read_uint_be(1, 3), " readIntLE(4,3)=", b.read_int_le(4, 3),
          " readUIntLE(2,6)=", b.read_uint_le(2, 6));
    t.log("readBigUInt64LE(0)=", b.read_big_uint64_le(0),
          " readBigInt64BE(0)=", b.read_big_int64_be(0));
    // Both JS spellings map to the one C++ name.
    const auto read_uint16_le_alias = &buffer::read_uint16_le;
    const auto read_uint16_le_name = &buffer::read_uint16_le;
    t.log("aliases readUint16LE===readUInt16LE: ",
          read_uint16_le_alias == read_uint16_le_name ? "true" : "false");
    auto w = buffer::alloc(12);
    t.log("writeUInt32BE(0xdeadbeef,0) returned ", w.write_uint32_be(0xdeadbeef, 0));
    t.log("writeUInt16LE(0x1234,4) returned ", w.write_uint16_le(0x1234, 4));
    t.log("writeInt16BE(-2,6) returned ", w.write_int16_be(-2, 6));
    t.log("writeInt8(-128,8) returned ", w.write_int8(-128, 8));
    t.log("writeUIntLE(0x0a0b0c,9,3) returned ", w.write_uint_le(0x0a0b0c, 9, 3));
    t.log("w=", w.to_string("hex"));
    auto f = buffer::alloc(12);
    f.write_float_le(1.5, 0);
    f.write_double_be(-0.1, 4);
    t.log("floats=", f.to_string("hex"), " readFloatLE=", js::number(f.read_float_le(0)),
          " readDoubleBE=", js::number(f.read_double_be(4)));
    f.write_float_be(0.1, 0);
    t.log("writeFloatBE(0.1) readback=", js::number(f.read_float_be(0)), " (float32 rounding)");
    auto x = buffer::alloc(4);
    x.write_int32_le(-1);
    t.log("writeInt32LE(-1) -> ", x.to_string("hex"));
    t.log("default offset 0: readUInt16BE()=", b.read_uint16_be());
    costream_test::check_node_trace(t, "21_buf_read_write_ints");
}
