// The forwarding client: sends a gateway request to an upstream over a pooled
// keep-alive connection and relays the answer.
//
// Use from a handler: `co_return co_await proxy.forward(ctx, up, "/v1/chat/completions", body);`
#pragma once

#include "studio/http/request_context.hpp"
#include "studio/http/response.hpp"
#include "studio/proxy/connection_pool.hpp"
#include "studio/proxy/upstream.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace studio::proxy {

class proxy_client {
 public:
  explicit proxy_client(proxy_options options = {});

  // Forwards ctx's request (method, filtered headers, body or `body_override`)
  // to `up` at `target` (path and query, origin form), adding the upstream's
  // bearer key. Never throws for network failures:
  // - a non-streamed answer is returned as it is (status, content type, body,
  //   end-to-end headers): llama-server's own error JSON passes unchanged;
  // - a streamed answer (text/event-stream or chunked) is written to the
  //   client piece by piece through ctx.start_stream/write while it arrives
  //   (when the handler has started the stream already, e.g. with ": loading"
  //   SSE comments while the model loaded, the pieces continue on it)
  //   (one fixed buffer per stream; each client write is awaited before the
  //   next upstream read), and the returned response is ignored;
  // - connection refused: 503, other failures before the answer: 502, as
  //   http::error_response for ctx.path();
  // - upstream dies or stays silent for idle_timeout mid-stream: one SSE
  //   event `data: {"error":{"code":502,...,"type":"upstream_error"}}` (SSE
  //   streams only), then the stream ends cleanly;
  // - client gone (ctx.watch_client: its socket closed, noticed at once
  //   mid-stream and within the session's client_watch_delay while waiting
  //   for the answer, not only at the next write): the
  //   upstream connection is closed at once (with a reset), so llama-server
  //   cancels the task and frees its slot; a non-streamed request then
  //   returns 499 (nobody reads it).
  // `stats`, when given, is filled with what happened, including the token
  // counts of the final SSE event or of a JSON body (find_token_counts).
  boost::asio::awaitable<http::response> forward(http::request_context& ctx, const upstream& up,
                                                 std::string_view target,
                                                 std::optional<std::string> body_override = std::nullopt,
                                                 relay_stats* stats = nullptr);

  const proxy_options& options() const { return options_; }
  // Idle pooled connections to `up` (for tests and metrics).
  std::size_t idle_connections(const upstream& up) const;

 private:
  proxy_options options_;
  connection_pool pool_;
};

}  // namespace studio::proxy
