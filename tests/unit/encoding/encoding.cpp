// Node v20's string encodings, rule by rule. Every expected value below was printed by node
// (the scenarios under tests/node/oracle and one-liners noted next to the cases).
#include <costream/encoding.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using costream::encoding;

namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::vector<std::uint8_t> unhex(std::string_view h) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

std::string hex(std::span<const std::uint8_t> b) {
    return costream::decode(b, encoding::hex);
}

/// Buffer.from(text, enc) as hex: sized by byte_length, then trimmed to what was written.
template <class Text>
std::string from(const Text& text, encoding enc) {
    std::vector<std::uint8_t> out(costream::byte_length(text, enc));
    out.resize(costream::encode_into(text, enc, out));
    return hex(out);
}

/// buf.write(text, 0, cap, enc): returns "written:hex".
template <class Text>
std::string write(const Text& text, std::size_t cap, encoding enc) {
    std::vector<std::uint8_t> out(cap);
    std::size_t n = costream::encode_into(text, enc, out);
    out.resize(n);
    return std::to_string(n) + ":" + hex(out);
}

/// buf.toString(enc) as UTF-8.
std::string to_string(std::string_view h, encoding enc) {
    return costream::decode(unhex(h), enc);
}

} // namespace

TEST_CASE("parse_encoding accepts Node's names in any ASCII case and nothing else") {
    // node: Buffer.isEncoding(n) for each name
    const std::pair<std::string_view, encoding> names[] = {
        {"utf8", encoding::utf8},
        {"utf-8", encoding::utf8},
        {"UTF8", encoding::utf8},
        {"Utf-8", encoding::utf8},
        {"ucs2", encoding::utf16le},
        {"UCS-2", encoding::utf16le},
        {"utf16le", encoding::utf16le},
        {"uTf16Le", encoding::utf16le},
        {"utf-16le", encoding::utf16le},
        {"UTF-16LE", encoding::utf16le},
        {"latin1", encoding::latin1},
        {"binary", encoding::latin1},
        {"BINARY", encoding::latin1},
        {"ascii", encoding::ascii},
        {"ASCII", encoding::ascii},
        {"hex", encoding::hex},
        {"HeX", encoding::hex},
        {"base64", encoding::base64},
        {"BASE64", encoding::base64},
        {"base64url", encoding::base64url},
        {"Base64Url", encoding::base64url},
    };
    for (const auto& entry : names) {
        // clang 14 cannot capture structured bindings in CAPTURE's lambda.
        std::string_view name = entry.first;
        encoding enc = entry.second;
        CAPTURE(name);
        CHECK(costream::parse_encoding(name) == enc);
        CHECK(costream::is_encoding(name));
        CHECK(costream::to_encoding(name) == enc);
    }
    // node: Buffer.isEncoding(...) === false for each of these
    const std::string_view bad_names[] = {"",           "utf16", "utf-16",
                                          "latin-1",    " utf8", "utf8 ",
                                          "buffer",     "u",     std::string_view("utf8\0", 5),
                                          "base64urlx", "ucs2x", "bas64"};
    for (std::string_view bad : bad_names) {
        CAPTURE(bad);
        CHECK_FALSE(costream::parse_encoding(bad).has_value());
        CHECK_FALSE(costream::is_encoding(bad));
    }
}

TEST_CASE("to_encoding throws Node's TypeError ERR_UNKNOWN_ENCODING for an unknown name") {
    // node: Buffer.from('x', 'nope') -> TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope
    try {
        costream::to_encoding("nope");
        FAIL("no exception");
    } catch (const costream::type_error& e) {
        CHECK(e.code() == costream::errc::unknown_encoding);
        CHECK(e.node_code() == "ERR_UNKNOWN_ENCODING");
        CHECK(std::string(e.what()) == "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope");
    }
    // node: Buffer.from('ab').toString('') throws too; the caller maps a missing name to utf8.
    CHECK_THROWS_AS(costream::to_encoding(""), costream::type_error);
}

TEST_CASE("encoding_name gives the canonical name that round-trips through parse_encoding") {
    for (auto e : {encoding::utf8, encoding::utf16le, encoding::latin1, encoding::ascii,
                   encoding::hex, encoding::base64, encoding::base64url})
        CHECK(costream::parse_encoding(costream::encoding_name(e)) == e);
    CHECK(costream::encoding_name(encoding::utf16le) == "utf16le");
    CHECK(costream::encoding_name(encoding::latin1) == "latin1");
}

TEST_CASE("utf8 encoding writes a lone surrogate as EF BF BD") {
    // oracle 13_buf_utf8
    CHECK(from(std::u16string_view(u"A"), encoding::utf8) == "41");
    CHECK(from(std::u16string_view(u"\u00e9"), encoding::utf8) == "c3a9");
    CHECK(from(std::u16string_view(u"\u20ac"), encoding::utf8) == "e282ac");
    CHECK(from(std::u16string_view(u"\U0001D11E"), encoding::utf8) == "f09d849e");
    CHECK(from(std::u16string_view(u"h\u00e9llo \u20ac\U0001D11E"), encoding::utf8) ==
          "68c3a96c6c6f20e282acf09d849e");
    const char16_t lone[] = {0xD800};
    CHECK(from(std::u16string_view(lone, 1), encoding::utf8) == "efbfbd");
    const char16_t mid[] = {'a', 0xDC00, 'b'};
    CHECK(from(std::u16string_view(mid, 3), encoding::utf8) == "61efbfbd62");
    const char16_t reversed[] = {0xDC00, 0xD800};
    CHECK(from(std::u16string_view(reversed, 2), encoding::utf8) == "efbfbdefbfbd");
    CHECK(costream::byte_length(std::u16string_view(lone, 1), encoding::utf8) == 3);
    // std::string input is already UTF-8: copied as is.
    CHECK(from(std::string_view("h\xc3\xa9llo \xe2\x82\xac\xf0\x9d\x84\x9e"), encoding::utf8) ==
          "68c3a96c6c6f20e282acf09d849e");
}

TEST_CASE("utf8 decoding gives one U+FFFD per maximal invalid subpart (WHATWG)") {
    // oracle 13_buf_utf8, written as the UTF-8 of Node's string
    const std::string r = "\xEF\xBF\xBD";
    CHECK(to_string("ff", encoding::utf8) == r);
    CHECK(to_string("c3", encoding::utf8) == r);
    CHECK(to_string("c328", encoding::utf8) == r + "(");
    CHECK(to_string("e282", encoding::utf8) == r);
    CHECK(to_string("e28228", encoding::utf8) == r + "(");
    CHECK(to_string("e282ac", encoding::utf8) == "\xE2\x82\xAC");
    CHECK(to_string("f09d84", encoding::utf8) == r);
    CHECK(to_string("f09d849e", encoding::utf8) == "\xF0\x9D\x84\x9E");
    CHECK(to_string("c080", encoding::utf8) == r + r);
    CHECK(to_string("e08080", encoding::utf8) == r + r + r);
    CHECK(to_string("eda080", encoding::utf8) == r + r + r);
    CHECK(to_string("edbfbf", encoding::utf8) == r + r + r);
    CHECK(to_string("f4908080", encoding::utf8) == r + r + r + r);
    CHECK(to_string("f8888080", encoding::utf8) == r + r + r + r);
    CHECK(to_string("80", encoding::utf8) == r);
    CHECK(to_string("bf80", encoding::utf8) == r + r);
    CHECK(to_string("fe", encoding::utf8) == r);
    CHECK(to_string("e2ff", encoding::utf8) == r + r);
    CHECK(to_string("61ff62", encoding::utf8) == "a" + r + "b");
    CHECK(to_string("f0", encoding::utf8) == r);
    CHECK(to_string("c3a9c3", encoding::utf8) == "\xC3\xA9" + r);
    // The same as UTF-16 units (node: Buffer.from('f09d849ec3','hex').toString())
    CHECK(costream::decode_u16(unhex("f09d849ec3"), encoding::utf8) == u"\U0001D11E\uFFFD");
    CHECK(costream::decode_u16(unhex("e08080"), encoding::utf8) == u"\uFFFD\uFFFD\uFFFD");
}

TEST_CASE("invalid UTF-8 in std::string input reads as U+FFFD, as the JS string it decodes to") {
    // node: s = Buffer.from('61ff','hex').toString(); Buffer.from(s, enc)
    CHECK(from(std::string_view("a\xff"), encoding::utf8) == "61efbfbd");
    CHECK(costream::byte_length(std::string_view("a\xff"), encoding::utf8) == 4);
    CHECK(from(std::string_view("a\xff"), encoding::latin1) == "61fd");
    CHECK(from(std::string_view("a\xff"), encoding::utf16le) == "6100fdff");
    CHECK(costream::byte_length(std::string_view("\xe2\x82"), encoding::latin1) == 1);
    CHECK(costream::to_u16string("\xe0\x80\x80x") == u"\uFFFD\uFFFD\uFFFDx");
}

TEST_CASE("latin1 and ascii write each UTF-16 unit's low byte") {
    // node: Buffer.from('é𝄞','latin1') -> e9 34 1e (the astral char is two units), same for ascii
    CHECK(from(std::string_view("\xc3\xa9\xf0\x9d\x84\x9e"), encoding::latin1) == "e9341e");
    CHECK(from(std::string_view("\xc3\xa9\xf0\x9d\x84\x9e"), encoding::ascii) == "e9341e");
    CHECK(from(std::u16string_view(u"\u00e9\U0001D11E"), encoding::latin1) == "e9341e");
    CHECK(costream::byte_length(std::string_view("\xc3\xa9\xf0\x9d\x84\x9e"), encoding::latin1) ==
          3);
    // node: Buffer.from('\ud83da','latin1') -> 3d 61; '€' -> ac
    const char16_t high_a[] = {0xD83D, 'a'};
    CHECK(from(std::u16string_view(high_a, 2), encoding::latin1) == "3d61");
    CHECK(from(std::string_view("\xe2\x82\xac"), encoding::latin1) == "ac");
    // node: Buffer.alloc(1).write('𝄞','latin1') -> 1, <Buffer 34>
    CHECK(write(std::string_view("\xf0\x9d\x84\x9e"), 1, encoding::latin1) == "1:34");
}

TEST_CASE("latin1 decodes bytes to U+0000..U+00FF and ascii clears the high bit") {
    // node: Buffer.from([0xe9,0x80]).toString('latin1') === 'é\x80'
    CHECK(to_string("e980", encoding::latin1) == "\xC3\xA9\xC2\x80");
    CHECK(costream::decode_u16(unhex("e980ff"), encoding::latin1) == u"\u00e9\u0080\u00ff");
    // node: Buffer.from([0xff,0x80,0x41]).toString('ascii') -> '\x7f\x00A'
    CHECK(to_string("ff8041", encoding::ascii) == std::string("\x7f\x00"
                                                              "A",
                                                              3));
    CHECK(costream::decode_u16(unhex("ff"), encoding::ascii) == u"\u007f");
}

TEST_CASE("utf16le drops an odd final byte and keeps lone surrogates only in UTF-16 output") {
    // node: Buffer.from('a','utf8').toString('ucs2') === ''; [0x3d,0xd8,0x41] -> '\ud83d'
    CHECK(to_string("61", encoding::utf16le).empty());
    CHECK(costream::decode_u16(unhex("3dd841"), encoding::utf16le) == std::u16string(1, 0xD83D));
    CHECK(to_string("3dd841", encoding::utf16le) == "\xEF\xBF\xBD");
    CHECK(to_string("3dd800de", encoding::utf16le) == "\xF0\x9F\x98\x80");
    CHECK(to_string("4100ac20", encoding::utf16le) == "A\xE2\x82\xAC");
    CHECK(from(std::u16string_view(u"A\u20ac\U0001F600"), encoding::utf16le) == "4100ac203dd800de");
    CHECK(from(std::string_view("A\xE2\x82\xAC"), encoding::utf16le) == "4100ac20");
}

TEST_CASE("hex drops an odd last nibble and stops at the first invalid pair") {
    // oracle 14_buf_hex
    CHECK(from(std::string_view("0aFf"), encoding::hex) == "0aff");
    CHECK(from(std::string_view("abc"), encoding::hex) == "ab");
    CHECK(from(std::string_view("a"), encoding::hex) == "");
    CHECK(from(std::string_view("abzz12"), encoding::hex) == "ab");
    CHECK(from(std::string_view("zz12"), encoding::hex) == "");
    CHECK(from(std::string_view("a b1"), encoding::hex) == "");
    CHECK(from(std::string_view("0g"), encoding::hex) == "");
    CHECK(from(std::string_view(""), encoding::hex) == "");
    CHECK(from(std::string_view("12 34"), encoding::hex) == "12");
    CHECK(to_string("000f10abff", encoding::hex) == "000f10abff");
    CHECK(costream::byte_length(std::string_view("abc"), encoding::hex) == 1);
    CHECK(costream::byte_length(std::string_view("abzz"), encoding::hex) == 2);
    CHECK(write(std::string_view("aabbzz"), 4, encoding::hex) == "2:aabb");
    CHECK(write(std::string_view("112233445566"), 4, encoding::hex) == "4:11223344");
}

TEST_CASE("hex and base64 read a non-ASCII UTF-16 unit by its low byte, as Node does") {
    // node: Buffer.from('\u0161\u0162','hex') -> <Buffer ab>
    CHECK(from(std::string_view("\xc5\xa1\xc5\xa2"), encoding::hex) == "ab");
    CHECK(from(std::u16string_view(u"\u0161\u0162"), encoding::hex) == "ab");
    // node: Buffer.from('\u0161GVs','base64') -> 68 65 6c ('\u0161' reads as 'a')
    CHECK(from(std::string_view("\xc5\xa1GVs"), encoding::base64) == "68656c");
    // U+013D reads as '=' and stops base64 decoding: node: Buffer.from('aGk\u013dxx','base64') ->
    // 68 69
    CHECK(from(std::u16string_view(u"aGk\u013dxx"), encoding::base64) == "6869");
}

TEST_CASE("base64 and base64url decoders are lenient and stop at the first '='") {
    // oracle 15_buf_base64: both decoders accept both alphabets
    for (auto enc : {encoding::base64, encoding::base64url}) {
        CHECK(from(std::string_view("aGVsbG8="), enc) == "68656c6c6f");
        CHECK(from(std::string_view("aGVsbG8"), enc) == "68656c6c6f");
        CHECK(from(std::string_view("aGVsbA=="), enc) == "68656c6c");
        CHECK(from(std::string_view("aGVsbA"), enc) == "68656c6c");
        CHECK(from(std::string_view("aGVsbA="), enc) == "68656c6c");
        CHECK(from(std::string_view("aGV sbG8="), enc) == "68656c6c6f");
        CHECK(from(std::string_view("aGVs\nbG8="), enc) == "68656c6c6f");
        CHECK(from(std::string_view("+/8="), enc) == "fbff");
        CHECK(from(std::string_view("-_8"), enc) == "fbff");
        CHECK(from(std::string_view("aGk=aGk="), enc) == "6869");
        CHECK(from(std::string_view("aG!k"), enc) == "6869");
        CHECK(from(std::string_view("a"), enc) == "");
        CHECK(from(std::string_view("aG"), enc) == "68");
        CHECK(from(std::string_view(""), enc) == "");
    }
    // node one-liners: an '=' inside a quantum stops too; trailing bits are ignored
    CHECK(from(std::string_view("aG=k"), encoding::base64) == "68");
    CHECK(from(std::string_view("aG==k"), encoding::base64) == "68");
    CHECK(from(std::string_view("aGk=x"), encoding::base64) == "6869");
    CHECK(from(std::string_view("aGl="), encoding::base64) == "6869");
    CHECK(from(std::string_view("aGVsbG8=YQ"), encoding::base64) == "68656c6c6f");
    CHECK(from(std::string_view("=aGk"), encoding::base64) == "");
    // node: Buffer.alloc(5).write('aGVsbG8h','base64') -> 5, 'hello'
    CHECK(write(std::string_view("aGVsbG8h"), 5, encoding::base64) == "5:68656c6c6f");
}

TEST_CASE("base64 encodes with padding and base64url without") {
    // oracle 15_buf_base64
    CHECK(to_string("fbffbf6869", encoding::base64) == "+/+/aGk=");
    CHECK(to_string("fbffbf6869", encoding::base64url) == "-_-_aGk");
    CHECK(costream::decode(bytes("h"), encoding::base64) == "aA==");
    CHECK(costream::decode(bytes("h"), encoding::base64url) == "aA");
    CHECK(costream::decode(bytes("hi"), encoding::base64) == "aGk=");
    CHECK(costream::decode(bytes("hi"), encoding::base64url) == "aGk");
    CHECK(costream::decode(bytes("hi!"), encoding::base64) == "aGkh");
    CHECK(costream::decode(bytes("hi!?"), encoding::base64) == "aGkhPw==");
    CHECK(costream::decode(bytes("hi!?"), encoding::base64url) == "aGkhPw");
    CHECK(costream::decode_u16(bytes("hi!?"), encoding::base64) == u"aGkhPw==");
}

TEST_CASE("byte_length is Node's Buffer.byteLength for every encoding") {
    // oracle 23_buf_bytelength: utf8 utf16le latin1 ascii hex base64 base64url
    struct row {
        std::u16string_view text;
        std::size_t utf8, utf16le, latin1, hex, base64;
    };
    const char16_t lone[] = {0xD800};
    const row rows[] = {
        {u"", 0, 0, 0, 0, 0},
        {u"abc", 3, 6, 3, 1, 2},
        {u"\u00e9", 2, 2, 1, 0, 0},
        {u"\u20ac", 3, 2, 1, 0, 0},
        {u"\U0001D11E", 4, 4, 2, 1, 1},
        {u"a\u20ac\U0001D11E", 8, 8, 4, 2, 3},
        {std::u16string_view(lone, 1), 3, 2, 1, 0, 0},
        {u"aGk=", 4, 8, 4, 2, 2},
        {u"aGVsbA==", 8, 16, 8, 4, 4},
        {u"aGVsbA", 6, 12, 6, 3, 4},
        {u"a b=", 4, 8, 4, 2, 2},
        {u"abc1", 4, 8, 4, 2, 3},
    };
    for (const auto& r : rows) {
        std::string utf8 = costream::to_utf8_string(r.text);
        for (bool narrow : {false, true}) {
            CAPTURE(utf8);
            CAPTURE(narrow);
            auto len = [&](encoding e) {
                // The lone surrogate has no UTF-8 form; its std::string is U+FFFD (same lengths
                // except utf8, where both are 3).
                return narrow ? costream::byte_length(std::string_view(utf8), e)
                              : costream::byte_length(r.text, e);
            };
            CHECK(len(encoding::utf8) == r.utf8);
            CHECK(len(encoding::utf16le) == r.utf16le);
            CHECK(len(encoding::latin1) == r.latin1);
            CHECK(len(encoding::ascii) == r.latin1);
            CHECK(len(encoding::hex) == r.hex);
            CHECK(len(encoding::base64) == r.base64);
            CHECK(len(encoding::base64url) == r.base64);
        }
    }
    // node: 'a b=' byteLength 2 but decodes to 1 byte; '=' -> 0, '==' -> 0, 'aaaaa' -> 3
    CHECK(from(std::string_view("a b="), encoding::base64) == "69");
    CHECK(costream::byte_length(std::string_view("="), encoding::base64) == 0);
    CHECK(costream::byte_length(std::string_view("=="), encoding::base64) == 0);
    CHECK(costream::byte_length(std::string_view("aaaaa"), encoding::base64) == 3);
    CHECK(costream::byte_length(std::string_view("abc")) == 3); // utf8 by default
}

TEST_CASE("encode_into never writes a partial utf8 character, but may cut a utf16le pair") {
    // node: Buffer.alloc(2).write('a€') -> 1; alloc(3).write('a𝄞') -> 1; alloc(4).write('a\ud800')
    // -> 4
    CHECK(write(std::string_view("a\xe2\x82\xac"), 2, encoding::utf8) == "1:61");
    CHECK(write(std::u16string_view(u"a\u20ac"), 2, encoding::utf8) == "1:61");
    CHECK(write(std::string_view("a\xf0\x9d\x84\x9e"), 3, encoding::utf8) == "1:61");
    CHECK(write(std::u16string_view(u"a\U0001D11E"), 3, encoding::utf8) == "1:61");
    CHECK(write(std::u16string_view(u"a\U0001D11E"), 5, encoding::utf8) == "5:61f09d849e");
    const char16_t a_lone[] = {'a', 0xD800};
    CHECK(write(std::u16string_view(a_lone, 2), 4, encoding::utf8) == "4:61efbfbd");
    CHECK(write(std::u16string_view(a_lone, 2), 3, encoding::utf8) == "1:61");
    CHECK(write(std::string_view("a\xff"), 3, encoding::utf8) == "1:61");
    // node: alloc(2).write('𝄞','utf16le') -> 2 (34 d8); alloc(3).write('𝄞x','utf16le') -> 2
    CHECK(write(std::u16string_view(u"\U0001D11E"), 2, encoding::utf16le) == "2:34d8");
    CHECK(write(std::string_view("\xf0\x9d\x84\x9e"), 2, encoding::utf16le) == "2:34d8");
    CHECK(write(std::string_view("\xf0\x9d\x84\x9ex"), 3, encoding::utf16le) == "2:34d8");
    // node: alloc(3).write('abc',0,3,'utf16le') -> 2
    CHECK(write(std::string_view("abc"), 3, encoding::utf16le) == "2:6100");
    CHECK(write(std::string_view("abc"), 2, encoding::latin1) == "2:6162");
    CHECK(write(std::string_view("abc"), 0, encoding::base64) == "0:");
}

TEST_CASE("decode_append appends to what the string already holds") {
    std::string s = "x=";
    costream::decode_append(s, bytes("\xff"), encoding::hex);
    costream::decode_append(s, bytes("\xc3"), encoding::utf8);
    costream::decode_append(s, bytes("hi"), encoding::base64);
    CHECK(s == "x=ff\xEF\xBF\xBD"
               "aGk=");
}

TEST_CASE("to_u16string and to_utf8_string convert between the two text forms") {
    CHECK(costream::to_u16string("a\xc3\xa9\xf0\x9d\x84\x9e") == u"a\u00e9\U0001D11E");
    CHECK(costream::to_utf8_string(u"a\u00e9\U0001D11E") == "a\xc3\xa9\xf0\x9d\x84\x9e");
    const char16_t lone[] = {'x', 0xDBFF};
    CHECK(costream::to_utf8_string(std::u16string_view(lone, 2)) == "x\xEF\xBF\xBD");
}

TEST_CASE("a non-ASCII character after a long ASCII run is read by its low byte, too") {
    // The byte loops (and their SIMD blocks) handle the ASCII run; the rest goes by UTF-16 unit.
    std::string hello;
    for (int i = 0; i < 12; ++i)
        hello += "aGVsbG8g"; // "hello " x 12
    std::string hello_hex;
    for (int i = 0; i < 12; ++i)
        hello_hex += "68656c6c6f20";
    // node: Buffer.from('aGVsbG8g'.repeat(12) + '\u0161GVs', 'base64') -> ... 68656c
    CHECK(from(std::string_view(hello + "\xc5\xa1GVs"), encoding::base64) == hello_hex + "68656c");
    // node: ... + 'aG\u013dVs' -> ... 68 (U+013D reads as '=')
    CHECK(from(std::string_view(hello + "aG\xc4\xbdVs"), encoding::base64) == hello_hex + "68");
    // node: ... + 'a\u00e9GVsbG8g' -> ... 68656c6c6f20 ('\u00e9' is junk, skipped)
    CHECK(from(std::string_view(hello + "a\xc3\xa9GVsbG8g"), encoding::base64url) ==
          hello_hex + "68656c6c6f20");
    // node: Buffer.from('ab'.repeat(40) + '\u0161\u0162cd', 'hex') -> ab x 41, cd
    std::string abs;
    for (int i = 0; i < 40; ++i)
        abs += "ab";
    CHECK(from(std::string_view(abs + "\xc5\xa1\xc5\xa2"
                                      "cd"),
               encoding::hex) == abs + "abcd");
}

TEST_CASE("decode_u16_append appends the exact UTF-16 units") {
    std::u16string s = u">";
    costream::decode_u16_append(s, unhex("3dd841"), encoding::utf16le);
    costream::decode_u16_append(s, unhex("e9"), encoding::latin1);
    costream::decode_u16_append(s, unhex("ff"), encoding::hex);
    costream::decode_u16_append(s, unhex("c3"), encoding::utf8);
    CHECK(s == std::u16string{u'>', char16_t(0xD83D), u'\u00e9', u'f', u'f', u'\uFFFD'});
}
