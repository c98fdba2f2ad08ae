// Operational errors: boost::system::error_code categories for Node's codes, and
// node_code(ec), which gives Node's `err.code` string for any error_code costream reports.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>

#include <boost/system/error_code.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace costream {

/// A category whose codes have Node `code` strings. Each costream module that owns codes
/// (the generic Node codes, zlib, ...) has one; node_code(ec) asks it.
class node_error_category : public boost::system::error_category {
public:
    using boost::system::error_category::error_category;
    /// Node's `code` string for value `ev` of this category.
    virtual std::string_view node_code(int ev) const noexcept = 0;
};

namespace detail {
class errc_category final : public node_error_category {
public:
    constexpr errc_category() noexcept : node_error_category(0x636f73747265616dULL) {}
    const char* name() const noexcept override { return "costream"; }
    std::string message(int ev) const override {
        auto code = costream::node_code(static_cast<errc>(ev));
        return code.empty() ? std::string("unknown costream error") : std::string(code);
    }
    std::string_view node_code(int ev) const noexcept override {
        return costream::node_code(static_cast<errc>(ev));
    }
};
} // namespace detail

/// The category of costream::errc, Node's `ERR_*` codes.
inline const boost::system::error_category& costream_category() noexcept {
    static constexpr detail::errc_category cat;
    return cat;
}

/// Makes `errc` values usable as error_codes: `error_code ec = errc::stream_destroyed;`.
inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), costream_category()};
}

/// Node's `code` string for an operational error: `"ERR_STREAM_PREMATURE_CLOSE"` for
/// costream's own codes, `"ENOENT"` and friends for the operating system's, `""` for success.
/// Codes of foreign categories give `"UNKNOWN"`, as libuv does for errors it cannot name.
inline std::string_view node_code(const boost::system::error_code& ec) noexcept {
    if (!ec) return {};
    const auto& cat = ec.category();
    if (auto* node = dynamic_cast<const node_error_category*>(&cat)) {
        auto code = node->node_code(ec.value());
        return code.empty() ? std::string_view("UNKNOWN") : code;
    }
    if (cat == boost::system::system_category() || cat == boost::system::generic_category()) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
        if (const char* name = ::strerrorname_np(ec.value())) return name;
#endif
    }
    return "UNKNOWN";
}

} // namespace costream

template <>
struct boost::system::is_error_code_enum<costream::errc> : std::true_type {};
