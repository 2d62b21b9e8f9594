// Writing to a socket at once when it has room (the usual case for a response
// or a relayed piece): one sendmsg() with MSG_DONTWAIT, so the bytes go out
// without a round trip through the scheduler; only what the socket did not
// take is left to an asynchronous write (with its deadline). The socket's own
// mode is not touched (no ioctl per connection), and no SIGPIPE is raised.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstddef>

namespace studio::http {

// Bytes of `buffers` the socket took now, never waiting; `ec` is set only for a
// real error (a full send buffer is not one: then 0 and no error).
template <class ConstBufferSequence>
std::size_t write_now(boost::asio::ip::tcp::socket& socket, const ConstBufferSequence& buffers,
                      boost::system::error_code& ec) {
  ec = {};
  constexpr std::size_t max_pieces = 16;  // more are left to the asynchronous write
  std::array<::iovec, max_pieces> pieces;
  std::size_t count = 0;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers) && count < max_pieces; ++it) {
    const boost::asio::const_buffer piece(*it);
    if (piece.size() == 0) continue;
    pieces[count++] = ::iovec{const_cast<void*>(piece.data()), piece.size()};
  }
  if (count == 0) return 0;
  ::msghdr message{};
  message.msg_iov = pieces.data();
  message.msg_iovlen = count;
  for (;;) {
    const ::ssize_t n = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) ec.assign(errno, boost::system::system_category());
    return 0;
  }
}

// What is left of `buffers` after the first `written` bytes.
template <class ConstBufferSequence>
boost::beast::buffers_suffix<ConstBufferSequence> unwritten(const ConstBufferSequence& buffers, std::size_t written) {
  boost::beast::buffers_suffix<ConstBufferSequence> rest(buffers);
  rest.consume(written);
  return rest;
}

}  // namespace studio::http
