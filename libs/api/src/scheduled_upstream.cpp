// schedule_upstream: scheduler lease + upstream of the running child, with
// ": loading" SSE heartbeats for streaming clients (see the header).
#include "scheduled_upstream.hpp"

#include "studio/http/error_shape.hpp"
#include "studio/proxy/sse.hpp"
#include "studio/supervisor/instance_registry.hpp"

// g++ 12 false positive on Asio coroutine frames (see proxy_routes.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;

namespace {
constexpr std::string_view admin_name = "admin";
}  // namespace

net::awaitable<bool> send_sse_comment(http::request_context* ctx, std::string note) {
  if (!ctx->streaming()) {
    http::header_list headers{{"Cache-Control", "no-cache"}};
    bool ok = co_await ctx->start_stream(200, "text/event-stream", headers);
    if (!ok) co_return false;
  }
  std::string line = ": " + note + " …\n\n";
  bool ok = co_await ctx->write(line);
  co_return ok;
}

net::awaitable<http::response> error_for(http::request_context& ctx, unsigned status, std::string message,
                                         unsigned retry_after_s) {
  if (ctx.streaming()) {
    std::string event = proxy::sse_error_event(status, message);
    co_await ctx.write(event);
    co_return http::response{};
  }
  auto res = http::error_response(ctx.path(), status, message);
  if (retry_after_s > 0) res.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  co_return res;
}

bool wants_stream(const boost::json::object& body) {
  const auto* v = body.if_contains("stream");
  return v != nullptr && v->is_bool() && v->get_bool();
}

namespace {
proxy::upstream upstream_of(supervisor::llama_instance& inst, supervisor::llama_instance::route_snapshot& st) {
  return proxy::upstream{"127.0.0.1", st.port ? st.port : inst.port(), std::move(st.key)};
}
}  // namespace

std::optional<proxy::upstream> direct_upstream(const services& svc, supervisor::llama_instance& inst) {
  if (svc.scheduler != nullptr && inst.name() != admin_name) return std::nullopt;
  auto st = inst.route_info();  // a snapshot: no hop onto the instance's strand
  if (st.state != supervisor::instance_state::running) return std::nullopt;
  return upstream_of(inst, st);
}

net::awaitable<scheduled_upstream> schedule_upstream(services& svc, http::request_context& ctx,
                                                     supervisor::llama_instance& inst, bool stream) {
  scheduled_upstream out;
  if (svc.scheduler != nullptr && inst.name() != admin_name) {
    supervisor::instance_scheduler::heartbeat_fn heartbeat;
    if (stream) {
      heartbeat = [ctx_ptr = &ctx](std::string note) { return send_sse_comment(ctx_ptr, std::move(note)); };
    }
    auto acquire_op = svc.scheduler->acquire(inst.name(), std::move(heartbeat));
    auto got = co_await std::move(acquire_op);
    if (!got.granted) {
      auto err_op = error_for(ctx, got.error.status, got.error.message, got.error.retry_after_s);
      out.error = co_await std::move(err_op);
      co_return out;
    }
    out.lease = std::move(got.granted);
  }
  auto st = inst.route_info();  // a snapshot: no hop onto the instance's strand
  if (st.state != supervisor::instance_state::running) {
    auto err_op = error_for(ctx, 503,
                            "instance '" + inst.name() + "' is not running (" +
                                std::string(supervisor::to_string(st.state)) + ")",
                            0);
    out.error = co_await std::move(err_op);
    out.lease.reset();
    co_return out;
  }
  out.up = upstream_of(inst, st);
  co_return out;
}

net::awaitable<http::response> finish_on_stream(http::request_context& ctx, http::response res, bool relayed) {
  if (!ctx.streaming() || relayed) co_return res;
  std::string event = res.status == 200 ? "data: " + res.body + "\n\n" : proxy::sse_error_event(res.status, res.body);
  co_await ctx.write(event);
  co_return http::response{};
}

}  // namespace studio::api
