// Node's string_decoder: decodes a byte stream chunk by chunk into text without ever cutting
// a character in two. This is what Readable.setEncoding() runs on every pushed chunk.
#pragma once

#include <costream/config.hpp>
#include <costream/encoding.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace costream {

/// Node's StringDecoder: `write(chunk)` returns the text of every complete character seen so
/// far and keeps the bytes of an incomplete one (up to 3 for utf8, 1-3 for utf16le, 1-2 for
/// base64/base64url) for the next chunk; `end()` flushes them.
///
/// Semantics follow Node v20's src/string_decoder.cc byte for byte:
///  - utf8: a character cut at a chunk boundary is completed by the next chunk; a byte that
///    cannot continue it ends it early (as a U+FFFD). Every output, joined, equals the one-shot
///    decode(all bytes, utf8). end() gives one U+FFFD for a dangling incomplete sequence.
///  - utf16le: an odd byte waits for its partner, a high surrogate at the end of a chunk waits
///    for its low half. end() drops an odd final byte and flushes a waiting high surrogate.
///  - base64/base64url: 1 or 2 bytes that do not make a full 3-byte group wait; end() encodes
///    them with padding (base64) or without (base64url).
///  - hex, latin1, ascii: nothing is ever held back.
///
/// Output: write()/end() give UTF-8. A high surrogate is never written alone: where Node's own
/// write() would return a lone high surrogate that the next write() completes (an odd-length
/// utf16le chunk), this decoder holds it back until it can be paired, so the UTF-8 outputs
/// joined equal decode(all bytes, utf16le) exactly. write_u16()/end_u16() give Node's exact
/// UTF-16 strings, output by output (call one family or the other on a decoder: a high
/// surrogate held back by write() comes out at the front of the next write_u16()).
///
/// Example:
///     costream::string_decoder d("utf8");
///     d.write(bytes("\xE2\x82"));  // ""
///     d.write(bytes("\xAC"));      // "€"
///     d.end(bytes("\xC3"));        // "\uFFFD"
class string_decoder {
public:
    /// new StringDecoder() / new StringDecoder(enc).
    explicit string_decoder(costream::encoding enc = costream::encoding::utf8) noexcept
        : enc_(enc) {}

    /// new StringDecoder(name): Node's names in any case; "" means utf8 (normalizeEncoding).
    /// Throws type_error ERR_UNKNOWN_ENCODING for any other name.
    explicit string_decoder(std::string_view name)
        : enc_(name.empty() ? costream::encoding::utf8 : to_encoding(name)) {}

    /// decoder.encoding: the canonical encoding (see encoding_name()).
    costream::encoding encoding() const noexcept { return enc_; }

    /// decoder.lastNeed: bytes still missing from the held-back character.
    std::size_t last_need() const noexcept { return missing_; }
    /// decoder.lastTotal: bytes of the held-back character, held plus missing.
    std::size_t last_total() const noexcept { return std::size_t(buffered_) + missing_; }

    /// decoder.write(chunk): the text of every character completed by `bytes`, as UTF-8.
    std::string write(std::span<const std::uint8_t> bytes) {
        std::string out;
        write_into(out, bytes);
        return out;
    }

    /// Same, appended to `out` (no temporary string).
    void write_into(std::string& out, std::span<const std::uint8_t> bytes) {
        decode_data(bytes.data(), bytes.size(),
                    [&](const std::uint8_t* p, std::size_t n) { append_utf8(out, p, n); });
    }

    /// decoder.end(chunk): write(bytes) followed by whatever is held back, as UTF-8. The
    /// decoder is then empty and can be reused, as in Node.
    std::string end(std::span<const std::uint8_t> bytes = {}) {
        std::string out;
        end_into(out, bytes);
        return out;
    }

    /// Same, appended to `out`.
    void end_into(std::string& out, std::span<const std::uint8_t> bytes = {}) {
        write_into(out, bytes);
        flush_data([&](const std::uint8_t* p, std::size_t n) { append_utf8(out, p, n); });
        if (pending_high_) {
            // A high surrogate that never met its low half: U+FFFD, as Node's UTF-8 encoder
            // writes a lone surrogate.
            out.append("\xEF\xBF\xBD");
            pending_high_ = 0;
        }
    }

    /// decoder.write(chunk) as UTF-16 code units: exactly Node's string, lone surrogates and all.
    std::u16string write_u16(std::span<const std::uint8_t> bytes) {
        std::u16string out;
        take_pending(out);
        decode_data(bytes.data(), bytes.size(),
                    [&](const std::uint8_t* p, std::size_t n) { append_u16(out, p, n); });
        return out;
    }

    /// decoder.end(chunk) as UTF-16 code units.
    std::u16string end_u16(std::span<const std::uint8_t> bytes = {}) {
        std::u16string out = write_u16(bytes);
        flush_data([&](const std::uint8_t* p, std::size_t n) { append_u16(out, p, n); });
        return out;
    }

private:
    bool holds_partial_characters() const noexcept {
        return enc_ == costream::encoding::utf8 || enc_ == costream::encoding::utf16le ||
               enc_ == costream::encoding::base64 || enc_ == costream::encoding::base64url;
    }

    // node: src/string_decoder.cc StringDecoder::DecodeData. `emit` receives, in order, the
    // completed held-back character (if any) and then the body of the chunk, each of which
    // decodes on its own.
    template <class Emit>
    void decode_data(const std::uint8_t* data, std::size_t nread, Emit&& emit) {
        if (!holds_partial_characters()) {
            if (nread > 0) emit(data, nread);
            return;
        }
        if (missing_ > 0) {
            if (enc_ == costream::encoding::utf8) {
                // A byte that is not a continuation byte ends the held character early; it
                // starts the body. Node does this to agree with V8's one-shot decoder.
                for (std::size_t i = 0; i < nread && i < missing_; ++i) {
                    if ((data[i] & 0xC0) != 0x80) {
                        missing_ = 0;
                        detail::copy_bytes(held_ + buffered_, data, i);
                        buffered_ = static_cast<std::uint8_t>(buffered_ + i);
                        data += i;
                        nread -= i;
                        break;
                    }
                }
            }
            std::size_t found = std::min<std::size_t>(nread, missing_);
            detail::copy_bytes(held_ + buffered_, data, found);
            data += found;
            nread -= found;
            missing_ = static_cast<std::uint8_t>(missing_ - found);
            buffered_ = static_cast<std::uint8_t>(buffered_ + found);
            if (missing_ == 0) {
                std::uint8_t n = buffered_;
                buffered_ = 0;
                emit(held_, n);
            }
        }
        if (nread == 0) return;

        // Hold back the bytes of a character the chunk ends in the middle of.
        if (enc_ == costream::encoding::utf8) {
            if (data[nread - 1] & 0x80) {
                for (std::size_t i = nread - 1;; --i) {
                    ++buffered_;
                    if ((data[i] & 0xC0) == 0x80) {
                        // A continuation byte: keep looking for the lead byte, at most 4 back.
                        if (buffered_ >= 4 || i == 0) {
                            buffered_ = 0;
                            break;
                        }
                    } else {
                        if ((data[i] & 0xE0) == 0xC0)
                            missing_ = 2;
                        else if ((data[i] & 0xF0) == 0xE0)
                            missing_ = 3;
                        else if ((data[i] & 0xF8) == 0xF0)
                            missing_ = 4;
                        else {
                            buffered_ = 0; // not a lead byte of any length
                            break;
                        }
                        if (buffered_ >= missing_) {
                            // Complete (or invalid anyway): nothing to hold.
                            missing_ = 0;
                            buffered_ = 0;
                        }
                        missing_ = static_cast<std::uint8_t>(missing_ - buffered_);
                        break;
                    }
                }
            }
        } else if (enc_ == costream::encoding::utf16le) {
            if (nread % 2 == 1) {
                buffered_ = 1;
                missing_ = 1;
            } else if ((data[nread - 1] & 0xFC) == 0xD8) {
                buffered_ = 2; // a high surrogate waits for its low half
                missing_ = 2;
            }
        } else {
            buffered_ = static_cast<std::uint8_t>(nread % 3);
            if (buffered_ > 0) missing_ = static_cast<std::uint8_t>(3 - buffered_);
        }
        if (buffered_ > 0) {
            nread -= buffered_;
            detail::copy_bytes(held_, data + nread, buffered_);
        }
        if (nread > 0) emit(data, nread);
    }

    // node: src/string_decoder.cc StringDecoder::FlushData.
    template <class Emit>
    void flush_data(Emit&& emit) {
        if (enc_ == costream::encoding::utf16le && buffered_ % 2 == 1) {
            // A single trailing byte is dropped, like the JS decoder did.
            --missing_;
            --buffered_;
        }
        std::uint8_t n = buffered_;
        missing_ = 0;
        buffered_ = 0;
        if (n > 0) emit(held_, n);
    }

    void append_utf8(std::string& out, const std::uint8_t* p, std::size_t n) {
        if (enc_ != costream::encoding::utf16le) {
            decode_append(out, {p, n}, enc_);
            return;
        }
        std::size_t units = n / 2;
        if (units == 0) return;
        if (pending_high_) {
            char16_t first = detail::load_u16le(p);
            std::uint8_t tmp[4];
            if (detail::is_low_surrogate(first)) {
                char32_t cp =
                    0x10000 + ((char32_t(pending_high_) - 0xD800) << 10) + (first - 0xDC00u);
                out.append(reinterpret_cast<const char*>(tmp), detail::utf8_put(tmp, cp));
                p += 2;
                --units;
            } else {
                out.append("\xEF\xBF\xBD");
            }
            pending_high_ = 0;
        }
        if (units > 0) {
            char16_t last = detail::load_u16le(p + 2 * (units - 1));
            if (detail::is_high_surrogate(last)) {
                pending_high_ = last;
                --units;
            }
        }
        decode_append(out, {p, 2 * units}, costream::encoding::utf16le);
    }

    void append_u16(std::u16string& out, const std::uint8_t* p, std::size_t n) {
        decode_u16_append(out, {p, n}, enc_);
    }

    void take_pending(std::u16string& out) {
        if (pending_high_) {
            out.push_back(pending_high_);
            pending_high_ = 0;
        }
    }

    costream::encoding enc_;
    std::uint8_t held_[4] = {}; // node: kIncompleteCharactersStart..End
    std::uint8_t buffered_ = 0; // node: kBufferedBytes
    std::uint8_t missing_ = 0;  // node: kMissingBytes
    char16_t pending_high_ = 0; // UTF-8 output only: a high surrogate waiting for its pair
};

} // namespace costream
