// The proxied endpoints (issue 5): POST /api/admin/llm/chat (seed 000),
// POST /v1/{chat/completions,completions,embeddings,rerank,
// reranking} routed by the body's "model" (seed 001), and the raw instance
// proxy GET|POST /api/v1/instances/{name}/proxy/{*rest}. All of them find a
// running instance in svc.instances and hand the request to svc.proxy; the
// /v1/* and raw routes first take a slot from svc.scheduler (on-demand start,
// FIFO queue, 429 past its bound; see scheduled_upstream.hpp).
#include "studio/api/routes.hpp"

#include "on_demand_download.hpp"
#include "scheduled_upstream.hpp"

#include "proxy_accounting.hpp"

#include "studio/http/error_shape.hpp"
#include "studio/proxy/chat_defaults.hpp"
#include "studio/proxy/proxy.hpp"
#include "studio/proxy/routing_fields.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/llm_config_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// g++ 12 reports -Wmismatched-new-delete for these coroutines' frames (Asio's frame
// allocator's own operator new/delete pair) after inlining: a false positive.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::string_view admin_name = "admin";

// The upstream of a running instance, or the error response for ctx.
struct target_or_error {
  proxy::upstream up;
  std::optional<http::response> error;
};

net::awaitable<target_or_error> running_upstream(http::request_context& ctx,
                                                 supervisor::llama_instance& inst) {
  auto st = inst.route_info();  // a snapshot: no hop onto the instance's strand
  if (st.state != supervisor::instance_state::running) {
    co_return target_or_error{{},
                              http::error_response(ctx.path(), 503,
                                                   "instance '" + inst.name() + "' is not running (" +
                                                       std::string(supervisor::to_string(st.state)) + ")")};
  }
  co_return target_or_error{{"127.0.0.1", st.port ? st.port : inst.port(), std::move(st.key)}, std::nullopt};
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// The instance that answers to `model`: one of that name, or the admin
// instance when `model` is its active model file.
supervisor::llama_instance* instance_for_model(supervisor::instance_registry& reg, std::string_view model) {
  if (auto* inst = reg.find(model)) return inst;
  if (auto* admin = reg.find(admin_name); admin != nullptr && admin->active_model_is(model)) return admin;
  return nullptr;
}

void add_chat(http::router& routes, services& svc) {
  routes.add(verb::post, "/api/admin/llm/chat", http::access::inference,
             [&svc](http::request_context& ctx) -> net::awaitable<http::response> {
               auto body = parse_object(ctx.req().body());
               if (!body) co_return http::error_response(ctx.path(), 400, "invalid JSON body");
               auto* messages = body->if_contains("messages");
               if (messages == nullptr || !messages->is_array()) {
                 co_return http::error_response(ctx.path(), 400, "missing 'messages' array");
               }
               auto* inst = svc.instances ? svc.instances->find(admin_name) : nullptr;
               if (inst == nullptr || svc.proxy == nullptr) {
                 co_return http::error_response(ctx.path(), 503, "LLM server is not running");
               }
               auto target = co_await running_upstream(ctx, *inst);
               if (target.error) co_return *target.error;
               // Per-model figures are keyed by the model file, as for /v1 requests.
               const std::string model = inst->route_info().model.value_or(std::string(admin_name));
               // Saved config fills the sampling options the request leaves out.
               if (svc.llm_config) proxy::fill_sampling_defaults(*body, svc.llm_config->config());
               const auto* stream = body->if_contains("stream");
               open_stream_scope open(svc.inference, stream && stream->is_bool() && stream->get_bool());
               proxy::relay_stats stats;
               auto forward_op =
                   svc.proxy->forward(ctx, target.up, "/v1/chat/completions", json::serialize(*body), &stats);
               auto res = co_await std::move(forward_op);
               record_forwarded(svc.inference, svc.model_perf, stats, model);
               co_return res;
             });
}

void add_openai(http::router& routes, services& svc) {
  for (const char* path :
       {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/rerank", "/v1/reranking"}) {
    routes.add(verb::post, path, http::access::inference,
               [&svc](http::request_context& ctx) -> net::awaitable<http::response> {
                 // Only the model and the stream flag are needed: read in one
                 // validating pass, no JSON tree (see routing_fields.hpp).
                 auto routing = proxy::read_routing_fields(ctx.req().body());
                 if (!routing.error.empty()) co_return http::error_response(ctx.path(), 400, routing.error);
                 const std::string& name = routing.model;
                 const bool streaming = routing.stream;
                 supervisor::llama_instance* inst = nullptr;
                 if (svc.instances) inst = instance_for_model(*svc.instances, name);
                 if (inst == nullptr && svc.proxy != nullptr) {  // --on-demand-download: a catalog file
                   auto catalog_op = catalog_model_instance(svc, ctx, name, streaming);
                   auto found = co_await std::move(catalog_op);
                   if (found.error) co_return std::move(*found.error);
                   inst = found.inst;
                 }
                 if (inst == nullptr)
                   co_return http::error_response(ctx.path(), 404, "model '" + name + "' not found");
                 if (svc.proxy == nullptr)
                   co_return http::error_response(ctx.path(), 503, "proxy unavailable");
                 // A running instance outside the scheduler (the admin one) needs no
                 // coroutine to find; otherwise the scheduler's slot is awaited.
                 scheduled_upstream target;
                 if (auto up = direct_upstream(svc, *inst)) {
                   target.up = std::move(*up);
                 } else {
                   auto schedule_op = schedule_upstream(svc, ctx, *inst, streaming);
                   target = co_await std::move(schedule_op);  // holds the instance slot until the end
                   if (target.error) co_return std::move(*target.error);
                 }
                 open_stream_scope open(svc.inference, streaming);
                 proxy::relay_stats stats;
                 auto forward_op =
                     svc.proxy->forward(ctx, target.up, ctx.req().target(), std::nullopt, &stats);
                 auto res = co_await std::move(forward_op);
                 record_forwarded(svc.inference, svc.model_perf, stats, name);
                 if (!ctx.streaming() || stats.streamed) co_return res;  // finish_on_stream has nothing to do
                 auto finish_op = finish_on_stream(ctx, std::move(res), stats.streamed);
                 co_return co_await std::move(finish_op);
               });
  }
}

void add_raw(http::router& routes, services& svc) {
  auto handler = [&svc](http::request_context& ctx) -> net::awaitable<http::response> {
    const std::string name = ctx.param("name").value_or("");
    auto* inst = svc.instances ? svc.instances->find(name) : nullptr;
    if (inst == nullptr) co_return http::error_response(ctx.path(), 404, "instance '" + name + "' not found");
    if (svc.proxy == nullptr) co_return http::error_response(ctx.path(), 503, "proxy unavailable");
    auto body = parse_object(ctx.req().body());
    const bool streaming = body && wants_stream(*body);
    auto schedule_op = schedule_upstream(svc, ctx, *inst, streaming);
    auto target = co_await std::move(schedule_op);  // holds the instance slot until the end
    if (target.error) co_return std::move(*target.error);
    std::string path = "/" + ctx.param("rest").value_or("");
    if (!ctx.query().empty()) path += "?" + ctx.query();
    proxy::relay_stats stats;
    auto forward_op = svc.proxy->forward(ctx, target.up, path, std::nullopt, &stats);
    auto res = co_await std::move(forward_op);
    auto finish_op = finish_on_stream(ctx, std::move(res), stats.streamed);
    co_return co_await std::move(finish_op);
  };
  routes.add(verb::get, "/api/v1/instances/{name}/proxy/{*rest}", http::access::management, handler);
  routes.add(verb::post, "/api/v1/instances/{name}/proxy/{*rest}", http::access::management, handler);
}

}  // namespace

void add_proxy_routes(http::router& routes, services& svc) {
  add_chat(routes, svc);
  add_openai(routes, svc);
  add_raw(routes, svc);
}

}  // namespace studio::api
