// A blocking HTTP/1.1 client for integration tests (Boost.Beast). Each call
// opens its own connection ("Connection: close") and has a timeout; a failure
// to connect, a timeout or a broken response throws std::system_error naming
// the request. keep_alive_client sends its requests on one connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace studio::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_result {
  unsigned status = 0;
  header_list headers;  // as received, in order
  std::string body;

  // The first header with this name (case-insensitive); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

// Sends one request and reads the whole response. `timeout` bounds the whole exchange.
http_result request(const std::string& host, unsigned short port, const std::string& method,
                    const std::string& target, const std::string& body = "", const header_list& headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One keep-alive connection, opened by the constructor; each request has the
// same timeout and throws like request() (a connection the server has closed
// too). Not thread-safe.
class keep_alive_client {
 public:
  keep_alive_client(const std::string& host, unsigned short port,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~keep_alive_client();
  keep_alive_client(const keep_alive_client&) = delete;
  keep_alive_client& operator=(const keep_alive_client&) = delete;

  http_result request(const std::string& method, const std::string& target, const std::string& body = "",
                      const header_list& headers = {});
  // Waits (within the timeout) for the server to close the connection; false
  // when it sends something or stays open.
  bool closed_by_server();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct stream_callbacks {
  // Called once when the status line and headers have arrived (body still empty).
  std::function<void(const http_result& head)> on_headers;
  // Called per piece of body: one call per HTTP chunk of a chunked response,
  // otherwise per read. Return false to stop: the socket is closed at once.
  std::function<bool(std::string_view piece)> on_piece;
};

struct stream_result {
  http_result head;  // status and headers; body holds every piece received
  std::vector<std::string> pieces;
  bool complete = false;  // the response ended normally
  bool stopped = false;   // on_piece returned false and the socket was closed
};

// Sends one request and reads the response incrementally. `idle_timeout`
// bounds each single step (connect, write, every read), not the whole stream.
stream_result request_stream(const std::string& host, unsigned short port, const std::string& method,
                             const std::string& target, const std::string& body, const header_list& headers,
                             const stream_callbacks& callbacks,
                             std::chrono::milliseconds idle_timeout = std::chrono::seconds(10));

// Splits an SSE body into its event lines ("data: {...}", "error: {...}"), in
// order, without the blank separator lines.
std::vector<std::string> sse_lines(std::string_view body);

}  // namespace studio::test
