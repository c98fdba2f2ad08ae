// Closing the Asio stream that asio_readable / asio_writable wrap.
#pragma once

#include <costream/config.hpp>

#include <boost/system/error_code.hpp>

namespace costream::stream::detail {

/// Closes `stream` (or its lowest layer, for SSL and other layered streams), ignoring errors;
/// streams with neither are left alone. Used by the adapters' do_destroy.
template <class Stream>
void close_asio_stream(Stream& stream) {
    boost::system::error_code ignored;
    if constexpr (requires { stream.close(ignored); })
        stream.close(ignored);
    else if constexpr (requires { stream.lowest_layer().close(ignored); })
        stream.lowest_layer().close(ignored);
}

} // namespace costream::stream::detail
