// Writing to a socket at once when it has room (the usual case for a response
// or a relayed piece): a synchronous, non-blocking write_some, so the bytes go
// out without a round trip through the scheduler; only what the socket did not
// take is left to an asynchronous write (with its deadline). The socket is put
// in non-blocking mode for synchronous calls; asynchronous ones are unaffected.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

#include <cstddef>

namespace studio::http {

// Bytes of `buffers` the socket took now, never waiting; `ec` is set only for a
// real error (a full send buffer is not one: then 0 and no error).
template <class ConstBufferSequence>
std::size_t write_now(boost::asio::ip::tcp::socket& socket, const ConstBufferSequence& buffers,
                      boost::system::error_code& ec) {
  ec = {};
  if (!socket.non_blocking()) {
    socket.non_blocking(true, ec);
    if (ec) {
      ec = {};
      return 0;  // leave it all to the asynchronous write
    }
  }
  const std::size_t n = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    return 0;
  }
  return ec ? 0 : n;
}

// What is left of `buffers` after the first `written` bytes.
template <class ConstBufferSequence>
boost::beast::buffers_suffix<ConstBufferSequence> unwritten(const ConstBufferSequence& buffers, std::size_t written) {
  boost::beast::buffers_suffix<ConstBufferSequence> rest(buffers);
  rest.consume(written);
  return rest;
}

}  // namespace studio::http
