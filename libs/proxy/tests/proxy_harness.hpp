// Test harness: one io_context on its own thread running a front
// studio::http::server whose every request goes through proxy_client::forward
// to one upstream (the fake llama-server or a stub served on the same loop).
// Every wait has a deadline; the destructor stops everything it started.
#pragma once

#include "studio/http/server.hpp"
#include "studio/proxy/proxy.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace studio::proxy::test {

// Test defaults: short connect and idle timeouts.
proxy_options test_options();

class proxy_harness {
 public:
  explicit proxy_harness(proxy_options options = test_options());
  ~proxy_harness();

  // Starts the front server forwarding to `up`; returns its port.
  unsigned short start_front(upstream up);
  // A stub upstream on the loop, served by `handler`.
  upstream start_stub(http::request_handler handler, http::server_limits limits = {});
  // A stub upstream that accepts, reads a little and closes without answering.
  upstream start_dropping_stub();
  // A stub upstream that reads a request and answers with `reply` (raw bytes)
  // in one write, then closes.
  upstream start_scripted_stub(std::string reply);

  // Forwarded requests use this body instead of the client's (set before sending).
  void set_body_override(std::optional<std::string> body) { body_override_ = std::move(body); }

  // The stats of the index-th completed forward (0-based); nullopt after `timeout`.
  std::optional<relay_stats> wait_stats(std::size_t index, std::chrono::milliseconds timeout);
  std::size_t stub_connections();
  std::size_t idle_connections();

 private:
  template <class F>
  void on_loop(F fn);

  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> dropper_;
  std::unique_ptr<proxy_client> client_;
  upstream up_;
  std::optional<std::string> body_override_;
  std::unique_ptr<http::server> stub_;
  std::unique_ptr<http::server> front_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<relay_stats> stats_;
  std::thread thread_;
};

}  // namespace studio::proxy::test
