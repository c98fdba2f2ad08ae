// Node's error codes as a C++ enumeration, and the exceptions that bad arguments throw.
// Needs only the standard library, so buffer.hpp can use it without Boost; error.hpp adds
// the boost::system::error_code category on top.
#pragma once

#include <costream/config.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace costream {

// One entry per Node error code: X(enumerator, "NODE_CODE").
// Keep the list sorted by module; append, never reorder (the values are stable).
#define COSTREAM_ERRC_LIST(X)                                                                      \
    /* arguments (internal/errors.js) */                                                           \
    X(invalid_arg_type, "ERR_INVALID_ARG_TYPE")                                                    \
    X(invalid_arg_value, "ERR_INVALID_ARG_VALUE")                                                  \
    X(out_of_range, "ERR_OUT_OF_RANGE")                                                            \
    X(missing_args, "ERR_MISSING_ARGS")                                                            \
    X(invalid_return_value, "ERR_INVALID_RETURN_VALUE")                                            \
    X(method_not_implemented, "ERR_METHOD_NOT_IMPLEMENTED")                                        \
    /* buffer */                                                                                   \
    X(buffer_out_of_bounds, "ERR_BUFFER_OUT_OF_BOUNDS")                                            \
    X(unknown_encoding, "ERR_UNKNOWN_ENCODING")                                                    \
    X(invalid_buffer_size, "ERR_INVALID_BUFFER_SIZE")                                              \
    X(string_too_long, "ERR_STRING_TOO_LONG")                                                      \
    /* events */                                                                                   \
    X(unhandled_error, "ERR_UNHANDLED_ERROR")                                                      \
    /* streams */                                                                                  \
    X(stream_write_after_end, "ERR_STREAM_WRITE_AFTER_END")                                        \
    X(stream_push_after_eof, "ERR_STREAM_PUSH_AFTER_EOF")                                          \
    X(stream_unshift_after_end_event, "ERR_STREAM_UNSHIFT_AFTER_END_EVENT")                        \
    X(stream_premature_close, "ERR_STREAM_PREMATURE_CLOSE")                                        \
    X(stream_destroyed, "ERR_STREAM_DESTROYED")                                                    \
    X(stream_already_finished, "ERR_STREAM_ALREADY_FINISHED")                                      \
    X(stream_null_values, "ERR_STREAM_NULL_VALUES")                                                \
    X(stream_cannot_pipe, "ERR_STREAM_CANNOT_PIPE")                                                \
    X(stream_unable_to_pipe, "ERR_STREAM_UNABLE_TO_PIPE")                                          \
    X(multiple_callback, "ERR_MULTIPLE_CALLBACK")                                                  \
    X(abort_err, "ABORT_ERR")                                                                      \
    /* child_process, worker_threads, ipc */                                                       \
    X(child_process_stdio_maxbuffer, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")                          \
    X(ipc_channel_closed, "ERR_IPC_CHANNEL_CLOSED")                                                \
    X(ipc_disconnected, "ERR_IPC_DISCONNECTED")                                                    \
    X(worker_init_failed, "ERR_WORKER_INIT_FAILED")                                                \
    /* http */                                                                                     \
    X(http_headers_sent, "ERR_HTTP_HEADERS_SENT")                                                  \
    X(http_invalid_header_value, "ERR_HTTP_INVALID_HEADER_VALUE")                                  \
    X(invalid_http_token, "ERR_INVALID_HTTP_TOKEN")                                                \
    X(server_not_running, "ERR_SERVER_NOT_RUNNING")                                                \
    X(socket_closed, "ERR_SOCKET_CLOSED")                                                          \
    /* crypto */                                                                                   \
    X(crypto_invalid_digest, "ERR_CRYPTO_INVALID_DIGEST")                                          \
    X(crypto_hash_finalized, "ERR_CRYPTO_HASH_FINALIZED")                                          \
    X(crypto_hash_update_failed, "ERR_CRYPTO_HASH_UPDATE_FAILED")                                  \
    X(crypto_invalid_scrypt_params, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS")                            \
    X(crypto_operation_failed, "ERR_CRYPTO_OPERATION_FAILED")                                      \
    X(ossl_evp_not_xof_or_invalid_length, "ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH")                \
    /* fs */                                                                                       \
    X(fs_eisdir, "ERR_FS_EISDIR")                                                                  \
    /* zlib */                                                                                     \
    X(zlib_initialization_failed, "ERR_ZLIB_INITIALIZATION_FAILED")                                \
    X(buffer_too_large, "ERR_BUFFER_TOO_LARGE")                                                    \
    /* fs (appended after zlib: the values are stable) */                                          \
    X(fs_file_too_large, "ERR_FS_FILE_TOO_LARGE")                                                  \
    X(system_error, "ERR_SYSTEM_ERROR")

/// Node's error codes (`err.code` for Node's own `ERR_*` errors), one enumerator each.
/// Zero is reserved for "no error", as for every error_code enumeration.
enum class errc : int {
#define COSTREAM_ERRC_ENUM(name, code) name,
    ok_ = 0,
    COSTREAM_ERRC_LIST(COSTREAM_ERRC_ENUM)
#undef COSTREAM_ERRC_ENUM
};

/// Node's `code` string for `e`, e.g. `"ERR_OUT_OF_RANGE"`; `""` for an unknown value.
constexpr std::string_view node_code(errc e) noexcept {
    switch (e) {
#define COSTREAM_ERRC_CASE(name, code)                                                             \
    case errc::name:                                                                               \
        return code;
        COSTREAM_ERRC_LIST(COSTREAM_ERRC_CASE)
#undef COSTREAM_ERRC_CASE
    case errc::ok_:
        break;
    }
    return {};
}

namespace detail {
inline std::string format_node_error(std::string_view name, errc e, std::string_view message) {
    // Node's Error.prototype.toString for coded errors: "RangeError [ERR_X]: message".
    std::string s;
    s.reserve(name.size() + message.size() + 40);
    s.append(name).append(" [").append(node_code(e)).append("]: ").append(message);
    return s;
}
} // namespace detail

/// Thrown for an argument of the wrong kind (Node's `TypeError` with a code), e.g.
/// `ERR_UNKNOWN_ENCODING`, `ERR_INVALID_ARG_VALUE`. `what()` reads as Node prints the error:
/// `TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: nope`.
class type_error : public std::invalid_argument {
public:
    type_error(errc code, std::string_view message)
        : std::invalid_argument(detail::format_node_error("TypeError", code, message)),
          code_(code) {}
    /// The Node code as an enumerator.
    errc code() const noexcept { return code_; }
    /// Node's `code` string.
    std::string_view node_code() const noexcept { return costream::node_code(code_); }

private:
    errc code_;
};

/// Thrown for a value out of its range (Node's `RangeError` with a code), e.g.
/// `ERR_OUT_OF_RANGE`, `ERR_BUFFER_OUT_OF_BOUNDS`. `what()` reads as Node prints the error.
class range_error : public std::out_of_range {
public:
    range_error(errc code, std::string_view message)
        : std::out_of_range(detail::format_node_error("RangeError", code, message)), code_(code) {}
    /// The Node code as an enumerator.
    errc code() const noexcept { return code_; }
    /// Node's `code` string.
    std::string_view node_code() const noexcept { return costream::node_code(code_); }

private:
    errc code_;
};

/// Thrown for Node's plain `Error` with a code (neither a TypeError nor a RangeError), e.g.
/// `ERR_UNHANDLED_ERROR` from an 'error' event nobody listens to. `what()` reads as Node prints
/// the error: `Error [ERR_UNHANDLED_ERROR]: Unhandled error. (42)`.
class error : public std::runtime_error {
public:
    error(errc code, std::string_view message)
        : std::runtime_error(detail::format_node_error("Error", code, message)), code_(code) {}
    /// The Node code as an enumerator.
    errc code() const noexcept { return code_; }
    /// Node's `code` string.
    std::string_view node_code() const noexcept { return costream::node_code(code_); }

private:
    errc code_;
};

} // namespace costream
