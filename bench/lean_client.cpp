#include "lean_client.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace studio::bench {
namespace bhttp = boost::beast::http;

namespace {

[[noreturn]] void fail(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace

std::string request_bytes(unsigned short port, std::string_view method, std::string_view target,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body, bool close) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:");
  out.append(std::to_string(port)).append("\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
  if (close) out.append("Connection: close\r\n");
  if (!body.empty() || method == "POST")
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

lean_connection::lean_connection(unsigned short port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail(errno, "socket");
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    const int error = errno;
    ::close(fd_);
    fail(error, "connect");
  }
}

lean_connection::~lean_connection() {
  if (fd_ >= 0) ::close(fd_);
}

lean_response lean_connection::exchange(std::string_view request,
                                        const std::function<void(std::string_view)>& on_body) {
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : EPIPE, "send");
    sent += static_cast<std::size_t>(n);
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  parser.eager(true);
  char chunk[16 * 1024];
  std::size_t body_seen = 0;
  for (int steps = 0; !parser.is_done(); ++steps) {
    if (steps > 1'000'000) fail(EPROTO, "response never ended");
    if (!unread_.empty()) {
      boost::system::error_code ec;
      const std::size_t used = parser.put(boost::asio::buffer(unread_), ec);
      unread_.erase(0, used);
      if (ec && ec != bhttp::error::need_more) fail(EPROTO, "bad response");
      if (on_body && parser.is_header_done() && parser.get().body().size() > body_seen) {
        body_seen = parser.get().body().size();
        on_body(parser.get().body());
      }
      if (parser.is_done() || (!ec && used > 0)) continue;
    }
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(errno == EAGAIN ? ETIMEDOUT : errno, "recv");
    if (n == 0) {
      boost::system::error_code ec;
      parser.put_eof(ec);  // ends a close-delimited body; anything else is cut short
      if (ec || !parser.is_done()) fail(ECONNRESET, "closed mid-response");
      break;
    }
    unread_.append(chunk, static_cast<std::size_t>(n));
  }
  lean_response out;
  out.status = parser.get().result_int();
  out.keep_alive = parser.keep_alive();
  out.body = std::move(parser.get().body());
  return out;
}

}  // namespace studio::bench
