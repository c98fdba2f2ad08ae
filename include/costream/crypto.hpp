// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// crypto.hpp: costream::crypto, Node's crypto module on OpenSSL 3: create_hash/create_hmac
// (Hash and Hmac: transform streams with update()/digest()), and pbkdf2, scrypt and
// random_bytes on the thread pool (with _sync variants). See docs/crypto.md.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/crypto/detail/openssl.hpp>
#include <costream/encoding.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/promise.hpp>
#include <costream/stream/duplex.hpp>
#include <costream/stream/stream_base.hpp>
#include <costream/stream/transform.hpp>
#include <costream/thread_pool.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace costream::crypto {

/// Node's BinaryLike argument (a password, a salt, a key, data): bytes referenced, not
/// copied, for the duration of the call. Converts from text (its UTF-8 bytes, as Node
/// encodes a string), a costream::buffer, or a span of bytes.
class binary_like {
public:
    /// The bytes of `text` (Node: a string argument is taken as UTF-8).
    binary_like(std::string_view text) noexcept // NOLINT: implicit by design
        : bytes_(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) {}
    /// The bytes of a std::string.
    binary_like(const std::string& text) noexcept : binary_like(std::string_view(text)) {}
    /// The bytes of a string literal (without its terminating NUL).
    template <std::size_t N>
    binary_like(const char (&text)[N]) noexcept // NOLINT
        : binary_like(std::string_view(text, std::char_traits<char>::length(text))) {}
    /// A C string (not a null pointer).
    template <class P>
    requires(std::same_as<P, const char*> || std::same_as<P, char*>) binary_like(P text)
    noexcept : binary_like(std::string_view(text)) {}
    /// The bytes of a Buffer.
    binary_like(const costream::buffer& b) noexcept : bytes_(b.data(), b.size()) {}
    /// Any bytes.
    binary_like(std::span<const std::uint8_t> b) noexcept : bytes_(b) {}
    /// Any bytes.
    binary_like(std::span<const std::byte> b) noexcept
        : bytes_(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()) {}

    /// The referenced bytes.
    std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

private:
    std::span<const std::uint8_t> bytes_;
};

namespace detail {

/// What Hash and Hmac share: the transform (write/end, then one 'data' chunk: the digest),
/// and digest() encodings. The engine (EVP_MD_CTX or EVP_MAC_CTX) is the derived class's.
class digest_transform : public stream::transform {
public:
    /// Node's digest(encoding) as text: "hex", "base64", "base64url", "latin1"/"binary"
    /// (each byte as one character, in UTF-8), "utf8", "utf16le", ... An unknown name gives
    /// the raw bytes (Node returns the Buffer itself then).
    static std::string encode(const costream::buffer& b, std::string_view enc) {
        if (auto e = costream::parse_encoding(enc)) return b.to_string(*e);
        return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }

protected:
    explicit digest_transform(const stream::duplex_options& o) : stream::transform(o) {}

    using stream::transform::do_transform;

    /// Feeds bytes to the engine; returns false when it refuses them.
    virtual bool engine_update(std::span<const std::uint8_t> bytes) = 0;
    /// The engine's digest (Node: the handle's digest(), called by digest() and by _flush).
    virtual costream::buffer engine_digest() = 0;

    static std::span<const std::uint8_t>
    text_bytes(std::string_view text, costream::encoding_arg enc, costream::buffer& storage) {
        // node: update(string, encoding) decodes with Buffer.from's rules; an unknown
        // encoding name is read as utf8 (observed with Node 20).
        costream::encoding e = enc.resolve_lenient();
        if (e == costream::encoding::hex) check_hex_length(text, enc.name());
        if (e == costream::encoding::utf8)
            return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
        storage = costream::buffer::from(text, e);
        return {storage.data(), storage.size()};
    }

    // node: internal/validators.js validateEncoding(data, encoding), called by Hash and
    // Hmac update(): hex text whose length (in UTF-16 code units, JavaScript's
    // string.length) is odd throws ERR_INVALID_ARG_VALUE, quoting the encoding as the caller
    // spelled it. (Buffer.from would drop the last digit: hashing fewer bytes than given
    // would be a silent loss.)
    static void check_hex_length(std::string_view text, std::string_view spelling) {
        const std::size_t length = costream::detail::utf16_length_of_utf8(
            reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
        if (length % 2 == 0) return;
        std::string m = "The argument 'encoding' is invalid for data of length ";
        m.append(std::to_string(length)).append(". Received '");
        // A name that parses as hex is h, e, x in some case: nothing util.inspect escapes.
        m.append(spelling.empty() ? std::string_view("hex") : spelling).append("'");
        throw costream::type_error(errc::invalid_arg_value, m);
    }

    // node: hash.js Hash.prototype._transform
    void do_transform(costream::buffer&& chunk, transform_callback cb) override {
        if (!engine_update({chunk.data(), chunk.size()})) {
            cb(make_error_code(errc::crypto_hash_update_failed));
            return;
        }
        cb();
    }
    // node: hash.js Hash.prototype._flush: push(this[kHandle].digest())
    void do_flush(flush_callback cb) override { cb({}, engine_digest()); }

    bool finalized_ = false; // node: state[kFinalized], set by digest()
};

} // namespace detail

/// Options of create_hash: Node's createHash options.
struct hash_options {
    /// Node's outputLength: the digest length in bytes for an XOF (shake128, shake256).
    /// For other digests only their own size is accepted (else
    /// ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH).
    std::optional<std::size_t> output_length{};
    /// Options of the transform stream (high_water_mark, ...).
    stream::duplex_options stream{};
};

/// Node's Hash (crypto.createHash): computes a digest of the data written to it.
///
/// Two ways to use it, as in Node:
/// - update(data[, encoding]) any number of times, then digest() (a costream::buffer) or
///   digest("hex") / digest("base64") / ... (a std::string), once: a second digest() or an
///   update() after it throws costream::error ERR_CRYPTO_HASH_FINALIZED.
/// - As a transform stream: write()/end() (or pipe/pipeline into it); after the end it
///   emits one 'data' chunk, the digest as a costream::buffer, then 'end', 'finish',
///   'close'. A digest() afterwards returns that same digest (once).
///
/// Hashing runs on the loop's thread, as in Node (it is fast: no thread hop per chunk).
/// Must be created with stream::make or create_hash (stream lifetime rules).
///
///     auto h = costream::crypto::create_hash("sha256");
///     std::string hex = h->update("some data").digest("hex");
///     // node: crypto.createHash('sha256').update('some data').digest('hex')
class hash final : public detail::digest_transform {
public:
    /// Node's createHash(algorithm, options). An unknown algorithm throws costream::error
    /// ERR_CRYPTO_INVALID_DIGEST "Digest method not supported" (Node throws this message
    /// without a code); a bad output_length throws ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH.
    explicit hash(std::string_view algorithm, const hash_options& o = {})
        : digest_transform(o.stream) {
        check_output_length(o.output_length);
        md_ = crypto::detail::find_digest(algorithm);
        if (!md_) throw costream::error(errc::crypto_invalid_digest, "Digest method not supported");
        init(o.output_length);
        ctx_.reset(EVP_MD_CTX_new());
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md_.md, nullptr) != 1)
            throw costream::error(errc::crypto_invalid_digest, "Digest method not supported");
    }

    /// Node's hash.update(data): more bytes. Returns *this. Throws ERR_CRYPTO_HASH_FINALIZED
    /// after digest().
    hash& update(binary_like data) {
        check_not_finalized();
        engine_update(data.bytes());
        return *this;
    }
    /// Node's hash.update(string, inputEncoding): the text decoded with `enc` (utf8 when
    /// omitted or unknown, as in Node).
    hash& update(std::string_view text, costream::encoding_arg enc) {
        check_not_finalized();
        costream::buffer storage;
        engine_update(text_bytes(text, enc, storage));
        return *this;
    }
    /// Same, for a string literal.
    template <std::size_t N>
    hash& update(const char (&text)[N], costream::encoding_arg enc) {
        return update(std::string_view(text, std::char_traits<char>::length(text)), enc);
    }

    /// Node's hash.digest(): the digest as a Buffer. Once only (ERR_CRYPTO_HASH_FINALIZED).
    costream::buffer digest() {
        check_not_finalized();
        finalized_ = true;
        return engine_digest();
    }
    /// Node's hash.digest(encoding): the digest as text (see digest_transform::encode).
    std::string digest(std::string_view encoding) { return encode(digest(), encoding); }
    /// Same, with an encoding value.
    std::string digest(costream::encoding e) { return digest().to_string(e); }

    /// Node's hash.copy(options): a new Hash with this one's state, for the digest of a
    /// prefix. Throws ERR_CRYPTO_HASH_FINALIZED after digest().
    stream::ptr<hash> copy(const hash_options& o = {}) const {
        check_not_finalized();
        return stream::make<hash>(*this, o);
    }

    /// The digest's size in bytes (EVP_MD_get_size, or the XOF output length).
    std::size_t digest_size() const noexcept { return out_len_; }

    /// For copy() (use copy()).
    hash(const hash& other, const hash_options& o) : digest_transform(o.stream) {
        check_output_length(o.output_length);
        md_ = other.md_;
        init(o.output_length ? o.output_length : std::optional<std::size_t>(other.out_len_));
        cached_ = other.cached_;
        ctx_.reset(EVP_MD_CTX_new());
        if (!ctx_ || EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()) != 1)
            crypto::detail::throw_operation_failed("Hash copy failed");
    }

protected:
    bool engine_update(std::span<const std::uint8_t> bytes) override {
        // node: once the handle has its digest, Hash ignores more data (observed, Node 20).
        if (cached_) return true;
        if (bytes.empty()) return true;
        if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1)
            crypto::detail::throw_operation_failed("Hash update failed");
        return true;
    }

    costream::buffer engine_digest() override {
        // node: the handle keeps its digest: _flush and digest() both return it.
        if (cached_) return *cached_;
        costream::buffer out = costream::buffer::alloc_unsafe(out_len_);
        int ok;
        if (xof_) {
            ok = EVP_DigestFinalXOF(ctx_.get(), out.data(), out_len_);
        } else {
            unsigned int n = 0;
            ok = EVP_DigestFinal_ex(ctx_.get(), out.data(), &n);
        }
        if (ok != 1) crypto::detail::throw_operation_failed("Digest failed");
        cached_ = out;
        return out;
    }

private:
    // node: Hash(): validateUint32(options.outputLength, 'options.outputLength'), before
    // the algorithm is looked up. (Without it a length of 2**32 or more was accepted and
    // digest() then tried to produce that many bytes.)
    static void check_output_length(std::optional<std::size_t> n) {
        if (n && *n > 4294967295u)
            crypto::detail::check_int32(
                static_cast<std::int64_t>(std::min<std::size_t>(*n, INT64_MAX)),
                "options.outputLength", 0, 4294967295);
    }

    void init(std::optional<std::size_t> output_length) {
        const int size = EVP_MD_get_size(md_.md);
        out_len_ = size > 0 ? static_cast<std::size_t>(size) : 0;
        xof_ = (EVP_MD_get_flags(md_.md) & EVP_MD_FLAG_XOF) != 0;
        if (output_length && *output_length != out_len_) {
            // node: createHash fails for a non-XOF digest with another length (HashInit).
            if (!xof_)
                throw costream::error(errc::ossl_evp_not_xof_or_invalid_length,
                                      "error:030000B2:digital envelope routines::not XOF or "
                                      "invalid length");
            out_len_ = *output_length;
        }
    }
    void check_not_finalized() const {
        if (finalized_) throw costream::error(errc::crypto_hash_finalized, "Digest already called");
    }

    crypto::detail::digest_ref md_;
    crypto::detail::md_ctx_ptr ctx_;
    std::optional<costream::buffer> cached_;
    std::size_t out_len_ = 0;
    bool xof_ = false;
};

/// Node's Hmac (crypto.createHmac): a keyed digest, used like hash.
///
/// Differences from hash, as in Node: a second digest() returns an empty result (not an
/// error), and an update() after the stream emitted its digest throws
/// ERR_CRYPTO_HASH_UPDATE_FAILED ("Hash update failed"); update() after digest() throws
/// ERR_CRYPTO_HASH_FINALIZED.
///
///     auto m = costream::crypto::create_hmac("sha256", "secret");
///     std::string tag = m->update("message").digest("hex");
///     // node: crypto.createHmac('sha256', 'secret').update('message').digest('hex')
class hmac final : public detail::digest_transform {
public:
    /// Node's createHmac(algorithm, key, options). An unknown algorithm throws
    /// costream::type_error ERR_CRYPTO_INVALID_DIGEST "Invalid digest: <name>".
    hmac(std::string_view algorithm, binary_like key, const stream::duplex_options& o = {})
        : digest_transform(o) {
        auto md = crypto::detail::find_digest(algorithm);
        if (!md) crypto::detail::throw_invalid_digest(algorithm);
        crypto::detail::mac_ptr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
        if (!mac) crypto::detail::throw_operation_failed("HMAC unavailable");
        ctx_.reset(EVP_MAC_CTX_new(mac.get()));
        if (!ctx_) crypto::detail::throw_operation_failed("HMAC init failed");
        std::string name = EVP_MD_get0_name(md.md);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
            OSSL_PARAM_construct_end()};
        // A non-null key pointer even for an empty key: NULL means "keep the old key".
        static const unsigned char no_key = 0;
        auto k = key.bytes();
        if (EVP_MAC_init(ctx_.get(), k.empty() ? &no_key : k.data(), k.size(), params) != 1) {
            crypto::detail::take_openssl_error();
            crypto::detail::throw_invalid_digest(algorithm);
        }
        out_len_ = EVP_MAC_CTX_get_mac_size(ctx_.get());
    }

    /// Node's hmac.update(data). Returns *this.
    hmac& update(binary_like data) {
        check_not_finalized();
        if (!engine_update(data.bytes()))
            throw costream::error(errc::crypto_hash_update_failed, "Hash update failed");
        return *this;
    }
    /// Node's hmac.update(string, inputEncoding).
    hmac& update(std::string_view text, costream::encoding_arg enc) {
        check_not_finalized();
        costream::buffer storage;
        if (!engine_update(text_bytes(text, enc, storage)))
            throw costream::error(errc::crypto_hash_update_failed, "Hash update failed");
        return *this;
    }
    /// Same, for a string literal.
    template <std::size_t N>
    hmac& update(const char (&text)[N], costream::encoding_arg enc) {
        return update(std::string_view(text, std::char_traits<char>::length(text)), enc);
    }

    /// Node's hmac.digest(): the tag as a Buffer; empty when called again (Node's rule).
    costream::buffer digest() {
        if (finalized_) return {};
        finalized_ = true;
        return engine_digest();
    }
    /// Node's hmac.digest(encoding).
    std::string digest(std::string_view encoding) { return encode(digest(), encoding); }
    /// Same, with an encoding value.
    std::string digest(costream::encoding e) { return digest().to_string(e); }

    /// The tag's size in bytes.
    std::size_t digest_size() const noexcept { return out_len_; }

protected:
    bool engine_update(std::span<const std::uint8_t> bytes) override {
        if (!ctx_) return false; // node: the handle freed its context at digest
        if (bytes.empty()) return true;
        if (EVP_MAC_update(ctx_.get(), bytes.data(), bytes.size()) != 1)
            crypto::detail::throw_operation_failed("Hash update failed");
        return true;
    }

    costream::buffer engine_digest() override {
        // node: HmacDigest frees the context; digesting again gives an empty result.
        if (!ctx_) return {};
        costream::buffer out = costream::buffer::alloc_unsafe(out_len_);
        std::size_t n = 0;
        if (EVP_MAC_final(ctx_.get(), out.data(), &n, out.size()) != 1)
            crypto::detail::throw_operation_failed("Digest failed");
        ctx_.reset();
        return out.subarray(0, n);
    }

private:
    void check_not_finalized() const {
        if (finalized_) throw costream::error(errc::crypto_hash_finalized, "Digest already called");
    }

    crypto::detail::mac_ctx_ptr ctx_;
    std::size_t out_len_ = 0;
};

/// Node's crypto.createHash(algorithm[, options]): a new hash stream. Algorithms: md5,
/// sha1, sha256, sha512 and any other OpenSSL digest name (sha3-256, shake256, RSA-SHA256,
/// SHA-256, ...). See hash.
inline stream::ptr<hash> create_hash(std::string_view algorithm, const hash_options& o = {}) {
    return stream::make<hash>(algorithm, o);
}

/// Node's crypto.createHmac(algorithm, key[, options]): a new HMAC stream. See hmac.
inline stream::ptr<hmac> create_hmac(std::string_view algorithm, binary_like key,
                                     const stream::duplex_options& o = {}) {
    return stream::make<hmac>(algorithm, key, o);
}

/// Options of scrypt: Node's N (cost), r (blockSize), p (parallelization) and maxmem.
/// 0 stands for the default, as in Node.
struct scrypt_options {
    std::uint64_t N = 16384;                    ///< CPU/memory cost, a power of two > 1
    std::uint64_t r = 8;                        ///< block size
    std::uint64_t p = 1;                        ///< parallelization
    std::uint64_t maxmem = 32ull * 1024 * 1024; ///< memory limit in bytes (~128 * N * r)
};

namespace detail {

struct pbkdf2_job {
    crypto::detail::secret_bytes password, salt;
    int iterations;
    std::size_t keylen;
    crypto::detail::digest_ref md;

    costream::buffer operator()() const {
        costream::buffer key = costream::buffer::alloc(keylen);
        if (keylen == 0) return key;
        // node: PKCS5_PBKDF2_HMAC, as ncrypto::pbkdf2 calls it
        if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                              static_cast<int>(password.size()), salt.data(),
                              static_cast<int>(salt.size()), iterations, md.md,
                              static_cast<int>(keylen), key.data()) != 1)
            // node: "Deriving bits failed" (e.g. an XOF digest such as shake256)
            crypto::detail::throw_operation_failed("Deriving bits failed");
        return key;
    }
};

inline pbkdf2_job make_pbkdf2_job(binary_like password, binary_like salt, std::int64_t iterations,
                                  std::int64_t keylen, std::string_view digest) {
    // node: pbkdf2.js check(): iterations, then keylen, then the digest (in the job).
    crypto::detail::int_length(password.bytes().size(), "password");
    crypto::detail::int_length(salt.bytes().size(), "salt");
    crypto::detail::check_int32(iterations, "iterations", 1);
    crypto::detail::check_int32(keylen, "keylen", 0);
    auto md = crypto::detail::find_digest(digest);
    if (!md) crypto::detail::throw_invalid_digest(digest);
    return pbkdf2_job{crypto::detail::secret_bytes(password.bytes()),
                      crypto::detail::secret_bytes(salt.bytes()), static_cast<int>(iterations),
                      static_cast<std::size_t>(keylen), std::move(md)};
}

struct scrypt_job {
    crypto::detail::secret_bytes password, salt;
    std::size_t keylen;
    scrypt_options o;

    costream::buffer operator()() const {
        costream::buffer key = costream::buffer::alloc(keylen);
        if (keylen == 0) return key;
        if (EVP_PBE_scrypt(reinterpret_cast<const char*>(password.data()), password.size(),
                           salt.data(), salt.size(), o.N, o.r, o.p, o.maxmem, key.data(),
                           keylen) != 1)
            crypto::detail::throw_operation_failed("Scrypt failed");
        return key;
    }
};

inline scrypt_job make_scrypt_job(binary_like password, binary_like salt, std::int64_t keylen,
                                  scrypt_options o) {
    crypto::detail::check_int32(keylen, "keylen", 0);
    // node: scrypt.js getScryptParams: validateUint32 for N, r and p, validateInteger(maxmem,
    // 'maxmem', 0) (at most 2**53-1), before the defaults and OpenSSL's own checks.
    auto check_max = [](std::uint64_t v, std::string_view name, std::uint64_t max) {
        if (v <= max) return;
        const auto shown = static_cast<std::int64_t>(
            std::min<std::uint64_t>(v, static_cast<std::uint64_t>(INT64_MAX)));
        crypto::detail::check_int32(shown, name, 0, static_cast<std::int64_t>(max));
    };
    check_max(o.N, "N", 4294967295u);
    check_max(o.r, "r", 4294967295u);
    check_max(o.p, "p", 4294967295u);
    check_max(o.maxmem, "maxmem", 9007199254740991u);
    // node: scrypt.js getScryptParams: 0 means the default.
    const scrypt_options defaults;
    if (o.N == 0) o.N = defaults.N;
    if (o.r == 0) o.r = defaults.r;
    if (o.p == 0) o.p = defaults.p;
    if (o.maxmem == 0) o.maxmem = defaults.maxmem;
    // node: the params are checked at once, by EVP_PBE_scrypt without a key.
    ERR_clear_error();
    if (EVP_PBE_scrypt(nullptr, 0, nullptr, 0, o.N, o.r, o.p, o.maxmem, nullptr, 0) != 1) {
        std::string reason = crypto::detail::take_openssl_error();
        std::string m = "Invalid scrypt params";
        if (!reason.empty()) m.append(": ").append(reason);
        throw costream::range_error(errc::crypto_invalid_scrypt_params, m);
    }
    return scrypt_job{crypto::detail::secret_bytes(password.bytes()),
                      crypto::detail::secret_bytes(salt.bytes()), static_cast<std::size_t>(keylen),
                      o};
}

inline std::size_t check_random_size(std::int64_t size) {
    // node: random.js assertSize: 0 <= size <= kMaxInt32 (2**31 - 1)
    crypto::detail::check_int32(size, "size", 0);
    return static_cast<std::size_t>(size);
}

struct random_job {
    std::size_t size;
    costream::buffer operator()() const {
        costream::buffer b = costream::buffer::alloc_unsafe_slow(size);
        // RAND_bytes takes an int: size <= INT32_MAX was checked.
        if (size > 0 && RAND_bytes(b.data(), static_cast<int>(size)) != 1)
            crypto::detail::throw_operation_failed("Random bytes generation failed");
        return b;
    }
};

} // namespace detail

/// Node's crypto.pbkdf2(password, salt, iterations, keylen, digest, callback): derives a key
/// with PBKDF2-HMAC on the thread pool. Completes with void(std::exception_ptr, buffer) on the
/// current loop (poll phase); default token costream::use_promise (`co_await` it, or
/// `.then`), any Asio token works (a callback `(std::exception_ptr e, costream::buffer key)`,
/// asio::use_awaitable, ...).
///
/// Bad arguments throw at once, in Node's order: iterations outside [1, 2**31-1] or keylen
/// outside [0, 2**31-1] (range_error ERR_OUT_OF_RANGE), then an unknown digest (type_error
/// ERR_CRYPTO_INVALID_DIGEST "Invalid digest: <name>").
///
///     costream::buffer key = co_await costream::crypto::pbkdf2("secret", "salt", 100000, 64,
///     "sha512");
///     // node: crypto.pbkdf2('secret', 'salt', 100000, 64, 'sha512', (err, key) => ...)
template <class CompletionToken = use_promise_t>
auto pbkdf2(binary_like password, binary_like salt, std::int64_t iterations, std::int64_t keylen,
            std::string_view digest, CompletionToken&& token = {}) {
    auto job = detail::make_pbkdf2_job(password, salt, iterations, keylen, digest);
    crypto::detail::prepare_pool_threads();
    return costream::offload(std::move(job), std::forward<CompletionToken>(token));
}

/// Node's crypto.pbkdf2Sync: the same on the calling thread; returns the key.
inline costream::buffer pbkdf2_sync(binary_like password, binary_like salt, std::int64_t iterations,
                                    std::int64_t keylen, std::string_view digest) {
    return detail::make_pbkdf2_job(password, salt, iterations, keylen, digest)();
}

/// Node's crypto.scrypt(password, salt, keylen[, options], callback): derives a key with
/// scrypt on the thread pool; completion as pbkdf2's.
///
/// Bad arguments throw at once: keylen outside [0, 2**31-1] (ERR_OUT_OF_RANGE); N not a
/// power of two above 1, or the memory needed (about 128 * N * r bytes) above maxmem
/// (range_error ERR_CRYPTO_INVALID_SCRYPT_PARAMS "Invalid scrypt params[: <OpenSSL reason>]").
///
///     costream::buffer key = co_await costream::crypto::scrypt("secret", "salt", 64);
///     // node: crypto.scrypt('secret', 'salt', 64, (err, key) => ...)
template <class CompletionToken = use_promise_t>
auto scrypt(binary_like password, binary_like salt, std::int64_t keylen,
            const scrypt_options& options = {}, CompletionToken&& token = {}) {
    auto job = detail::make_scrypt_job(password, salt, keylen, options);
    crypto::detail::prepare_pool_threads();
    return costream::offload(std::move(job), std::forward<CompletionToken>(token));
}

/// Node's crypto.scryptSync.
inline costream::buffer scrypt_sync(binary_like password, binary_like salt, std::int64_t keylen,
                                    const scrypt_options& options = {}) {
    return detail::make_scrypt_job(password, salt, keylen, options)();
}

/// Node's crypto.randomBytes(size, callback): `size` cryptographically strong random bytes
/// (OpenSSL's RAND_bytes), generated on the thread pool; completion as pbkdf2's. `size`
/// outside [0, 2**31-1] throws range_error ERR_OUT_OF_RANGE at once.
template <class CompletionToken = use_promise_t>
auto random_bytes(std::int64_t size, CompletionToken&& token = {}) {
    detail::random_job job{detail::check_random_size(size)};
    crypto::detail::prepare_pool_threads();
    return costream::offload(job, std::forward<CompletionToken>(token));
}

/// Node's crypto.randomBytes(size) without a callback: on the calling thread.
inline costream::buffer random_bytes_sync(std::int64_t size) {
    return detail::random_job{detail::check_random_size(size)}();
}

} // namespace costream::crypto
