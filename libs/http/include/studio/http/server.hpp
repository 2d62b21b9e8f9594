// The HTTP/1.1 server: a listener plus one coroutine per connection, on the
// caller's io_context (which may be run by several threads; each connection
// runs on its own strand).
//
// Limits: header bytes (431), body bytes (413), header-read timeout (time from
// the first byte of a request to its last header byte), idle timeout (keep-alive
// wait for the next request), body and per-write timeouts. Every error response
// is JSON in the path's error shape; an exception from the handler becomes 500.
#pragma once

#include "studio/http/request_context.hpp"
#include "studio/http/response.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace studio::http {

struct server_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::uint64_t max_body_bytes = 32 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{75'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds write_timeout{60'000};
  // Requests one connection may carry: the response to the last one says
  // `Connection: close` and the connection then closes (the way llama-server's
  // HTTP library ends a keep-alive connection after 100). 0: no limit.
  unsigned max_requests_per_connection = 0;
  // A handler's client watch (request_context::watch_client) starts only once
  // the handler has run this long, or its response stream has started: most
  // proxied requests are answered sooner, and then cost no watch at all. A
  // client that leaves is noticed within this delay while the handler waits
  // for its upstream, at once mid-stream. 0: watch from the first call.
  std::chrono::milliseconds client_watch_delay{50};
  // Each connection on its own strand: needed when several threads run the
  // io_context; with one thread it is pure overhead on every completion.
  bool strand_per_connection = true;
};

using request_handler = std::function<boost::asio::awaitable<response>(request_context&)>;

class server {
 public:
  server(boost::asio::any_io_executor executor, server_limits limits, request_handler handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens. Port 0 picks a free port. Returns the bound endpoint.
  // Throws std::system_error naming host and port when binding fails.
  boost::asio::ip::tcp::endpoint listen(const std::string& host, unsigned short port);

  // Starts accepting connections (call after listen).
  void start();

  // Graceful stop: no new connections; idle keep-alive connections close now;
  // requests in flight may finish (each connection closes after its response).
  // Completes when every connection is gone, or after `grace`, when the rest
  // are closed forcibly. Safe to call more than once.
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds grace);

  bool draining() const;
  std::size_t connection_count() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace studio::http
