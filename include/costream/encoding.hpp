// Node's string encodings for Buffer: names, byte lengths, encoding text into bytes and
// decoding bytes into text, byte-identical to Node v20 (lib/buffer.js, src/string_bytes.cc).
//
// Text model. A JavaScript string is a sequence of UTF-16 code units. costream accepts and
// returns text two ways:
//  - std::string / std::string_view hold UTF-8 text: the UTF-8 form of the JS string. This
//    is the everyday C++ API. Encoding reads it as that JS string: 'latin1' and 'ascii' write
//    each UTF-16 unit's low byte, as Node does (so a character above U+FFFF, two units, gives
//    two bytes); decoding to std::string yields UTF-8.
//  - std::u16string / std::u16string_view hold UTF-16 code units exactly as a JS string does,
//    lone surrogates included. Use them where Node's behaviour on lone surrogates matters.
//
// Input that is not valid UTF-8 in a std::string_view is read as TextDecoder reads it: each
// maximal invalid subpart stands for one U+FFFD (so it encodes as EF BF BD in utf8, as 0xFD in
// latin1). Decoding utf16le bytes to a std::string writes a lone surrogate as U+FFFD (EF BF BD):
// the UTF-8 form Node itself gives that JS string; decode_u16 keeps the surrogate. See
// docs/encoding.md for every lenient rule and the few places this model differs from Node.
#pragma once

#include <costream/config.hpp>
#include <costream/detail/encoding_impl.hpp>
#include <costream/errc.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace costream {

/// Node's Buffer encodings. `ucs2`/`ucs-2`/`utf-16le` name utf16le, `binary` names latin1.
enum class encoding : std::uint8_t { utf8, utf16le, latin1, ascii, hex, base64, base64url };

/// Node's normalizeEncoding: case-insensitive name to encoding, or nullopt if unknown.
/// Accepts utf8, utf-8, ucs2, ucs-2, utf16le, utf-16le, latin1, binary, base64, base64url,
/// hex and ascii in any ASCII case ("UTF8", "Utf-8", "uTf16Le"). The empty name is unknown
/// here: Buffer.from(s, '') and new StringDecoder('') mean utf8, but buf.toString('') throws,
/// so the caller decides what a missing or empty name means.
inline std::optional<encoding> parse_encoding(std::string_view name) noexcept {
    if (name.size() < 3 || name.size() > 9) return std::nullopt;
    char low[9];
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        low[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::string_view n(low, name.size());
    switch (n.size()) {
    case 3:
        if (n == "hex") return encoding::hex;
        break;
    case 4:
        if (n == "utf8") return encoding::utf8;
        if (n == "ucs2") return encoding::utf16le;
        break;
    case 5:
        if (n == "utf-8") return encoding::utf8;
        if (n == "ascii") return encoding::ascii;
        if (n == "ucs-2") return encoding::utf16le;
        break;
    case 6:
        if (n == "base64") return encoding::base64;
        if (n == "latin1" || n == "binary") return encoding::latin1;
        break;
    case 7:
        if (n == "utf16le") return encoding::utf16le;
        break;
    case 8:
        if (n == "utf-16le") return encoding::utf16le;
        break;
    case 9:
        if (n == "base64url") return encoding::base64url;
        break;
    }
    return std::nullopt;
}

/// Node's Buffer.isEncoding: true for every name parse_encoding accepts (false for "").
inline bool is_encoding(std::string_view name) noexcept {
    return parse_encoding(name).has_value();
}

/// parse_encoding, or throws type_error ERR_UNKNOWN_ENCODING ("Unknown encoding: <name>").
inline encoding to_encoding(std::string_view name) {
    if (auto e = parse_encoding(name)) return *e;
    std::string message = "Unknown encoding: ";
    message.append(name);
    throw type_error(errc::unknown_encoding, message);
}

/// The canonical name: "utf8", "utf16le", "latin1", "ascii", "hex", "base64", "base64url".
inline std::string_view encoding_name(encoding e) noexcept {
    switch (e) {
    case encoding::utf8:
        return "utf8";
    case encoding::utf16le:
        return "utf16le";
    case encoding::latin1:
        return "latin1";
    case encoding::ascii:
        return "ascii";
    case encoding::hex:
        return "hex";
    case encoding::base64:
        return "base64";
    case encoding::base64url:
        return "base64url";
    }
    return "utf8";
}

/// Node's Buffer.byteLength(string, enc): bytes `text` takes once encoded. For base64 and
/// base64url it is Node's estimate from length and trailing '=' (not an exact decode).
/// hex is half the length in UTF-16 units, rounded down; latin1/ascii the length in UTF-16
/// units; utf16le twice that; utf8 the UTF-8 length (3 per lone surrogate or invalid subpart).
inline std::size_t byte_length(std::string_view text, encoding enc = encoding::utf8) noexcept {
    const std::uint8_t* p = detail::bytes_of(text);
    const std::size_t n = text.size();
    switch (enc) {
    case encoding::utf8:
        return detail::utf8_sanitized_length(p, n);
    case encoding::utf16le:
        return 2 * detail::utf16_length_of_utf8(p, n);
    case encoding::latin1:
    case encoding::ascii:
        return detail::utf16_length_of_utf8(p, n);
    case encoding::hex:
        return detail::utf16_length_of_utf8(p, n) / 2;
    case encoding::base64:
    case encoding::base64url:
        // A non-ASCII final byte is never '=', so the final bytes stand for the final units.
        return detail::base64_byte_length(detail::utf16_length_of_utf8(p, n), n > 0 ? p[n - 1] : 0,
                                          n > 1 ? p[n - 2] : 0);
    }
    return 0;
}

/// Same, for UTF-16 text (a JS string exactly).
inline std::size_t byte_length(std::u16string_view text, encoding enc) noexcept {
    const std::size_t n = text.size();
    switch (enc) {
    case encoding::utf8:
        return detail::utf8_length_of_utf16(text.data(), n);
    case encoding::utf16le:
        return 2 * n;
    case encoding::latin1:
    case encoding::ascii:
        return n;
    case encoding::hex:
        return n / 2;
    case encoding::base64:
    case encoding::base64url:
        return detail::base64_byte_length(n, n > 0 ? text[n - 1] : 0, n > 1 ? text[n - 2] : 0);
    }
    return 0;
}

/// The UTF-16 code units of the JS string whose UTF-8 form is `text` (each maximal invalid
/// subpart becomes U+FFFD): what `text` means as a JS string.
inline std::u16string to_u16string(std::string_view text) {
    std::u16string out(text.size(), u'\0');
    out.resize(detail::utf8_to_utf16(out.data(), detail::bytes_of(text), text.size()));
    return out;
}

/// The UTF-8 form of a JS string, lone surrogates as U+FFFD (EF BF BD), as Node encodes it.
inline std::string to_utf8_string(std::u16string_view text) {
    std::string out(detail::utf8_length_of_utf16(text.data(), text.size()), '\0');
    detail::utf16_to_utf8(reinterpret_cast<std::uint8_t*>(out.data()), text.data(), text.size());
    return out;
}

namespace detail {

/// Appends up to `max` bytes that `write(char_pointer)` writes and counts, sizing the string
/// once. With C++23's resize_and_overwrite the new bytes are not zero-filled first.
template <class Write>
void append_written(std::string& out, std::size_t max, Write&& write) {
    const std::size_t old = out.size();
#if defined(__cpp_lib_string_resize_and_overwrite)
    out.resize_and_overwrite(old + max, [&](char* data, std::size_t) {
        return old + write(reinterpret_cast<std::uint8_t*>(data) + old);
    });
#else
    out.resize(old + max);
    out.resize(old + write(reinterpret_cast<std::uint8_t*>(out.data()) + old));
#endif
}

/// utf8 part of encode_into for UTF-8 input: whole characters only, invalid subparts as
/// EF BF BD.
inline std::size_t encode_utf8_into(const std::uint8_t* p, std::size_t n, std::uint8_t* out,
                                    std::size_t cap) noexcept {
    std::size_t i = 0, o = 0;
    while (i < n) {
        // Look no further than what can be written, plus one character: a short write into a
        // long text costs the write, not the text. A stop 4 or more bytes before the window's
        // end is a real error (no character is longer), not the window cutting a character.
        std::size_t run = utf8_valid_prefix(p + i, std::min(n - i, cap - o + 4));
        if (run > cap - o) {
            // Cut at the last character boundary that fits.
            std::size_t cut = cap - o;
            while (cut > 0 && (p[i + cut] & 0xC0) == 0x80)
                --cut;
            detail::copy_bytes(out + o, p + i, cut);
            return o + cut;
        }
        detail::copy_bytes(out + o, p + i, run);
        o += run;
        i += run;
        if (i == n) break;
        if (cap - o < 3) return o;
        char32_t cp;
        i += utf8_next(p + i, p + n, cp);
        o += utf8_put(out + o, 0xFFFD);
    }
    return o;
}

/// utf8 part of encode_into for UTF-16 input: whole characters only, lone surrogates as
/// EF BF BD (V8's String::WriteUtf8 with REPLACE_INVALID_UTF8).
inline std::size_t encode_utf8_into(const char16_t* s, std::size_t n, std::uint8_t* out,
                                    std::size_t cap) noexcept {
    std::size_t o = 0;
    for (std::size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            if (o == cap) break;
            out[o++] = static_cast<std::uint8_t>(s[i++]);
            continue;
        }
        char32_t cp;
        std::size_t used = utf16_next(s, i, n, cp);
        if (utf8_length_of(cp) > cap - o) break;
        o += utf8_put(out + o, cp);
        i += used;
    }
    return o;
}

/// Writes the UTF-16 units of UTF-8 `p` little-endian, at most cap / 2 of them (a surrogate
/// pair may be split at the end, as Node does).
inline std::size_t encode_utf16le_into(const std::uint8_t* p, std::size_t n, std::uint8_t* out,
                                       std::size_t cap) noexcept {
    const std::size_t max_units = cap / 2;
    std::size_t u = 0, i = 0;
    auto put = [&](char32_t unit) {
        out[2 * u] = static_cast<std::uint8_t>(unit);
        out[2 * u + 1] = static_cast<std::uint8_t>(unit >> 8);
        ++u;
    };
    while (i < n && u < max_units) {
        if (p[i] < 0x80) {
            put(p[i++]);
            continue;
        }
        char32_t cp;
        i += utf8_next(p + i, p + n, cp);
        if (cp == utf8_bad) {
            put(0xFFFD);
        } else if (cp >= 0x10000) {
            put(0xD800 + ((cp - 0x10000) >> 10));
            if (u == max_units) break;
            put(0xDC00 + (cp & 0x3FF));
        } else {
            put(cp);
        }
    }
    return 2 * u;
}

/// Writes the low byte of each UTF-16 unit of UTF-8 `p` (Node's latin1 and ascii writes),
/// at most cap bytes.
inline std::size_t encode_latin1_into(const std::uint8_t* p, std::size_t n, std::uint8_t* out,
                                      std::size_t cap) noexcept {
    std::size_t o = 0, i = 0;
    while (i < n && o < cap) {
        std::size_t run = ascii_prefix(p + i, std::min(n - i, cap - o));
        detail::copy_bytes(out + o, p + i, run);
        o += run;
        i += run;
        if (i == n || o == cap) break;
        char32_t cp;
        i += utf8_next(p + i, p + n, cp);
        if (cp == utf8_bad) {
            out[o++] = 0xFD;
        } else if (cp >= 0x10000) {
            out[o++] = static_cast<std::uint8_t>(0xD800 + ((cp - 0x10000) >> 10));
            if (o == cap) break;
            out[o++] = static_cast<std::uint8_t>(0xDC00 + (cp & 0x3FF));
        } else {
            out[o++] = static_cast<std::uint8_t>(cp);
        }
    }
    return o;
}

template <class CharT>
std::size_t encode_digits_into(const CharT* s, std::size_t n, encoding enc, std::uint8_t* out,
                               std::size_t cap) noexcept {
    return enc == encoding::hex ? hex_decode(out, cap, s, n) : base64_decode(out, cap, s, n);
}

/// hex/base64 digits from UTF-8 text. The byte loops run on the text as it is; only if they
/// meet a non-ASCII byte (whose UTF-16 unit Node would read by its low byte) does the rest of
/// the text go through its UTF-16 units. All bytes before that point are ASCII, so byte and
/// unit offsets agree there.
inline std::size_t encode_digits_utf8_into(const std::uint8_t* p, std::size_t n, encoding enc,
                                           std::uint8_t* out, std::size_t cap) noexcept {
    std::size_t written, resume;
    if (enc == encoding::hex) {
        written = hex_decode(out, cap, p, n);
        const bool stopped_early = written < std::min(n / 2, cap);
        if (!stopped_early || (p[2 * written] < 0x80 && p[2 * written + 1] < 0x80)) return written;
        resume = 2 * written;
    } else {
        base64_progress r = base64_decode_core<std::uint8_t, true>(out, cap, p, n);
        if (!r.stopped_at_non_ascii) return r.written;
        written = r.written;
        resume = r.resume;
    }
    std::u16string units;
    try {
        units.resize(n - resume);
    } catch (...) {
        return written; // out of memory: the ASCII part is decoded, the rest is not
    }
    units.resize(utf8_to_utf16(units.data(), p + resume, n - resume));
    return written +
           encode_digits_into(units.data(), units.size(), enc, out + written, cap - written);
}

} // namespace detail

/// Encodes `text` into `out` as Node's buf.write(string, offset, length, enc) does: writes at
/// most out.size() bytes, never a partial character in utf8 (utf16le writes whole code units,
/// so, as in Node, a surrogate pair may be cut after its first unit), stops at the first bad
/// hex pair, and returns the number of bytes written. hex and base64 read each UTF-16 unit by
/// its low byte, as Node does.
inline std::size_t encode_into(std::string_view text, encoding enc,
                               std::span<std::uint8_t> out) noexcept {
    const std::uint8_t* p = detail::bytes_of(text);
    const std::size_t n = text.size();
    switch (enc) {
    case encoding::utf8:
        return detail::encode_utf8_into(p, n, out.data(), out.size());
    case encoding::utf16le:
        return detail::encode_utf16le_into(p, n, out.data(), out.size());
    case encoding::latin1:
    case encoding::ascii:
        return detail::encode_latin1_into(p, n, out.data(), out.size());
    case encoding::hex:
    case encoding::base64:
    case encoding::base64url:
        return detail::encode_digits_utf8_into(p, n, enc, out.data(), out.size());
    }
    return 0;
}

/// Same, for UTF-16 text (a JS string exactly): a lone surrogate encodes as EF BF BD in utf8.
inline std::size_t encode_into(std::u16string_view text, encoding enc,
                               std::span<std::uint8_t> out) noexcept {
    const char16_t* s = text.data();
    const std::size_t n = text.size();
    switch (enc) {
    case encoding::utf8:
        return detail::encode_utf8_into(s, n, out.data(), out.size());
    case encoding::utf16le: {
        std::size_t units = std::min(n, out.size() / 2);
        for (std::size_t i = 0; i < units; ++i) {
            out[2 * i] = static_cast<std::uint8_t>(s[i]);
            out[2 * i + 1] = static_cast<std::uint8_t>(s[i] >> 8);
        }
        return 2 * units;
    }
    case encoding::latin1:
    case encoding::ascii: {
        std::size_t m = std::min(n, out.size());
        for (std::size_t i = 0; i < m; ++i)
            out[i] = static_cast<std::uint8_t>(s[i]);
        return m;
    }
    case encoding::hex:
    case encoding::base64:
    case encoding::base64url:
        return detail::encode_digits_into(s, n, enc, out.data(), out.size());
    }
    return 0;
}

/// Appends decode(bytes, enc) to `out` (no temporary string).
inline void decode_append(std::string& out, std::span<const std::uint8_t> bytes, encoding enc) {
    const std::uint8_t* p = bytes.data();
    const std::size_t n = bytes.size();
    switch (enc) {
    case encoding::utf8: {
        std::size_t valid = detail::utf8_valid_prefix(p, n);
        if (valid == n) {
            out.append(reinterpret_cast<const char*>(p), n);
            return;
        }
        detail::append_written(out, valid + 3 * (n - valid), [&](std::uint8_t* o) {
            detail::copy_bytes(o, p, valid);
            return valid + detail::utf8_sanitize(o + valid, p + valid, n - valid);
        });
        return;
    }
    case encoding::utf16le:
        detail::append_written(out, 3 * (n / 2), [&](std::uint8_t* o) {
            return detail::utf16le_bytes_to_utf8(o, p, n / 2);
        });
        return;
    case encoding::latin1:
        detail::append_written(out, 2 * n, [&](std::uint8_t* out_begin) {
            std::uint8_t* o = out_begin;
            for (std::size_t i = 0; i < n; ++i) {
                if (p[i] < 0x80) {
                    *o++ = p[i];
                } else {
                    *o++ = static_cast<std::uint8_t>(0xC0 | (p[i] >> 6));
                    *o++ = static_cast<std::uint8_t>(0x80 | (p[i] & 0x3F));
                }
            }
            return static_cast<std::size_t>(o - out_begin);
        });
        return;
    case encoding::ascii:
        detail::append_written(out, n, [&](std::uint8_t* o) {
            for (std::size_t i = 0; i < n; ++i)
                o[i] = p[i] & 0x7F;
            return n;
        });
        return;
    case encoding::hex:
        detail::append_written(out, 2 * n, [&](std::uint8_t* o) {
            detail::hex_encode(reinterpret_cast<char*>(o), p, n);
            return 2 * n;
        });
        return;
    case encoding::base64:
    case encoding::base64url: {
        const bool url = enc == encoding::base64url;
        detail::append_written(out, detail::base64_encoded_length(n, url), [&](std::uint8_t* o) {
            return detail::base64_encode(reinterpret_cast<char*>(o), p, n, url);
        });
        return;
    }
    }
}

/// Decodes bytes as Node's buf.toString(enc): invalid UTF-8 becomes U+FFFD per maximal
/// subpart (WHATWG), ascii clears the high bit, latin1 maps bytes to U+0000..U+00FF, utf16le
/// ignores an odd final byte and writes a lone surrogate as U+FFFD (decode_u16 keeps it),
/// hex is lowercase, base64 is padded, base64url is not.
inline std::string decode(std::span<const std::uint8_t> bytes, encoding enc) {
    std::string out;
    decode_append(out, bytes, enc);
    return out;
}

/// Appends decode_u16(bytes, enc) to `out` (no temporary string).
inline void decode_u16_append(std::u16string& out, std::span<const std::uint8_t> bytes,
                              encoding enc) {
    const std::uint8_t* p = bytes.data();
    const std::size_t n = bytes.size();
    const std::size_t old = out.size();
    switch (enc) {
    case encoding::utf8:
        out.resize(old + n);
        out.resize(old + detail::utf8_to_utf16(out.data() + old, p, n));
        return;
    case encoding::utf16le:
        out.resize(old + n / 2);
        for (std::size_t i = 0; i < n / 2; ++i)
            out[old + i] = detail::load_u16le(p + 2 * i);
        return;
    case encoding::latin1:
        out.append(p, p + n);
        return;
    case encoding::ascii:
        out.resize(old + n);
        for (std::size_t i = 0; i < n; ++i)
            out[old + i] = static_cast<char16_t>(p[i] & 0x7F);
        return;
    case encoding::hex:
    case encoding::base64:
    case encoding::base64url: {
        std::string ascii = decode(bytes, enc);
        out.append(ascii.begin(), ascii.end());
        return;
    }
    }
}

/// Same as decode, as UTF-16 code units (exactly the JS string Node returns, lone surrogates
/// included).
inline std::u16string decode_u16(std::span<const std::uint8_t> bytes, encoding enc) {
    std::u16string out;
    decode_u16_append(out, bytes, enc);
    return out;
}

} // namespace costream
