// POST /api/v2/chat/{model_id} and /api/v2/chat/{model_id}/stream (seed 003):
// the request is mapped onto an OpenAI chat body (n_predict -> max_tokens) and
// forwarded to the model's loaded instance (/v1/chat/completions, SSE relayed
// for /stream). Tokens and generation time are counted per model for
// GET /api/v2/models/{model_id} "performance".
#include "v2_routes.hpp"

#include "scheduled_upstream.hpp"

#include "proxy_accounting.hpp"

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
  const bool on_demand = svc.config.v2_on_demand_load && svc.scheduler != nullptr && svc.instances != nullptr;
  supervisor::llama_instance* inst = nullptr;
  if (on_demand) {
    // --v2-on-demand-load: the model loads as the instance named by its id (default
    // options) on first use; the scheduler starts it once for all waiting requests.
    inst = svc.instances->find_or_add(
        {.name = id, .binary = svc.config.llama_server_bin, .studio_dir = svc.config.studio_dir},
        svc.config.instance_ports.first, svc.config.instance_ports.last);
    if (inst != nullptr && !svc.scheduler->configured(id)) {
      std::error_code aec;
      svc.scheduler->configure(
          id, {fs::absolute(file, aec).lexically_normal(), id, json::object{{"on_demand_start", true}}});
    }
  } else if (svc.instances != nullptr) {
    inst = svc.instances->find(id);
  }
  if (inst == nullptr || svc.proxy == nullptr)
    co_return http::error_response(ctx.path(), 503,
                                   "model not loaded: " + id + " (POST /api/v2/models/" + id + "/load)");
  if (!on_demand) {
    auto st = co_await inst->status();
    if (st.state != supervisor::instance_state::running) {
      co_return http::error_response(
          ctx.path(), 503,
          "model not loaded: " + id + " (" + std::string(supervisor::to_string(st.state)) + ")");
    }
  }
  auto schedule_op = schedule_upstream(svc, ctx, *inst, stream);
  auto target = co_await std::move(schedule_op);  // holds the instance slot until the end
  if (target.error) co_return std::move(*target.error);
  const proxy::upstream& up = target.up;
  proxy::relay_stats stats;
  std::string body_text = json::serialize(plan.body);
  // The awaitable is built first: no temporaries inside the co_await expression (g++ 12).
  open_stream_scope open(svc.inference, stream);
  auto forward_op = svc.proxy->forward(ctx, up, "/v1/chat/completions", std::move(body_text), &stats);
  auto res = co_await std::move(forward_op);
  // Tokens from usage/timings; a stream without them counts its events.
  if (!stats.completion_tokens && stats.streamed && stats.status == 200 && !stats.upstream_failed &&
      !stats.client_gone) {
    stats.completion_tokens = stream_tokens(stats.sse_events);
  }
  record_forwarded(svc.inference, svc.model_perf, stats, id);
  auto finish_op = finish_on_stream(ctx, std::move(res), stats.streamed);
  co_return co_await std::move(finish_op);
}

}  // namespace

void add_v2_chat_routes(http::router& routes, services& svc) {
  routes.add(verb::post, "/api/v2/chat/{model_id}", http::access::inference,
             [&svc](http::request_context& ctx) { return handle_chat(svc, ctx, false); });
  routes.add(verb::post, "/api/v2/chat/{model_id}/stream", http::access::inference,
             [&svc](http::request_context& ctx) { return handle_chat(svc, ctx, true); });
}

}  // namespace studio::api
