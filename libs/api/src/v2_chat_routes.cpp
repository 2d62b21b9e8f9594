// POST /api/v2/chat/{model_id} and /api/v2/chat/{model_id}/stream (seed 003):
// the request is mapped onto an OpenAI chat body (n_predict -> max_tokens) and
// forwarded to the model's loaded instance (/v1/chat/completions, SSE relayed
// for /stream). Tokens and generation time are counted per model for
// GET /api/v2/models/{model_id} "performance".
#include "v2_routes.hpp"

#include "studio/api/v2_inference.hpp"
#include "studio/api/v2_models.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/proxy/proxy.hpp"
#include "studio/supervisor/instance_registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// g++ 12 false positive on Asio coroutine frames (see proxy_routes.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using boost::beast::http::verb;

namespace {

net::awaitable<http::response> handle_chat(services& svc, http::request_context& ctx, bool stream) {
  const std::string id = ctx.param("model_id").value_or("");
  if (!valid_model_id(id)) co_return http::error_response(ctx.path(), 400, "invalid model id: " + id);
  boost::system::error_code ec;
  auto value = json::parse(ctx.req().body(), ec);
  if (ec || !value.is_object()) co_return http::error_response(ctx.path(), 400, "invalid JSON body");
  auto plan = plan_chat(value.as_object(), id, stream);
  if (plan.error) co_return http::error_response(ctx.path(), 400, *plan.error);

  std::error_code fec;
  auto file = svc.config.models_dir / id;
  if (file.extension() != ".gguf" || !fs::is_regular_file(file, fec))
    co_return http::error_response(ctx.path(), 404, "model not found: " + id);
  auto* inst = svc.instances ? svc.instances->find(id) : nullptr;
  if (inst == nullptr || svc.proxy == nullptr)
    co_return http::error_response(ctx.path(), 503,
                                   "model not loaded: " + id + " (POST /api/v2/models/" + id + "/load)");
  auto st = co_await inst->status();
  if (st.state != supervisor::instance_state::running) {
    co_return http::error_response(
        ctx.path(), 503,
        "model not loaded: " + id + " (" + std::string(supervisor::to_string(st.state)) + ")");
  }
  std::string key = co_await inst->internal_api_key();
  proxy::upstream up{"127.0.0.1", st.port ? st.port : inst->port(), std::move(key)};
  proxy::relay_stats stats;
  std::string body_text = json::serialize(plan.body);
  // The awaitable is built first: no temporaries inside the co_await expression (g++ 12).
  auto forward_op = svc.proxy->forward(ctx, up, "/v1/chat/completions", std::move(body_text), &stats);
  auto res = co_await std::move(forward_op);
  std::uint64_t tokens = 0;
  if (stats.streamed) {
    if (stats.status == 200 && !stats.upstream_failed) tokens = stream_tokens(stats.sse_events);
  } else if (res.status == 200) {
    tokens = completion_tokens(res.body);
  }
  if (tokens > 0) {
    svc.model_perf.add(id, tokens, std::chrono::duration<double>(stats.duration).count());
  }
  co_return res;
}

}  // namespace

void add_v2_chat_routes(http::router& routes, services& svc) {
  routes.add(verb::post, "/api/v2/chat/{model_id}", http::access::inference,
             [&svc](http::request_context& ctx) { return handle_chat(svc, ctx, false); });
  routes.add(verb::post, "/api/v2/chat/{model_id}/stream", http::access::inference,
             [&svc](http::request_context& ctx) { return handle_chat(svc, ctx, true); });
}

}  // namespace studio::api
