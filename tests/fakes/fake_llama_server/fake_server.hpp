// The fake's request boundary and its loading phase.
//
// Every request: while loading, 503 "Loading model" whatever the path; then the
// API key (when --api-key is set; /health and /models stay public) → 401; then
// the route table (no route: 404 "File Not Found", as llama-server answers a
// wrong path or method); exceptions become llama-server's error JSON.
#pragma once

#include "server_state.hpp"

#include "studio/http/request_context.hpp"
#include "studio/http/response.hpp"
#include "studio/http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace studio::fake {

class fake_server {
 public:
  explicit fake_server(server_state& state);

  boost::asio::awaitable<http::response> handle(http::request_context& ctx);

  // The loading phase, after the listener is up: checks the model file, waits
  // FAKE_LLAMA_LOAD_DELAY_MS (with progress dots), then serves. Returns the
  // process exit code when the process must end (missing model: 1;
  // FAKE_LLAMA_EXIT_DURING_LOAD), or -1 once loaded.
  boost::asio::awaitable<int> load(std::string host, unsigned short port);

 private:
  bool authorized(const http::request_context& ctx) const;

  server_state& state_;
  http::router routes_;
};

}  // namespace studio::fake
