// The scheduler's side of a proxied request (/v1/*, the raw instance proxy,
// /api/v2/chat): acquire a slot of the instance (starting it on demand; SSE
// ": loading <name>" comments every ~2 s to a streaming client meanwhile),
// then the upstream address and key of the running child. Errors come back in
// the error shape of the route, or as one SSE error event when the stream was
// already started by a heartbeat.
#pragma once

#include "studio/api/services.hpp"
#include "studio/http/request_context.hpp"
#include "studio/proxy/upstream.hpp"
#include "studio/supervisor/instance_scheduler.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>

namespace studio::api {

struct scheduled_upstream {
  std::optional<supervisor::instance_scheduler::lease> lease;  // held while the request runs
  proxy::upstream up;
  std::optional<http::response> error;  // set: answer this instead of forwarding
};

// Whether an OpenAI-style body asks for a stream ("stream": true).
bool wants_stream(const boost::json::object& body);

// One SSE comment line ": <note> …"; starts the stream (200, text/event-stream)
// first. False when the client is gone.
boost::asio::awaitable<bool> send_sse_comment(http::request_context* ctx, std::string note);

// The error for ctx: one SSE error event when the stream is started (the
// returned response is then ignored), else the route's error shape, with
// Retry-After when retry_after_s > 0.
boost::asio::awaitable<http::response> error_for(http::request_context& ctx, unsigned status,
                                                 std::string message, unsigned retry_after_s = 0);

// Without a scheduler (or for the "admin" instance) only checks that the instance runs.
// direct_upstream: that case without a coroutine (no slot to wait for): the
// upstream of a running instance the scheduler does not manage, else nullopt
// (then schedule_upstream decides, with its waits and error answers).
std::optional<proxy::upstream> direct_upstream(const services& svc, supervisor::llama_instance& inst);
boost::asio::awaitable<scheduled_upstream> schedule_upstream(services& svc, http::request_context& ctx,
                                                             supervisor::llama_instance& inst, bool stream);

// After proxy forward: when the handler had started the SSE stream and the
// upstream answered with a whole (non-streamed) response, that answer is sent
// as one SSE event (its JSON for 200, else an error event).
boost::asio::awaitable<http::response> finish_on_stream(http::request_context& ctx, http::response res,
                                                        bool relayed);

}  // namespace studio::api
