// Node's StringDecoder, case by case. Expected values were printed by node v20 (the oracle
// scenario 31_readable_setencoding_split and the one-liners noted next to the cases).
#include <costream/string_decoder.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using costream::encoding;
using costream::string_decoder;

namespace {

std::vector<std::uint8_t> unhex(std::string_view h) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

/// Feeds hex chunks to a decoder, returning each write() output and then end()'s.
std::vector<std::string> feed(string_decoder& d, std::initializer_list<std::string_view> chunks) {
    std::vector<std::string> out;
    for (auto c : chunks)
        out.push_back(d.write(unhex(c)));
    out.push_back(d.end());
    return out;
}

std::vector<std::u16string> feed_u16(string_decoder& d,
                                     std::initializer_list<std::string_view> chunks) {
    std::vector<std::u16string> out;
    for (auto c : chunks)
        out.push_back(d.write_u16(unhex(c)));
    out.push_back(d.end_u16());
    return out;
}

const std::string fffd = "\xEF\xBF\xBD";

} // namespace

TEST_CASE("utf8 characters cut across chunks come out whole, a dangling lead byte as U+FFFD") {
    // oracle 31_readable_setencoding_split: parts 61e2 | 82 | ac62f09d | 849e | c3
    string_decoder d(encoding::utf8);
    auto out = feed(d, {"61e2", "82", "ac62f09d", "849e", "c3"});
    CHECK(out == std::vector<std::string>{"a", "",
                                          "\xE2\x82\xAC"
                                          "b",
                                          "\xF0\x9D\x84\x9E", "", fffd});
}

TEST_CASE("base64 holds 1 or 2 bytes back and pads them at end") {
    // oracle 31_readable_setencoding_split, base64 run: YeKC rGLw nYSe ww==
    string_decoder d(encoding::base64);
    auto out = feed(d, {"61e2", "82", "ac62f09d", "849e", "c3"});
    CHECK(out == std::vector<std::string>{"", "YeKC", "rGLw", "nYSe", "", "ww=="});
    // node: new StringDecoder('base64url') write([1,2,3,4]) -> 'AQID', end() -> 'BA'
    string_decoder u("base64url");
    CHECK(feed(u, {"01020304"}) == std::vector<std::string>{"AQID", "BA"});
}

TEST_CASE("hex, latin1 and ascii decode each chunk on its own") {
    // oracle 31_readable_setencoding_split, hex run
    string_decoder h(encoding::hex);
    CHECK(feed(h, {"61e2", "82", "c3"}) == std::vector<std::string>{"61e2", "82", "c3", ""});
    string_decoder l(encoding::latin1);
    CHECK(feed(l, {"e9", "41"}) == std::vector<std::string>{"\xC3\xA9", "A", ""});
    string_decoder a(encoding::ascii);
    CHECK(feed(a, {"e9", "41"}) == std::vector<std::string>{"i", "A", ""});
    CHECK(h.last_need() == 0);
}

TEST_CASE("end(chunk) writes the chunk first, then flushes") {
    // node: d.write([0xe2]) -> '', d.end([0x82]) -> '\ufffd'; hex: end([1]) -> '01'
    string_decoder d;
    CHECK(d.write(unhex("e2")).empty());
    CHECK(d.end(unhex("82")) == fffd);
    CHECK(d.end(unhex("e282ac")) == "\xE2\x82\xAC"); // usable again after end
    string_decoder h("hex");
    CHECK(h.end(unhex("01")) == "01");
}

TEST_CASE("a byte that cannot continue a held utf8 character ends it, as one-shot decoding does") {
    // node: write([e2,82]) -> '', write([41]) -> '\ufffdA'; write([f0]) then write([41 80]) ->
    // '\ufffdA\ufffd'
    string_decoder d;
    CHECK(feed(d, {"e282", "41"}) == std::vector<std::string>{"", fffd + "A", ""});
    CHECK(feed(d, {"f0", "4180"}) == std::vector<std::string>{"", fffd + "A" + fffd, ""});
    CHECK(feed(d, {"e0", "8080"}) == std::vector<std::string>{"", fffd + fffd + fffd, ""});
}

TEST_CASE("last_need and last_total describe the held-back character") {
    // node: d.write([0xf0,0x9d]) -> lastNeed 2, lastTotal 4
    string_decoder d;
    d.write(unhex("f09d"));
    CHECK(d.last_need() == 2);
    CHECK(d.last_total() == 4);
    d.write(unhex("84"));
    CHECK(d.last_need() == 1);
    CHECK(d.last_total() == 4);
    CHECK(d.write(unhex("9e")) == "\xF0\x9D\x84\x9E");
    CHECK(d.last_need() == 0);
    CHECK(d.last_total() == 0);
}

TEST_CASE("utf16le pairs surrogates across chunks and drops an odd final byte at end") {
    string_decoder d(encoding::utf16le);
    // U+1F600 = 3d d8 00 de, cut in every place
    CHECK(feed(d, {"3d", "d800", "de"}) ==
          std::vector<std::string>{"", "", "\xF0\x9F\x98\x80", ""});
    CHECK(feed(d, {"3dd8", "00de41"}) == std::vector<std::string>{"", "\xF0\x9F\x98\x80", ""});
    CHECK(feed(d, {"410042"}) == std::vector<std::string>{"A", ""}); // odd byte dropped at end
    // node: write([3d,d8]) -> '', write([41]) -> '', end() -> '\ud83d' (lone, so U+FFFD in UTF-8)
    CHECK(feed(d, {"3dd8", "41"}) == std::vector<std::string>{"", "", fffd});
}

TEST_CASE("write_u16 gives Node's exact strings, including a lone high surrogate") {
    // node: write([3d,d8,41]) -> '\ud83d', write([00]) -> 'A', end() -> ''
    string_decoder d(encoding::utf16le);
    const std::u16string high(1, char16_t(0xD83D));
    CHECK(feed_u16(d, {"3dd841", "00"}) == std::vector<std::u16string>{high, u"A", u""});
    CHECK(feed_u16(d, {"3dd8", "41"}) == std::vector<std::u16string>{u"", u"", high});
    CHECK(feed_u16(d, {"3dd83d"}) == std::vector<std::u16string>{high, u""});
    // node: write([3d]) -> '', write([d8,00]) -> '\ud83d', write([de]) -> '\ude00', end() -> ''
    const std::u16string low(1, char16_t(0xDE00));
    CHECK(feed_u16(d, {"3d", "d800", "de"}) == std::vector<std::u16string>{u"", high, low, u""});
}

TEST_CASE("UTF-8 output holds a high surrogate back until its pair arrives") {
    // Node's write([3d,d8,41]) returns the lone '\ud83d'; its UTF-8 form would be U+FFFD even
    // when the next chunk completes the pair, so the UTF-8 output waits for the next unit.
    string_decoder d(encoding::utf16le);
    CHECK(feed(d, {"3dd800", "de"}) == std::vector<std::string>{"", "\xF0\x9F\x98\x80", ""});
    CHECK(feed(d, {"3dd841", "00"}) == std::vector<std::string>{"", fffd + "A", ""});
    // Switching to write_u16 hands the held surrogate over first.
    CHECK(d.write(unhex("3dd841")).empty());
    CHECK(d.write_u16(unhex("00")) == std::u16string{char16_t(0xD83D), u'A'});
}

TEST_CASE("write_into and end_into append to an existing string") {
    string_decoder d;
    std::string s = ">";
    d.write_into(s, unhex("61e2"));
    d.write_into(s, unhex("82ac"));
    d.end_into(s, unhex("c3"));
    CHECK(s == ">a\xE2\x82\xAC" + fffd);
}

TEST_CASE("the name constructor follows Node: any case, '' means utf8, unknown throws") {
    CHECK(string_decoder("UTF-8").encoding() == encoding::utf8);
    CHECK(string_decoder("ucs2").encoding() == encoding::utf16le);
    CHECK(string_decoder("binary").encoding() == encoding::latin1);
    // node: new StringDecoder('') works and decodes utf8
    CHECK(string_decoder("").encoding() == encoding::utf8);
    CHECK(string_decoder().encoding() == encoding::utf8);
    // node: new StringDecoder('nope') -> TypeError [ERR_UNKNOWN_ENCODING]
    try {
        string_decoder bad("nope");
        FAIL("no exception");
    } catch (const costream::type_error& e) {
        CHECK(e.code() == costream::errc::unknown_encoding);
        CHECK(std::string(e.what()) == "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope");
    }
}
