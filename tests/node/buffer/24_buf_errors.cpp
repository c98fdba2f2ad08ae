// Port of shared/node-oracle/scenarios/24_buf_errors.js: error codes for bad offsets, values,
// encodings and argument types.
//
// Adapted: six calls cannot be written in C++ because the types forbid them, where
// JavaScript throws at run time: readUInt8(1.5) (ERR_OUT_OF_RANGE: index_arg rejects floating
// point), readUInt8('1'), Buffer.alloc('5'), Buffer.from(123), Buffer.from(null),
// Buffer.concat([1]) and compare('abc') (ERR_INVALID_ARG_TYPE). For those the port checks
// at compile time that the call is rejected (the concepts below) and prints Node's line.
// Every other line is a real call whose exception (costream::range_error / type_error) is
// printed as `<name> <code>`. writeUInt32BE(2**32) passes the integer 1 << 32.
#include <costream/buffer.hpp>

#include <oracle.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

using costream::buffer;

namespace {
template <class B>
concept offset_accepts_double = requires(const B b) {
    b.read_uint8(1.5);
};
template <class B>
concept offset_accepts_string = requires(const B b) {
    b.read_uint8("1");
};
template <class B>
concept alloc_accepts_string = requires {
    B::alloc("5");
};
template <class B>
concept from_accepts_number = requires {
    B::from(123);
};
template <class B>
concept from_accepts_null = requires {
    B::from(nullptr);
};
template <class B>
concept concat_accepts_numbers = requires {
    B::concat(std::vector<int>{1});
};
template <class B>
concept compare_accepts_string = requires(const B b) {
    b.compare("abc");
};

// Controls: the same shapes with well-typed arguments do compile, so the concepts can fail.
template <class B>
concept offset_accepts_integer = requires(const B b) {
    b.read_uint8(1);
};
template <class B>
concept alloc_accepts_integer = requires {
    B::alloc(5);
};
template <class B>
concept from_accepts_text = requires {
    B::from("123");
};
template <class B>
concept concat_accepts_buffers = requires {
    B::concat(std::vector<B>{});
};
template <class B>
concept compare_accepts_buffer = requires(const B b) {
    b.compare(b);
};
static_assert(offset_accepts_integer<buffer> && alloc_accepts_integer<buffer> &&
              from_accepts_text<buffer> && concat_accepts_buffers<buffer> &&
              compare_accepts_buffer<buffer>);

static_assert(!offset_accepts_double<buffer>);
static_assert(!offset_accepts_string<buffer>);
static_assert(!alloc_accepts_string<buffer>);
static_assert(!from_accepts_number<buffer>);
static_assert(!from_accepts_null<buffer>);
static_assert(!concat_accepts_numbers<buffer>);
static_assert(!compare_accepts_string<buffer>);
} // namespace

TEST_CASE("node oracle 24_buf_errors: Node's error codes for bad Buffer arguments") {
    costream_test::trace t;
    auto b = buffer::alloc(4);
    using attempt = std::pair<const char*, std::function<void()>>;
    // A rejected-at-compile-time call: prints what Node throws (see the static_asserts).
    auto rejected = [&](const char* label, const char* node_error) {
        t.log(label, ": ", node_error);
    };
    auto run = [&](const attempt& a) {
        try {
            a.second();
            t.log(a.first, ": no throw");
        } catch (const costream::range_error& e) {
            t.log(a.first, ": RangeError ", e.node_code());
        } catch (const costream::type_error& e) {
            t.log(a.first, ": TypeError ", e.node_code());
        }
    };
    run({"readUInt8(4)", [&] { (void)b.read_uint8(4); }});
    run({"readUInt8(-1)", [&] { (void)b.read_uint8(-1); }});
    rejected("readUInt8(1.5)", "RangeError ERR_OUT_OF_RANGE");
    rejected("readUInt8('1')", "TypeError ERR_INVALID_ARG_TYPE");
    run({"readUInt16LE(3)", [&] { (void)b.read_uint16_le(3); }});
    run({"readUInt32LE(1)", [&] { (void)b.read_uint32_le(1); }});
    run({"readUInt32LE on 2-byte buf", [&] { (void)buffer::alloc(2).read_uint32_le(0); }});
    run({"readBigInt64LE(0) on 4-byte buf", [&] { (void)b.read_big_int64_le(0); }});
    run({"readUIntLE(0, 7)", [&] { (void)b.read_uint_le(0, 7); }});
    run({"writeUInt8(256)", [&] { b.write_uint8(256); }});
    run({"writeUInt8(-1)", [&] { b.write_uint8(-1); }});
    run({"writeInt8(128)", [&] { b.write_int8(128); }});
    run({"writeUInt16LE(1, 3)", [&] { b.write_uint16_le(1, 3); }});
    run({"writeUInt32BE(2**32)", [&] { b.write_uint32_be(std::int64_t(1) << 32); }});
    run({"Buffer.alloc(-1)", [&] { (void)buffer::alloc(-1); }});
    rejected("Buffer.alloc('5')", "TypeError ERR_INVALID_ARG_TYPE");
    run({"Buffer.from('x','nope')", [&] { (void)buffer::from("x", "nope"); }});
    run({"toString('nope')", [&] { (void)b.to_string("nope"); }});
    run({"write('x','nope')", [&] { (void)b.write("x", "nope"); }});
    rejected("Buffer.from(123)", "TypeError ERR_INVALID_ARG_TYPE");
    rejected("Buffer.from(null)", "TypeError ERR_INVALID_ARG_TYPE");
    run({"fill('zz','hex')", [&] { b.fill("zz", "hex"); }});
    run({"fill(0, 0, 5)", [&] { b.fill(0, 0, 5); }});
    run({"copy(target, -1)", [&] { (void)b.copy(buffer::alloc(2), -1); }});
    rejected("Buffer.concat([1])", "TypeError ERR_INVALID_ARG_TYPE");
    rejected("compare(string)", "TypeError ERR_INVALID_ARG_TYPE");
    run({"write('ab', 5)", [&] { (void)b.write("ab", 5); }});
    costream_test::check_node_trace(t, "24_buf_errors");
}
