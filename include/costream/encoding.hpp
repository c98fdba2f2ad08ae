// Node's string encodings for Buffer: names, byte lengths, encoding text into bytes and
// decoding bytes into text, byte-identical to Node v20 (lib/buffer.js, src/string_bytes.cc).
//
// Text model. A JavaScript string is a sequence of UTF-16 code units. costream accepts and
// returns text two ways:
//  - std::string / std::string_view hold UTF-8 text: the UTF-8 form of the JS string. This
//    is the everyday C++ API. 'latin1' writes each code point's low byte, as Node writes each
//    UTF-16 unit's low byte; decoding to std::string yields UTF-8.
//  - std::u16string / std::u16string_view hold UTF-16 code units exactly as a JS string does,
//    lone surrogates included. Use them where Node's behaviour on lone surrogates matters.
//
// STATUS: API contract. Implementation in progress (see issue 2).
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace costream {

/// Node's Buffer encodings. `ucs2`/`ucs-2`/`utf-16le` name utf16le, `binary` names latin1.
enum class encoding : std::uint8_t { utf8, utf16le, latin1, ascii, hex, base64, base64url };

/// Node's normalizeEncoding: case-insensitive name to encoding, or nullopt if unknown.
std::optional<encoding> parse_encoding(std::string_view name) noexcept;
/// Node's Buffer.isEncoding.
bool is_encoding(std::string_view name) noexcept;
/// parse_encoding, or throws type_error ERR_UNKNOWN_ENCODING ("Unknown encoding: <name>").
encoding to_encoding(std::string_view name);
/// The canonical name: "utf8", "utf16le", "latin1", "ascii", "hex", "base64", "base64url".
std::string_view encoding_name(encoding e) noexcept;

/// Node's Buffer.byteLength(string, enc): bytes `text` takes once encoded. For base64 and
/// base64url it is Node's estimate from length and trailing '=' (not an exact decode).
std::size_t byte_length(std::string_view text, encoding enc = encoding::utf8) noexcept;
std::size_t byte_length(std::u16string_view text, encoding enc) noexcept;

/// Encodes `text` into `out` as Node's buf.write(string, offset, length, enc) does: writes at
/// most out.size() bytes, never a partial character in utf8/utf16le, stops at the first bad
/// hex pair, and returns the number of bytes written.
std::size_t encode_into(std::string_view text, encoding enc, std::span<std::uint8_t> out) noexcept;
std::size_t encode_into(std::u16string_view text, encoding enc, std::span<std::uint8_t> out) noexcept;

/// Decodes bytes as Node's buf.toString(enc): invalid UTF-8 becomes U+FFFD per maximal
/// subpart (WHATWG), ascii clears the high bit, latin1 maps bytes to U+0000..U+00FF.
std::string decode(std::span<const std::uint8_t> bytes, encoding enc);
/// Same, as UTF-16 code units (exactly the JS string Node returns, lone surrogates included).
std::u16string decode_u16(std::span<const std::uint8_t> bytes, encoding enc);
/// Appends decode(bytes, enc) to `out` (no temporary string).
void decode_append(std::string& out, std::span<const std::uint8_t> bytes, encoding enc);

} // namespace costream
