// lean_client: relay_bench's load client. Blocking sockets to 127.0.0.1 and
// Beast's parser fed by plain recv(): no resolver (Asio's runs getaddrinfo on a
// thread it starts per io_context), no io_context, no thread per request, so
// that the client's own cost per request stays small next to what is measured.
// Keep-alive or a connection per request, as the caller asks.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace studio::bench {

// The bytes of one HTTP/1.1 request to 127.0.0.1:`port` (Host set, Content-Length
// from the body); "Connection: close" when `close`.
std::string request_bytes(unsigned short port, std::string_view method, std::string_view target,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body, bool close);

struct lean_response {
  unsigned status = 0;
  std::string body;         // decoded (chunks joined)
  bool keep_alive = false;  // the connection may carry another request
};

// One connection; every step (connect, each send and recv) bounded by
// `timeout`. Errors (refused, timed out, closed mid-response, a bad
// response) throw std::system_error.
class lean_connection {
 public:
  lean_connection(unsigned short port, std::chrono::milliseconds timeout);
  ~lean_connection();
  lean_connection(const lean_connection&) = delete;
  lean_connection& operator=(const lean_connection&) = delete;

  // Sends `request` and reads its whole response; `on_body` (when set) is
  // called after each read that added body bytes, with the body so far.
  lean_response exchange(std::string_view request, const std::function<void(std::string_view)>& on_body = {});

 private:
  int fd_ = -1;
  std::string unread_;  // bytes received past the previous response
};

}  // namespace studio::bench
