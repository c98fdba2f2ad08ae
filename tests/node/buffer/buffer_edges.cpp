// Port of tests/node/buffer/buffer_edges.js: Buffer edge cases with Node's exact error messages
// (what() is `${name} [${code}]: ${message}`), expected output in buffer_edges.txt recorded from
// node v20.20.2.
//
// Each line makes the same call as the script. Adapted: `undefined` arguments are omitted
// index_arg ({}); JavaScript numbers are C++ integers (2 ** 33 -> std::int64_t(1) << 33);
// BigInts are std::int64_t / std::uint64_t; '\ud800' strings are std::u16string; a
// Buffer.from([...]) haystack is buffer::from({...}).
#include <costream/buffer.hpp>

#include "js_format.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

using costream::buffer;
namespace js = costream_test::js;

namespace {

/// A result printed as the script's t() prints it: Buffer as "Buffer <hex>", else JSON.
struct val {
    std::string text;
    val(const buffer& b) : text("Buffer " + b.to_string("hex")) {}
    template <std::integral I>
    val(I v) : text(std::to_string(v)) {}
    val(bool v) : text(v ? "true" : "false") {}
    val(const std::string& s) : text(js::json_string(std::string_view(s))) {}
    val(const char* s) : text(js::json_string(std::string_view(s))) {}
    val(std::initializer_list<val> items) {
        text.push_back('[');
        for (const auto& i : items) {
            if (text.size() > 1) text.push_back(',');
            text.append(i.text);
        }
        text.push_back(']');
    }
};

struct recorder {
    std::vector<std::string> lines;
    template <class F>
    void operator()(std::string label, F fn) {
        try {
            lines.push_back(label + " -> " + val(fn()).text);
        } catch (const costream::range_error& e) {
            lines.push_back(label + " => " + e.what());
        } catch (const costream::type_error& e) {
            lines.push_back(label + " => " + e.what());
        }
    }
};

std::vector<std::string> expected_lines() {
    std::ifstream in(std::string(COSTREAM_ORACLE_DIR) + "/../../buffer/buffer_edges.txt");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

const std::u16string lone_high(1, char16_t(0xD800));

} // namespace

TEST_CASE("node edges: every Buffer edge case gives Node's result or Node's exact error") {
    recorder t;
    auto b = buffer::alloc(4);
    const std::int64_t p32 = std::int64_t(1) << 32;
    // reads
    t("readUInt8(4)", [&] { return b.read_uint8(4); });
    t("readUInt8(-1)", [&] { return b.read_uint8(-1); });
    t("readUInt8(2**33)", [&] { return b.read_uint8(2 * p32); });
    t("readUInt8(2**32)", [&] { return b.read_uint8(p32); });
    t("readUInt8(-(2**33))", [&] { return b.read_uint8(-2 * p32); });
    t("readUInt16LE(3)", [&] { return b.read_uint16_le(3); });
    t("readInt32BE(1)", [&] { return b.read_int32_be(1); });
    t("readDoubleLE(0)", [&] { return static_cast<std::int64_t>(b.read_double_le(0)); });
    t("readFloatBE(1)", [&] { return static_cast<std::int64_t>(b.read_float_be(1)); });
    t("alloc(0).readUInt8(0)", [&] { return buffer::alloc(0).read_uint8(0); });
    t("readUIntLE(0,7)", [&] { return b.read_uint_le(0, 7); });
    t("readUIntLE(0,0)", [&] { return b.read_uint_le(0, 0); });
    t("readIntBE(0,-1)", [&] { return b.read_int_be(0, -1); });
    t("readUIntLE(1,4)", [&] { return b.read_uint_le(1, 4); });
    t("readIntLE(2,3)", [&] { return b.read_int_le(2, 3); });
    t("readUIntBE(0,6) on 4", [&] { return b.read_uint_be(0, 6); });
    t("readUIntLE(undefined,2)", [&] { return b.read_uint_le({}, 2); });
    t("readBigInt64LE(1) on 8", [&] { return buffer::alloc(8).read_big_int64_le(1); });
    // writes
    t("writeUInt8(256)", [&] { return b.write_uint8(256); });
    t("writeInt8(-129)", [&] { return b.write_int8(-129); });
    t("writeUInt16LE(65536)", [&] { return b.write_uint16_le(65536); });
    t("writeInt16BE(-32769)", [&] { return b.write_int16_be(-32769); });
    t("writeUInt8(1,4)", [&] { return b.write_uint8(1, 4); });
    t("writeUInt32BE(2**32+1)", [&] { return b.write_uint32_be(p32 + 1); });
    t("writeInt32LE(2**31)", [&] { return b.write_int32_le(p32 / 2); });
    t("writeInt32BE(-(2**31)-1)", [&] { return b.write_int32_be(-(p32 / 2) - 1); });
    t("writeUInt32BE(1,1)", [&] { return b.write_uint32_be(1, 1); });
    t("writeUInt32BE(2**32,1)", [&] { return b.write_uint32_be(p32, 1); });
    t("writeUIntLE(2**24,0,3)", [&] { return b.write_uint_le(1 << 24, 0, 3); });
    t("writeIntBE(2**23,0,3)", [&] { return b.write_int_be(1 << 23, 0, 3); });
    t("writeUIntLE(2**40,0,5)", [&] { return buffer::alloc(8).write_uint_le(p32 << 8, 0, 5); });
    t("writeIntLE(2**39,0,5)", [&] { return buffer::alloc(8).write_int_le(p32 << 7, 0, 5); });
    t("writeUIntBE(2**48,0,6)", [&] { return buffer::alloc(8).write_uint_be(p32 << 16, 0, 6); });
    t("writeIntLE(-(2**47)-1,0,6)",
      [&] { return buffer::alloc(8).write_int_le(-(p32 << 15) - 1, 0, 6); });
    t("writeUIntLE(1,0,7)", [&] { return b.write_uint_le(1, 0, 7); });
    t("writeIntLE(1,0,0)", [&] { return b.write_int_le(1, 0, 0); });
    t("writeUIntLE(1,2,3)", [&] { return b.write_uint_le(1, 2, 3); });
    t("writeUIntBE(1,0,6) on 4", [&] { return b.write_uint_be(1, 0, 6); });
    t("writeUIntLE(1,0,undefined)", [&] { return b.write_uint_le(1, 0, {}); });
    t("writeBigUInt64LE(-1n)", [&] { return buffer::alloc(8).write_big_uint64_le(-1); });
    t("writeBigInt64BE(-(2n**63n))", [&] {
        auto x = buffer::alloc(8);
        x.write_big_int64_be(std::numeric_limits<std::int64_t>::min());
        return x;
    });
    t("writeBigUInt64BE(2n**64n-1n)", [&] {
        auto x = buffer::alloc(8);
        x.write_big_uint64_be(std::numeric_limits<std::uint64_t>::max());
        return x;
    });
    t("writeBigInt64LE(2n**63n)",
      [&] { return buffer::alloc(8).write_big_int64_le(std::uint64_t(1) << 63); });
    t("writeBigInt64LE(1n,1)", [&] { return buffer::alloc(8).write_big_int64_le(1, 1); });
    t("writeBigInt64LE(1n) on 4", [&] { return b.write_big_int64_le(1); });
    t("writeFloatLE(1,1)", [&] { return b.write_float_le(1, 1); });
    t("writeDoubleBE(1) on 4", [&] { return b.write_double_be(1); });
    t("writeFloatLE(1e300)", [&] {
        auto x = buffer::alloc(4);
        x.write_float_le(1e300);
        return x;
    });
    t("writeFloatBE(-1e300)", [&] {
        auto x = buffer::alloc(4);
        x.write_float_be(-1e300);
        return x;
    });
    t("writeFloatLE(NaN)", [&] {
        auto x = buffer::alloc(4);
        x.write_float_le(std::numeric_limits<double>::quiet_NaN());
        return x;
    });
    t("writeDoubleLE(-0)", [&] {
        auto x = buffer::alloc(8);
        x.write_double_le(-0.0);
        return x;
    });
    t("writeIntBE(-2,0,3)", [&] {
        auto x = buffer::alloc(3);
        x.write_int_be(-2, 0, 3);
        return x;
    });
    t("writeUIntLE(0x0102030405,1,5)", [&] {
        auto x = buffer::alloc(6);
        const auto n = x.write_uint_le(0x0102030405, 1, 5);
        return val{n, x.to_string("hex")};
    });
    t("writeIntBE(-(2**47),0,6)", [&] {
        auto x = buffer::alloc(6);
        x.write_int_be(-(p32 << 15), 0, 6);
        return val{x.to_string("hex"), x.read_int_be(0, 6), x.read_int_le(0, 6),
                   x.read_uint_be(0, 6)};
    });
    // sizes
    t("alloc(-1)", [&] { return buffer::alloc(-1); });
    t("alloc(2**32+1)", [&] { return buffer::alloc(p32 + 1); });
    t("allocUnsafe(-1)", [&] { return buffer::alloc_unsafe(-1); });
    t("allocUnsafeSlow(-5)", [&] { return buffer::alloc_unsafe_slow(-5); });
    t("alloc(3)", [&] { return buffer::alloc(3); });
    t("alloc(3,257)", [&] { return buffer::alloc(3, 257); });
    t("alloc(3,-1)", [&] { return buffer::alloc(3, -1); });
    t("alloc(4,'€')", [&] { return buffer::alloc(4, "€"); });
    t("alloc(1,'€')", [&] { return buffer::alloc(1, "€"); });
    t("alloc(3,'€','ucs2')", [&] { return buffer::alloc(3, "€", "ucs2"); });
    t("alloc(5,'YWJj','base64')", [&] { return buffer::alloc(5, "YWJj", "base64"); });
    t("alloc(5,'abc','hex')", [&] { return buffer::alloc(5, "abc", "hex"); });
    t("alloc(5,'')", [&] { return buffer::alloc(5, ""); });
    t("alloc(5,'','hex')", [&] { return buffer::alloc(5, "", "hex"); });
    t("alloc(5,Buffer.from('xy'))", [&] { return buffer::alloc(5, buffer::from("xy")); });
    t("alloc(5,'a','nope')", [&] { return buffer::alloc(5, "a", "nope"); });
    t("alloc(0,'a','nope')", [&] { return buffer::alloc(0, "a", "nope"); });
    t("alloc(5,'\\ud800')", [&] { return buffer::alloc(5, lone_high); });
    t("alloc(3,'\\u20ac','latin1')", [&] { return buffer::alloc(3, u"\u20ac", "latin1"); });
    t("alloc(4,'zz','hex')", [&] { return buffer::alloc(4, "zz", "hex"); });
    t("alloc(2,Buffer.alloc(0))", [&] { return buffer::alloc(2, buffer::alloc(0)); });
    // from / encodings
    t("from('x','nope')", [&] { return buffer::from("x", "nope"); });
    t("from('','nope')", [&] { return buffer::from("", "nope"); });
    t("from('x','')", [&] { return buffer::from("x", ""); });
    t("from('ab','UTF-16LE')", [&] { return buffer::from("ab", "UTF-16LE"); });
    t("from('ab','Binary')", [&] { return buffer::from("ab", "Binary"); });
    t("from('ab','utf16')", [&] { return buffer::from("ab", "utf16"); });
    t("from('zz','hex')", [&] { return buffer::from("zz", "hex"); });
    t("from([1,2,255])", [&] { return buffer::from({1, 2, 255}); });
    t("toString('')", [&] { return buffer::from("ab").to_string(""); });
    t("toString('nope') on empty", [&] { return buffer::alloc(0).to_string("nope"); });
    t("toString('nope',2,2)", [&] { return buffer::from("abcd").to_string("nope", 2, 2); });
    t("toString('UCS-2')", [&] { return buffer::from("abcd").to_string("UCS-2"); });
    t("byteLength('é','nope')", [&] { return buffer::byte_length("é", "nope"); });
    t("byteLength('é','')", [&] { return buffer::byte_length("é", ""); });
    t("byteLength('é','latin1')", [&] { return buffer::byte_length("é", "latin1"); });
    t("isEncoding('')", [&] { return buffer::is_encoding(""); });
    t("isEncoding('UCS-2')", [&] { return buffer::is_encoding("UCS-2"); });
    t("isEncoding('utf16')", [&] { return buffer::is_encoding("utf16"); });
    // write
    t("write('x','')", [&] {
        auto x = buffer::alloc(2);
        const auto n = x.write("x", "");
        return val{n, x.to_string("hex")};
    });
    t("write('ab',5)", [&] { return buffer::alloc(4).write("ab", 5); });
    t("write('ab',-1)", [&] { return buffer::alloc(4).write("ab", -1); });
    t("write('ab',4)", [&] { return buffer::alloc(4).write("ab", 4); });
    t("write('ab',0,5)", [&] { return buffer::alloc(4).write("ab", 0, 5); });
    t("write('ab',0,-1)", [&] { return buffer::alloc(4).write("ab", 0, -1); });
    t("write('ab',3,4)", [&] { return buffer::alloc(4).write("ab", 3, 4); });
    t("write('ab',5,'nope')", [&] { return buffer::alloc(4).write("ab", 5, "nope"); });
    t("write('ab',1,'nope')", [&] { return buffer::alloc(4).write("ab", 1, "nope"); });
    t("write('ab',4,'nope')", [&] { return buffer::alloc(4).write("ab", 4, "nope"); });
    t("write('€') into 2", [&] {
        auto x = buffer::alloc(2);
        const auto n = x.write("€");
        return val{n, x.to_string("hex")};
    });
    t("write('a€') into 3", [&] {
        auto x = buffer::alloc(3);
        const auto n = x.write("a€");
        return val{n, x.to_string("hex")};
    });
    t("write('abc',1,1,'latin1')", [&] {
        auto x = buffer::alloc(4);
        const auto n = x.write("abc", 1, 1, "latin1");
        return val{n, x.to_string("hex")};
    });
    t("write('abc',1,'ucs2')", [&] {
        auto x = buffer::alloc(4);
        const auto n = x.write("abc", 1, "ucs2");
        return val{n, x.to_string("hex")};
    });
    t("write('\\ud800')", [&] {
        auto x = buffer::alloc(4);
        const auto n = x.write(lone_high);
        return val{n, x.to_string("hex")};
    });
    t("write('x',undefined,undefined,'hex')", [&] {
        auto x = buffer::alloc(2);
        const auto n = x.write("x", {}, {}, "hex");
        return val{n, x.to_string("hex")};
    });
    // fill
    t("fill(257)", [&] { return buffer::alloc(4).fill(257); });
    t("fill(-1)", [&] { return buffer::alloc(4).fill(-1); });
    t("fill(1,1,3)", [&] { return buffer::alloc(4).fill(1, 1, 3); });
    t("fill(1,-1)", [&] { return buffer::alloc(4).fill(1, -1); });
    t("fill(1,5)", [&] { return buffer::alloc(4).fill(1, 5); });
    t("fill(1,2**33)", [&] { return buffer::alloc(4).fill(1, 2 * p32); });
    t("fill(1,3,2)", [&] { return buffer::alloc(4).fill(1, 3, 2); });
    t("fill(1,0,-1)", [&] { return buffer::alloc(4).fill(1, 0, -1); });
    t("fill(1,0,5)", [&] { return buffer::alloc(4).fill(1, 0, 5); });
    t("fill('a',0,5)", [&] { return buffer::alloc(4).fill("a", 0, 5); });
    t("fill('zz','hex')", [&] { return buffer::alloc(4).fill("zz", "hex"); });
    t("fill('zz',2,2,'hex')", [&] { return buffer::alloc(4).fill("zz", 2, 2, "hex"); });
    t("fill('!!!!','base64')", [&] { return buffer::alloc(4).fill("!!!!", "base64"); });
    t("fill('zz\\n\\'','hex')", [&] { return buffer::alloc(4).fill("zz\n'", "hex"); });
    t("fill('x','nope')", [&] { return buffer::alloc(4).fill("x", "nope"); });
    t("fill('','nope')", [&] { return buffer::alloc(4).fill("", "nope"); });
    t("fill('x','')", [&] { return buffer::alloc(2).fill("x", ""); });
    t("fill('ab','ucs2')", [&] { return buffer::alloc(5).fill("ab", "ucs2"); });
    t("fill('€',1)", [&] { return buffer::alloc(5).fill("€", 1); });
    t("fill('€',1,'latin1')", [&] { return buffer::alloc(5).fill("€", 1, "latin1"); });
    t("fill('abc',1,3,'hex')", [&] { return buffer::alloc(5).fill("abc", 1, 3, "hex"); });
    t("fill(Buffer.alloc(0))", [&] { return buffer::alloc(4).fill(buffer::alloc(0)); });
    t("fill(Buffer.alloc(0),2,2)", [&] { return buffer::alloc(4).fill(buffer::alloc(0), 2, 2); });
    t("fill(Buffer.from('xyz'),1)", [&] { return buffer::alloc(6).fill(buffer::from("xyz"), 1); });
    t("fill(own subarray)", [&] {
        auto x = buffer::from("abcdefgh");
        return x.fill(x.subarray(1, 3), 3);
    });
    // copy
    t("copy(target,-1)", [&] { return buffer::alloc(4).copy(buffer::alloc(2), -1); });
    t("copy(target,0,-1)", [&] { return buffer::alloc(4).copy(buffer::alloc(2), 0, -1); });
    t("copy(target,0,5)", [&] { return buffer::alloc(4).copy(buffer::alloc(2), 0, 5); });
    t("copy(target,0,0,-1)", [&] { return buffer::alloc(4).copy(buffer::alloc(2), 0, 0, -1); });
    t("copy(target,0,0,10)", [&] {
        auto x = buffer::alloc(2);
        const auto n = buffer::from("abcd").copy(x, 0, 0, 10);
        return val{n, x.to_string()};
    });
    t("copy(target,5)", [&] { return buffer::alloc(4).copy(buffer::alloc(2), 5); });
    t("copy(target,0,3,1)", [&] { return buffer::alloc(4).copy(buffer::alloc(2), 0, 3, 1); });
    t("copy(target,1,2)", [&] {
        auto x = buffer::from("wxyz");
        const auto n = buffer::from("abcd").copy(x, 1, 2);
        return val{n, x.to_string()};
    });
    t("copy onto itself forward", [&] {
        auto x = buffer::from("abcdef");
        const auto n = x.copy(x, 2, 0, 4);
        return val{n, x.to_string()};
    });
    t("copy onto itself backward", [&] {
        auto x = buffer::from("abcdef");
        const auto n = x.copy(x, 0, 2);
        return val{n, x.to_string()};
    });
    t("concat([a],-1)", [&] { return buffer::concat({buffer::from("a")}, -1); });
    t("concat([],10)", [&] { return buffer::concat(std::vector<buffer>{}, 10); });
    t("concat([a,b],0)", [&] { return buffer::concat({buffer::from("a"), buffer::from("b")}, 0); });
    // compare
    const auto c = buffer::from("abcd");
    t("compare(c,-1)", [&] { return c.compare(c, -1); });
    t("compare(c,0,5)", [&] { return c.compare(c, 0, 5); });
    t("compare(c,0,4,-1)", [&] { return c.compare(c, 0, 4, -1); });
    t("compare(c,0,4,0,5)", [&] { return c.compare(c, 0, 4, 0, 5); });
    t("compare(c,10)", [&] { return c.compare(c, 10); });
    t("compare(c,0,4,10)", [&] { return c.compare(c, 0, 4, 10); });
    t("compare(c,2,2,0,0)", [&] { return c.compare(c, 2, 2, 0, 0); });
    t("compare(c,2,2,0,1)", [&] { return c.compare(c, 2, 2, 0, 1); });
    t("compare(c,0,1,3,3)", [&] { return c.compare(c, 0, 1, 3, 3); });
    t("compare(c,1,3,1,3)", [&] { return c.compare(c, 1, 3, 1, 3); });
    t("compare(c,1,3,0,2)", [&] { return c.compare(c, 1, 3, 0, 2); });
    // swap
    t("swap16 on 3", [&] { return buffer::alloc(3).swap16(); });
    t("swap32 on 6", [&] { return buffer::alloc(6).swap32(); });
    t("swap64 on 4", [&] { return buffer::alloc(4).swap64(); });
    t("swap16", [&] { return buffer::from("0102030405060708", "hex").swap16(); });
    t("swap32", [&] { return buffer::from("0102030405060708", "hex").swap32(); });
    t("swap64", [&] { return buffer::from("0102030405060708", "hex").swap64(); });
    // indexOf
    const auto h = buffer::from("abcabc");
    struct text_case {
        const char* needle;
        costream::index_arg offset;
        const char* shown;
    };
    for (const auto& k : std::vector<text_case>{{"", {}, "undefined"},
                                                {"", 3, "3"},
                                                {"", 10, "10"},
                                                {"", -2, "-2"},
                                                {"", -10, "-10"},
                                                {"b", {}, "undefined"},
                                                {"b", 2, "2"},
                                                {"b", -2, "-2"},
                                                {"b", -10, "-10"},
                                                {"b", 10, "10"},
                                                {"bc", 5, "5"},
                                                {"c", 5, "5"},
                                                {"abcabcx", 0, "0"},
                                                {"abc", 2, "2"},
                                                {"abc", 3, "3"},
                                                {"abc", -4, "-4"},
                                                {"abc", -7, "-7"}}) {
        const std::string args = std::string("'") + k.needle + "'," + k.shown;
        t("indexOf(" + args + ")", [&] { return h.index_of(k.needle, k.offset); });
        t("lastIndexOf(" + args + ")", [&] { return h.last_index_of(k.needle, k.offset); });
    }
    struct number_case {
        int needle;
        costream::index_arg offset;
        const char* shown;
    };
    for (const auto& k : std::vector<number_case>{{98, {}, "undefined"},
                                                  {98, 2, "2"},
                                                  {98, -1, "-1"},
                                                  {354, 0, "0"},
                                                  {-158, 0, "0"},
                                                  {0, {}, "undefined"}}) {
        const std::string args = std::to_string(k.needle) + "," + k.shown;
        t("indexOf(" + args + ")", [&] { return h.index_of(k.needle, k.offset); });
        t("lastIndexOf(" + args + ")", [&] { return h.last_index_of(k.needle, k.offset); });
    }
    t("indexOf(Buffer'',3)", [&] { return h.index_of(buffer::alloc(0), 3); });
    t("lastIndexOf(Buffer'')", [&] { return h.last_index_of(buffer::alloc(0)); });
    t("indexOf(Buffer'bc',2)", [&] { return h.index_of(buffer::from("bc"), 2); });
    t("lastIndexOf(Buffer'bc',3)", [&] { return h.last_index_of(buffer::from("bc"), 3); });
    t("empty.indexOf('')", [&] { return buffer::alloc(0).index_of(""); });
    t("empty.indexOf('',5)", [&] { return buffer::alloc(0).index_of("", 5); });
    t("empty.lastIndexOf('')", [&] { return buffer::alloc(0).last_index_of(""); });
    t("empty.indexOf(0)", [&] { return buffer::alloc(0).index_of(0); });
    t("indexOf('6263',0,'hex')", [&] { return h.index_of("6263", 0, "hex"); });
    t("indexOf('zz',2,'hex')", [&] { return h.index_of("zz", 2, "hex"); });
    t("indexOf('YmM=','base64')", [&] { return h.index_of("YmM=", "base64"); });
    t("indexOf('b',0,'')", [&] { return h.index_of("b", 0, ""); });
    t("indexOf('b','nope')", [&] { return h.index_of("b", "nope"); });
    t("indexOf(Buffer'b',0,'nope')", [&] { return h.index_of(buffer::from("b"), 0, "nope"); });
    t("[ac 20].indexOf('€',0,'latin1')", [&] {
        return buffer::from({0xac, 0x20}).index_of("€", 0, "latin1");
    });
    t("[e9].indexOf('é',0,'ascii')",
      [&] { return buffer::from({0xe9}).index_of("é", 0, "ascii"); });
    t("[fb ff].indexOf('-_8','base64url')", [&] {
        return buffer::from({0xfb, 0xff}).index_of("-_8", "base64url");
    });
    t("[61 efbfbd].indexOf('\\ud800')", [&] {
        return buffer::from({0x61, 0xef, 0xbf, 0xbd}).index_of(lone_high);
    });
    t("[61 eda080].indexOf('\\ud800')", [&] {
        return buffer::from({0x61, 0xed, 0xa0, 0x80}).index_of(lone_high);
    });
    t("indexOf('\\ud83d\\ude00')", [&] { return buffer::from("a😀").index_of(u"😀"); });
    const auto u = buffer::from({'a', 0, 'b', 0, 'a', 0});
    t("ucs2 indexOf('b')", [&] { return u.index_of("b", 0, "ucs2"); });
    t("ucs2 indexOf('a',1)", [&] { return u.index_of("a", 1, "ucs2"); });
    t("ucs2 indexOf('b',3)", [&] { return u.index_of("b", 3, "ucs2"); });
    t("ucs2 lastIndexOf('a')", [&] { return u.last_index_of("a", {}, "ucs2"); });
    t("ucs2 lastIndexOf('a',3)", [&] { return u.last_index_of("a", 3, "ucs2"); });
    t("ucs2 lastIndexOf('a',-1)", [&] { return u.last_index_of("a", -1, "ucs2"); });
    t("ucs2 unaligned", [&] {
        return buffer::from({0, 'a', 0, 'b', 0}).index_of("ab", 0, "ucs2");
    });
    t("ucs2 indexOf('',5) odd", [&] { return buffer::from("abc").index_of("", 5, "ucs2"); });
    t("ucs2 lastIndexOf('') odd",
      [&] { return buffer::from("abc").last_index_of("", {}, "ucs2"); });
    t("ucs2 indexOf(Buffer'',5) odd",
      [&] { return buffer::from("abc").index_of(buffer::alloc(0), 5, "ucs2"); });
    t("ucs2 indexOf(Buffer'b')", [&] { return u.index_of(buffer::from("b"), 0, "ucs2"); });
    t("ucs2 indexOf(Buffer'b\\0c')", [&] {
        return buffer::from({'a', 0, 'b', 0, 'c'}).index_of(buffer::from({'b', 0, 'c'}), "ucs2");
    });
    t("ucs2 'a'.indexOf('a')", [&] { return buffer::from("a").index_of("a", 0, "ucs2"); });
    t("includes('ca')", [&] { return h.includes("ca"); });
    t("includes('ca',3)", [&] { return h.includes("ca", 3); });
    t("includes(99,-1)", [&] { return h.includes(99, -1); });
    // inspect, toJSON
    t("inspect(empty)", [&] { return buffer::alloc(0).inspect(); });
    t("inspect(ab)", [&] { return buffer::from("ab").inspect(); });
    t("inspect(51 zero bytes)", [&] { return buffer::alloc(51).inspect(); });
    t("inspect(60 bytes)", [&] { return buffer::alloc(60, 1).inspect(); });
    t("toJSON(ab)", [&] { return buffer::from("ab").to_json(); });
    t("toJSON(empty)", [&] { return buffer::alloc(0).to_json(); });
    // subarray
    t("subarray(2,-1)", [&] { return h.subarray(2, -1); });
    t("subarray(2,-10)", [&] { return h.subarray(2, -10); });
    t("subarray(-10,2)", [&] { return h.subarray(-10, 2); });
    t("subarray(7)", [&] { return h.subarray(7); });

    const auto want = expected_lines();
    REQUIRE(want.size() > 200);
    for (std::size_t i = 0; i < std::max(want.size(), t.lines.size()); ++i) {
        const std::string w = i < want.size() ? want[i] : "<end>";
        const std::string g = i < t.lines.size() ? t.lines[i] : "<end>";
        CHECK_MESSAGE(g == w, "line " << (i + 1) << "\n  node:     " << w << "\n  costream: " << g);
    }
}
