// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// crypto/detail/openssl.hpp: what crypto.hpp needs from OpenSSL 3 (EVP): digest lookup by
// Node's rules, owning handles, error strings, Node's argument messages, and the pool
// threads' OpenSSL cleanup.
#pragma once

#include <costream/buffer.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/thread_pool.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace costream::crypto::detail {

/// Deleters for the OpenSSL objects crypto.hpp owns.
struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct md_deleter {
    void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
};
struct mac_deleter {
    void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
};
struct mac_ctx_deleter {
    void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;
using md_ptr = std::unique_ptr<EVP_MD, md_deleter>;
using mac_ptr = std::unique_ptr<EVP_MAC, mac_deleter>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter>;

/// OpenSSL's last queued error as ERR_error_string_n prints it ("error:030000AC:digital
/// envelope routines::memory limit exceeded"), or "" when the queue is empty. Clears the
/// queue, so the next operation starts clean.
inline std::string take_openssl_error() {
    unsigned long e = ERR_peek_last_error();
    std::string s;
    if (e != 0) {
        char text[256];
        ERR_error_string_n(e, text, sizeof text);
        s = text;
    }
    ERR_clear_error();
    return s;
}

/// Throws costream::error ERR_CRYPTO_OPERATION_FAILED with OpenSSL's reason (a failure of
/// OpenSSL itself, e.g. out of memory: the arguments were checked before).
[[noreturn]] inline void throw_operation_failed(std::string_view what) {
    std::string m(what);
    std::string reason = take_openssl_error();
    if (!reason.empty()) m.append(": ").append(reason);
    throw costream::error(errc::crypto_operation_failed, m);
}

/// A digest found by name. `md` is what OpenSSL's name table gave (static, not owned), or
/// the fetched algorithm held by `owned` for names only a provider knows.
struct digest_ref {
    const EVP_MD* md = nullptr;
    std::shared_ptr<EVP_MD> owned;
    explicit operator bool() const noexcept { return md != nullptr; }
};

/// Node's digest lookup (ncrypto getDigestByName): OpenSSL's object names first (md5, sha1,
/// SHA256, RSA-SHA256, sha3-256, shake256, ... case-insensitively), then a provider fetch
/// (SHA2-256, SHA-256, ...). Empty when the name is unknown.
inline digest_ref find_digest(std::string_view name) {
    digest_ref r;
    std::string n(name);
    if (n.size() != name.size() || n.find('\0') != std::string::npos) return r;
    if (const EVP_MD* md = EVP_get_digestbyname(n.c_str())) {
        r.md = md;
        return r;
    }
    if (EVP_MD* md = EVP_MD_fetch(nullptr, n.c_str(), nullptr)) {
        r.owned.reset(md, md_deleter{});
        r.md = md;
        return r;
    }
    ERR_clear_error(); // the failed fetch queued an error nobody will read
    return r;
}

/// Node's "Received ..." part of ERR_OUT_OF_RANGE for an integer (internal/errors.js:
/// underscores every three digits above 2**32).
inline std::string received_integer(std::int64_t v) {
    std::string digits = std::to_string(v < 0 ? -(v + 1) + std::uint64_t{1} : std::uint64_t(v));
    const bool big = v > (std::int64_t{1} << 32) || v < -(std::int64_t{1} << 32);
    if (big) {
        std::string grouped;
        std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
        grouped.append(digits, 0, lead);
        for (std::size_t i = lead; i < digits.size(); i += 3)
            grouped.append("_").append(digits, i, 3);
        digits = grouped;
    }
    return v < 0 ? "-" + digits : digits;
}

/// Node's validateInt32(value, name, min, max) failure for an integer outside [min, max].
inline void check_int32(std::int64_t v, std::string_view name, std::int64_t min,
                        std::int64_t max = INT32_MAX) {
    if (v >= min && v <= max) return;
    std::string m = "The value of \"";
    m.append(name)
        .append("\" is out of range. It must be >= ")
        .append(std::to_string(min))
        .append(" && <= ")
        .append(std::to_string(max))
        .append(". Received ")
        .append(received_integer(v));
    throw costream::range_error(errc::out_of_range, m);
}

/// Node's ERR_CRYPTO_INVALID_DIGEST (TypeError "Invalid digest: <name>").
[[noreturn]] inline void throw_invalid_digest(std::string_view name) {
    std::string m = "Invalid digest: ";
    m.append(name);
    throw costream::type_error(errc::crypto_invalid_digest, m);
}

/// Bytes copied off the caller's memory for work on a pool thread, wiped when freed (they
/// are passwords and salts).
class secret_bytes {
public:
    secret_bytes() = default;
    explicit secret_bytes(std::span<const std::uint8_t> b) : bytes_(b.begin(), b.end()) {}
    secret_bytes(secret_bytes&&) noexcept = default;
    secret_bytes& operator=(secret_bytes&&) noexcept = default;
    ~secret_bytes() {
        if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
    }
    const unsigned char* data() const noexcept {
        // A non-null pointer even when empty: OpenSSL reads NULL as "no value" in places.
        static const unsigned char none = 0;
        return bytes_.empty() ? &none : bytes_.data();
    }
    std::size_t size() const noexcept { return bytes_.size(); }

private:
    std::basic_string<unsigned char> bytes_;
};

/// Lengths OpenSSL takes as int.
inline int int_length(std::size_t n, std::string_view name) {
    if (n > static_cast<std::size_t>(INT_MAX)) {
        std::string m = "The value of \"";
        m.append(name).append(".byteLength\" is out of range. It must be <= 2147483647. Received ");
        m.append(std::to_string(n));
        throw costream::range_error(errc::out_of_range, m);
    }
    return static_cast<int>(n);
}

inline void openssl_thread_stop() noexcept {
    OPENSSL_thread_stop();
}

/// Called before any crypto work goes to the pool: makes every pool thread free its OpenSSL
/// thread state (OPENSSL_thread_stop) before it exits, or LeakSanitizer reports it. OpenSSL
/// is initialised first so that its atexit cleanup is registered before the pool's atexit
/// join (at_thread_exit): the pool threads then stop while OpenSSL is still alive.
inline void prepare_pool_threads() {
    static const bool once = [] {
        OPENSSL_init_crypto(0, nullptr);
        costream::thread_pool::at_thread_exit(&openssl_thread_stop);
        return true;
    }();
    (void)once;
}

} // namespace costream::crypto::detail
