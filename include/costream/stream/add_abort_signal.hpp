// costream: Node.js streams and event loop for C++20 on Boost.Asio.
// stream/add_abort_signal.hpp: add_abort_signal(), Node's stream.addAbortSignal
// (lib/internal/streams/add-abort-signal.js).
#pragma once

#include <costream/abort_signal.hpp>
#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
#include <costream/stream/finished.hpp>
#include <costream/stream/stream_base.hpp>

#include <boost/system/error_code.hpp>

#include <concepts>
#include <memory>

namespace costream::stream {

/// Node's stream.addAbortSignal(signal, stream): aborting `signal` destroys `stream` with
/// errc::abort_err (Node's AbortError; the signal's reason is Node's `cause`). A signal that
/// is already aborted destroys the stream at once. The listener is removed from the signal
/// when the stream finishes or closes (Node: eos(stream, disposable)). Returns `stream`.
///
///     costream::abort_controller ac;
///     costream::stream::add_abort_signal(ac.signal(), *r);
///     ac.abort();   // r: 'error' ABORT_ERR, then 'close'
template <class Stream>
requires std::derived_from<Stream, stream_base> Stream& add_abort_signal(abort_signal signal,
                                                                         Stream& s) {
    // node: addAbortSignalNoValidate
    if (signal.aborted()) {
        s.destroy(make_error_code(errc::abort_err));
        return s;
    }
    ptr<stream_base> keep(&s);
    auto alive = std::make_shared<bool>(true);
    Stream* sp = &s;
    listener_id id = signal.on_abort([sp, alive] {
        if (*alive) sp->destroy(make_error_code(errc::abort_err));
    });
    finished(s, [signal, id, alive](const boost::system::error_code&) mutable {
        *alive = false;
        signal.off_abort(id);
    });
    return s;
}

/// add_abort_signal() on a stream handle; returns the handle.
template <class Stream>
const ptr<Stream>& add_abort_signal(abort_signal signal, const ptr<Stream>& s) {
    add_abort_signal(std::move(signal), *s);
    return s;
}

} // namespace costream::stream
