// AVX2 kernels for the hot loops of encoding.hpp: hex and base64 in both directions. Each
// kernel handles whole blocks of clean input only and returns how far it got; the scalar code
// in encoding_impl.hpp finishes the tail and applies Node's lenient rules to anything unusual
// (junk, '=', invalid hex), so the kernels never decide semantics. Chosen at run time
// (cpuid), so a binary built without -mavx2 still uses them where the CPU has AVX2.
#pragma once

#include <costream/config.hpp>

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(COSTREAM_NO_SIMD)
#define COSTREAM_ENCODING_AVX2 1
#include <immintrin.h>
#endif

namespace costream::detail {

/// Lets tests and the fuzzer run the scalar loops on a machine with AVX2. Not for users.
inline bool encoding_simd_enabled = true;

#if defined(COSTREAM_ENCODING_AVX2)

inline bool cpu_has_avx2() noexcept {
#if defined(__AVX2__)
    return encoding_simd_enabled;
#else
    static const bool has = __builtin_cpu_supports("avx2");
    return has && encoding_simd_enabled;
#endif
}

/// Length of the leading ASCII run, in steps of 128 bytes (a multiple of 128; the scalar loop
/// finds the exact end inside the step that holds a high bit).
__attribute__((target("avx2"))) inline std::size_t ascii_prefix_avx2(const std::uint8_t* p,
                                                                     std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        const __m256i* v = reinterpret_cast<const __m256i*>(p + i);
        __m256i any =
            _mm256_or_si256(_mm256_or_si256(_mm256_loadu_si256(v), _mm256_loadu_si256(v + 1)),
                            _mm256_or_si256(_mm256_loadu_si256(v + 2), _mm256_loadu_si256(v + 3)));
        if (_mm256_movemask_epi8(any) != 0) break;
    }
    return i;
}

/// Bytes to lowercase hex, 32 bytes per step. Returns the input bytes done (a multiple of 32).
__attribute__((target("avx2"))) inline std::size_t
hex_encode_avx2(char* out, const std::uint8_t* in, std::size_t n) noexcept {
    const __m256i digits = _mm256_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a',
                                            'b', 'c', 'd', 'e', 'f', '0', '1', '2', '3', '4', '5',
                                            '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f');
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
        __m256i hi = _mm256_shuffle_epi8(digits, _mm256_and_si256(_mm256_srli_epi16(x, 4), low4));
        __m256i lo = _mm256_shuffle_epi8(digits, _mm256_and_si256(x, low4));
        // unpack works per 128-bit lane: a = bytes 0-7 | 16-23, b = bytes 8-15 | 24-31.
        __m256i a = _mm256_unpacklo_epi8(hi, lo);
        __m256i b = _mm256_unpackhi_epi8(hi, lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * i),
                            _mm256_permute2x128_si256(a, b, 0x20));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * i + 32),
                            _mm256_permute2x128_si256(a, b, 0x31));
    }
    return i;
}

/// Hex digits to bytes, 32 digits per step, stopping before the first block that holds
/// anything but hex digits (the scalar loop then finds the exact stop). Returns bytes written;
/// 2 * that many digits were read. Reads at most `pairs` pairs.
__attribute__((target("avx2"))) inline std::size_t
hex_decode_avx2(std::uint8_t* dst, const std::uint8_t* src, std::size_t pairs) noexcept {
    const __m256i zero_char = _mm256_set1_epi8('0');
    const __m256i a_char = _mm256_set1_epi8('a');
    const __m256i case_bit = _mm256_set1_epi8(0x20);
    const __m256i nine = _mm256_set1_epi8(9);
    const __m256i five = _mm256_set1_epi8(5);
    const __m256i ten = _mm256_set1_epi8(10);
    const __m256i weights = _mm256_set1_epi16(0x0110); // bytes {16, 1}: high nibble first
    std::size_t k = 0;
    for (; k + 16 <= pairs; k += 16) {
        __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 2 * k));
        __m256i d = _mm256_sub_epi8(c, zero_char);
        __m256i l = _mm256_sub_epi8(_mm256_or_si256(c, case_bit), a_char);
        __m256i is_digit = _mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d);
        __m256i is_letter = _mm256_cmpeq_epi8(_mm256_min_epu8(l, five), l);
        if (static_cast<unsigned>(_mm256_movemask_epi8(_mm256_or_si256(is_digit, is_letter))) !=
            0xFFFFFFFFu)
            break;
        __m256i v = _mm256_blendv_epi8(_mm256_add_epi8(l, ten), d, is_digit);
        __m256i w = _mm256_maddubs_epi16(v, weights); // 16 values of 8 bits in 16-bit lanes
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(w, w), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + k), _mm256_castsi256_si128(packed));
    }
    return k;
}

/// Bytes to base64 (or base64url) characters, 24 bytes in, 32 characters out per step; it
/// reads 4 bytes past each block, so it stops 28 bytes before the end. Returns bytes done.
__attribute__((target("avx2"))) inline std::size_t
base64_encode_avx2(char* out, const std::uint8_t* in, std::size_t n, bool url) noexcept {
    // Each 32-bit lane gets bytes s1 s0 s2 s1 of a 3-byte group s0 s1 s2, so that the 16-bit
    // halves hold s0:s1 and s1:s2 and two multiplies move the four 6-bit fields into bytes.
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0,
                                            2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    const __m256i mask_hi = _mm256_set1_epi32(0x0FC0FC00);
    const __m256i mul_hi = _mm256_set1_epi32(0x04000040);
    const __m256i mask_lo = _mm256_set1_epi32(0x003F03F0);
    const __m256i mul_lo = _mm256_set1_epi32(0x01000010);
    // Offset from a 6-bit value to its character, indexed by a class: 0 for 26..51 ('a'),
    // 1..10 for 52..61 ('0'), 11 for 62, 12 for 63, 13 for 0..25 ('A').
    const char c62 = url ? '-' : '+', c63 = url ? '_' : '/';
    const __m256i offsets = _mm256_setr_epi8(
        71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, static_cast<char>(c62 - 62),
        static_cast<char>(c63 - 63), 65, 0, 0, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4,
        static_cast<char>(c62 - 62), static_cast<char>(c63 - 63), 65, 0, 0);
    const __m256i fifty_one = _mm256_set1_epi8(51);
    const __m256i twenty_six = _mm256_set1_epi8(26);
    const __m256i thirteen = _mm256_set1_epi8(13);
    std::size_t i = 0;
    char* o = out;
    for (; i + 28 <= n; i += 24, o += 32) {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12));
        __m256i x =
            _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1), spread);
        __m256i idx = _mm256_or_si256(_mm256_mulhi_epu16(_mm256_and_si256(x, mask_hi), mul_hi),
                                      _mm256_mullo_epi16(_mm256_and_si256(x, mask_lo), mul_lo));
        __m256i cls = _mm256_subs_epu8(idx, fifty_one);
        cls = _mm256_or_si256(cls, _mm256_and_si256(_mm256_cmpgt_epi8(twenty_six, idx), thirteen));
        __m256i chars = _mm256_add_epi8(idx, _mm256_shuffle_epi8(offsets, cls));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), chars);
    }
    return i;
}

/// base64 or base64url characters (both alphabets at once) to bytes, 32 characters in and 24
/// bytes out per step, while every character of a block is a digit (no junk, no '=') and the
/// output has 32 bytes of room (each step stores 32). Sets `consumed` to the characters read
/// and returns the bytes written.
__attribute__((target("avx2"))) inline std::size_t
base64_decode_avx2(std::uint8_t* dst, std::size_t dstlen, const std::uint8_t* src,
                   std::size_t srclen, std::size_t& consumed) noexcept {
    // Validity: a character is a digit iff lo_bits[low nibble] & hi_bits[high nibble] == 0.
    // hi_bits gives each high nibble 2..7 its own bit and every other one bit 0, which every
    // lo_bits entry has (no digit outside 0x20..0x7F); lo_bits marks the invalid rows.
    const __m256i hi_bits = _mm256_setr_epi8(1, 1, 2, 4, 8, 16, 32, 64, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                             1, 2, 4, 8, 16, 32, 64, 1, 1, 1, 1, 1, 1, 1, 1);
    // Row 2: only + - / (low nibbles B, D, F); row 3: 0-9; row 4: not '@'; row 5: not [\]^;
    // row 6: not '`'; row 7: not {|}~DEL.
    const __m256i lo_bits = _mm256_setr_epi8(
        1 | 2 | 8 | 32, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2 | 4,
        1 | 4 | 16 | 64, 1 | 2 | 4 | 16 | 64, 1 | 4 | 16 | 64, 1 | 2 | 4 | 16 | 64, 1 | 4 | 64,
        1 | 2 | 8 | 32, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2, 1 | 2 | 4,
        1 | 4 | 16 | 64, 1 | 2 | 4 | 16 | 64, 1 | 4 | 16 | 64, 1 | 2 | 4 | 16 | 64, 1 | 4 | 64);
    // Character to value: value = c + roll[(high nibble + key_lo[low nibble]) & 15]. key_lo
    // moves the characters whose offset differs from the rest of their row (+ - / _ and the
    // letters that share their low nibble) to keys of their own:
    //   key 3: digits (+4); 4, 5, 10, 11, 0: upper case (-65); 6, 7, 12, 13, 2: lower case
    //   (-71); 8: '+' (+19); 9: '-' (+17); 14: '/' (+16); 1: '_' (-32).
    const __m256i key_lo = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 7, 0, 12, 0, 0,
                                            0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 7, 0, 12);
    const __m256i roll =
        _mm256_setr_epi8(-65, -32, -71, 4, -65, -65, -71, -71, 19, 17, -65, -65, -71, -71, 16, 0,
                         -65, -32, -71, 4, -65, -65, -71, -71, 19, 17, -65, -65, -71, -71, 16, 0);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i merge_pairs = _mm256_set1_epi32(0x01400140);
    const __m256i merge_quads = _mm256_set1_epi32(0x00011000);
    const __m256i gather = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                            2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);

    std::size_t i = 0, k = 0;
    // Two blocks per step: one branch for both, and twice the independent work in flight.
    for (; i + 64 <= srclen && k + 56 <= dstlen; i += 64, k += 48) {
        __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
        __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
        __m256i hi0 = _mm256_and_si256(_mm256_srli_epi32(c0, 4), low4);
        __m256i hi1 = _mm256_and_si256(_mm256_srli_epi32(c1, 4), low4);
        __m256i lo0 = _mm256_and_si256(c0, low4);
        __m256i lo1 = _mm256_and_si256(c1, low4);
        __m256i bad0 =
            _mm256_and_si256(_mm256_shuffle_epi8(lo_bits, lo0), _mm256_shuffle_epi8(hi_bits, hi0));
        __m256i bad1 =
            _mm256_and_si256(_mm256_shuffle_epi8(lo_bits, lo1), _mm256_shuffle_epi8(hi_bits, hi1));
        __m256i bad = _mm256_or_si256(bad0, bad1);
        if (!_mm256_testz_si256(bad, bad)) break;
        __m256i v0 = _mm256_add_epi8(
            c0, _mm256_shuffle_epi8(roll, _mm256_add_epi8(hi0, _mm256_shuffle_epi8(key_lo, lo0))));
        __m256i v1 = _mm256_add_epi8(
            c1, _mm256_shuffle_epi8(roll, _mm256_add_epi8(hi1, _mm256_shuffle_epi8(key_lo, lo1))));
        // v0 v1 v2 v3 -> 16-bit v0:v1, v2:v3 -> 24-bit v0:v1:v2:v3 in each 32-bit lane.
        __m256i q0 = _mm256_madd_epi16(_mm256_maddubs_epi16(v0, merge_pairs), merge_quads);
        __m256i q1 = _mm256_madd_epi16(_mm256_maddubs_epi16(v1, merge_pairs), merge_quads);
        __m256i out0 = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(q0, gather), pack_lanes);
        __m256i out1 = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(q1, gather), pack_lanes);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), out0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k + 24), out1);
    }
    for (; i + 32 <= srclen && k + 32 <= dstlen; i += 32, k += 24) {
        __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), low4);
        __m256i lo = _mm256_and_si256(c, low4);
        __m256i bad =
            _mm256_and_si256(_mm256_shuffle_epi8(lo_bits, lo), _mm256_shuffle_epi8(hi_bits, hi));
        if (!_mm256_testz_si256(bad, bad)) break;
        __m256i v = _mm256_add_epi8(
            c, _mm256_shuffle_epi8(roll, _mm256_add_epi8(hi, _mm256_shuffle_epi8(key_lo, lo))));
        __m256i q = _mm256_madd_epi16(_mm256_maddubs_epi16(v, merge_pairs), merge_quads);
        __m256i out = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(q, gather), pack_lanes);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), out);
    }
    consumed = i;
    return k;
}

/// UTF-8 validation, 32 bytes per step (the "lookup" method of Keiser and Lemire, "Validating
/// UTF-8 In Less Than One Instruction Per Byte", 2021): every error of a byte pair shows up in
/// the AND of three 16-entry tables indexed by the previous byte's nibbles and the current
/// byte's high nibble; third and fourth bytes are checked against the lead 2 or 3 bytes back.
/// Returns a character boundary b such that [p, p + b) is valid UTF-8; the scalar loop goes
/// on from b, finds the exact end of the valid prefix at an error, and does the tail.
__attribute__((target("avx2"))) inline std::size_t utf8_validate_avx2(const std::uint8_t* p,
                                                                      std::size_t n) noexcept {
    // Error bits. Each is a product of a set of previous-byte high nibbles, previous-byte low
    // nibbles and current-byte high nibbles, so the AND of the three tables is exact.
    constexpr char too_short = 0x01;       // lead, then not a continuation
    constexpr char too_long = 0x02;        // ASCII, then a continuation
    constexpr char overlong3 = 0x04;       // E0 80..9F
    constexpr char too_large = 0x08;       // F4 90..BF, F5..FF 90..BF
    constexpr char surrogate = 0x10;       // ED A0..BF
    constexpr char overlong2 = 0x20;       // C0/C1, then a continuation
    constexpr char overlong4 = 0x40;       // F0 80..8F, and F5..FF 80..8F (same nibble sets)
    constexpr char two_conts = char(0x80); // continuation after continuation: ok only as byte 3/4
    constexpr char lead_c = too_short | overlong2;
    constexpr char lead_e = too_short | overlong3 | surrogate;
    constexpr char lead_f = too_short | too_large | overlong4;
    const __m256i by_prev_high = _mm256_setr_epi8(
        too_long, too_long, too_long, too_long, too_long, too_long, too_long, too_long, two_conts,
        two_conts, two_conts, two_conts, lead_c, too_short, lead_e, lead_f, too_long, too_long,
        too_long, too_long, too_long, too_long, too_long, too_long, two_conts, two_conts, two_conts,
        two_conts, lead_c, too_short, lead_e, lead_f);
    constexpr char any = too_short | too_long | two_conts;
    constexpr char low0 = any | overlong2 | overlong3 | overlong4;
    constexpr char low1 = any | overlong2;
    constexpr char low4 = any | too_large;
    constexpr char high_low = any | too_large | overlong4; // low nibbles 5..F
    constexpr char lowd = high_low | surrogate;
    const __m256i by_prev_low =
        _mm256_setr_epi8(low0, low1, any, any, low4, high_low, high_low, high_low, high_low,
                         high_low, high_low, high_low, high_low, lowd, high_low, high_low, low0,
                         low1, any, any, low4, high_low, high_low, high_low, high_low, high_low,
                         high_low, high_low, high_low, lowd, high_low, high_low);
    constexpr char cont = too_long | two_conts | overlong2;
    constexpr char c8 = cont | overlong3 | overlong4;
    constexpr char c9 = cont | overlong3 | too_large;
    constexpr char cab = cont | surrogate | too_large;
    const __m256i by_cur_high = _mm256_setr_epi8(
        too_short, too_short, too_short, too_short, too_short, too_short, too_short, too_short, c8,
        c9, cab, cab, too_short, too_short, too_short, too_short, too_short, too_short, too_short,
        too_short, too_short, too_short, too_short, too_short, c8, c9, cab, cab, too_short,
        too_short, too_short, too_short);
    // A block ends in the middle of a character if byte 31 >= C0, byte 30 >= E0 or 29 >= F0.
    const __m256i incomplete_limit = _mm256_setr_epi8(
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, char(0xEF), char(0xDF), char(0xBF));
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i third_limit = _mm256_set1_epi8(char(0xE0 - 1));
    const __m256i fourth_limit = _mm256_set1_epi8(char(0xF0 - 1));
    const __m256i low7 = _mm256_set1_epi8(0x7F);
    const __m256i bit7 = _mm256_set1_epi8(char(0x80));
    const __m256i zero = _mm256_setzero_si256();

    __m256i prev_input = zero, prev_incomplete = zero;
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i input = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
        if (_mm256_movemask_epi8(input) == 0) {
            // ASCII: fine unless the previous block left a character unfinished.
            if (!_mm256_testz_si256(prev_incomplete, prev_incomplete)) break;
            prev_incomplete = zero;
            prev_input = input;
            continue;
        }
        // prevN: the input shifted by N bytes, the first N taken from the previous block.
        const __m256i carry = _mm256_permute2x128_si256(prev_input, input, 0x21);
        const __m256i prev1 = _mm256_alignr_epi8(input, carry, 15);
        const __m256i prev2 = _mm256_alignr_epi8(input, carry, 14);
        const __m256i prev3 = _mm256_alignr_epi8(input, carry, 13);
        const __m256i special = _mm256_and_si256(
            _mm256_and_si256(
                _mm256_shuffle_epi8(by_prev_high,
                                    _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble)),
                _mm256_shuffle_epi8(by_prev_low, _mm256_and_si256(prev1, nibble))),
            _mm256_shuffle_epi8(by_cur_high,
                                _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble)));
        // Bytes 3 and 4 of a sequence: a lead E0+ two back or F0+ three back.
        const __m256i must_continue =
            _mm256_and_si256(_mm256_or_si256(_mm256_subs_epu8(prev2, third_limit),
                                             _mm256_subs_epu8(prev3, fourth_limit)),
                             low7);
        const __m256i must_bit = _mm256_and_si256(_mm256_cmpgt_epi8(must_continue, zero), bit7);
        const __m256i error = _mm256_xor_si256(special, must_bit);
        if (!_mm256_testz_si256(error, error)) break;
        prev_incomplete = _mm256_subs_epu8(input, incomplete_limit);
        prev_input = input;
    }
    // Back up to the start of the character that may straddle position i: the scalar loop
    // checks it (and finds the error, if the loop stopped on one).
    std::size_t b = i;
    while (b > 0 && i - b < 3 && (p[b - 1] & 0xC0) == 0x80)
        --b;
    if (b > 0 && p[b - 1] >= 0xC0) --b;
    return b;
}

#else

inline bool cpu_has_avx2() noexcept {
    return false;
}

#endif

} // namespace costream::detail
