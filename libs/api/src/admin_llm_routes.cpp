// /api/admin/llm/{status,start,stop,config}: the admin llama-server (seed 000),
// on the supervisor's "admin" instance and the saved config.
#include "studio/api/routes.hpp"

#include "studio/core/config.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/llama_options.hpp"
#include "studio/supervisor/llm_config_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

namespace studio::api {
namespace net = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::string_view admin_instance = "admin";

struct body_or_error {
  json::object body;
  std::optional<http::response> error;
};

// The request body as a JSON object; an empty body counts as {}.
body_or_error parse_object(const http::request_context& ctx) {
  const auto& text = ctx.req().body();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return {{}, http::error_response(ctx.path(), 400, "invalid JSON: " + ec.message())};
  if (!value.is_object())
    return {{}, http::error_response(ctx.path(), 400, "the body must be a JSON object")};
  return {std::move(value.as_object()), std::nullopt};
}

// Whether `name` is a relative path below the models dir (no "..", not absolute, not empty).
bool safe_model_name(const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos) return false;
  std::filesystem::path p(name);
  if (p.is_absolute()) return false;
  for (const auto& part : p) {
    if (part == "..") return false;
  }
  return true;
}

json::object status_body(const supervisor::instance_status& s, const supervisor::llm_config_store& config,
                         const std::optional<supervisor::probe_result>& health, bool binary_exists) {
  json::value health_json = nullptr;
  if (health) {
    boost::system::error_code ec;
    auto parsed = json::parse(health->body, ec);
    health_json = ec ? json::value(health->body) : parsed;
  }
  json::array transitions;
  for (const auto& t : s.history) {
    auto age = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.at).count();
    transitions.push_back(
        {{"from", supervisor::to_string(t.from)}, {"to", supervisor::to_string(t.to)}, {"seconds_ago", age}});
  }
  json::object body{
      {"running", s.pid != 0},
      {"active_model", s.model ? json::value(*s.model) : json::value(nullptr)},
      {"config", config.visible()},
      {"health", health_json},
      {"port", s.port},
      {"binary_exists", binary_exists},
      {"state", supervisor::to_string(s.state)},
      {"pid", s.pid != 0 ? json::value(s.pid) : json::value(nullptr)},
      {"uptime_seconds", s.uptime_seconds},
      {"restarts", s.restarts},
      {"last_error", s.last_error ? json::value(*s.last_error) : json::value(nullptr)},
      {"transitions", std::move(transitions)},
  };
  if (!s.progress.empty()) body["progress"] = s.progress;
  return body;
}

// The admin instance and the config store, or a 503 when the gateway runs without them.
struct admin_parts {
  supervisor::llama_instance* instance = nullptr;
  supervisor::llm_config_store* config = nullptr;
};
admin_parts parts_of(services& svc) {
  if (svc.instances == nullptr || svc.llm_config == nullptr) return {};
  return {svc.instances->find(admin_instance), svc.llm_config};
}
http::response unavailable(const http::request_context& ctx) {
  return http::error_response(ctx.path(), 503, "the supervisor is not available");
}

net::awaitable<http::response> handle_status(services& svc, http::request_context& ctx) {
  auto parts = parts_of(svc);
  if (!parts.instance) co_return unavailable(ctx);
  auto s = co_await parts.instance->status();
  std::optional<supervisor::probe_result> health;
  if (s.pid != 0) health = co_await parts.instance->health();
  bool binary_exists = executable_exists(parts.instance->binary());
  co_return http::json_response(200, status_body(s, *parts.config, health, binary_exists));
}

// A validated start request, or the error response for it. Not a coroutine: all checks.
struct start_plan {
  supervisor::start_request request;
  bool wait = false;
  std::optional<http::response> error;
};

start_plan plan_start(const services& svc, const supervisor::llm_config_store& config,
                      const http::request_context& ctx) {
  start_plan plan;
  auto fail = [&](unsigned status, std::string message) {
    plan.error = http::error_response(ctx.path(), status, message);
    return std::move(plan);
  };
  auto parsed = parse_object(ctx);
  if (parsed.error) {
    plan.error = std::move(parsed.error);
    return plan;
  }
  const auto& body = parsed.body;
  const auto* model = body.if_contains("model");
  if (model == nullptr) return fail(400, "missing field 'model'");
  if (!model->is_string()) return fail(400, "field 'model' must be a string");
  if (const auto* w = body.if_contains("wait")) {
    if (!w->is_bool()) return fail(400, "field 'wait' must be a boolean");
    plan.wait = w->get_bool();
  }
  std::string name(model->get_string());
  json::object overrides = body;
  overrides.erase("model");
  overrides.erase("wait");
  if (auto bad = supervisor::validate_options(overrides)) return fail(400, *bad);
  if (!safe_model_name(name)) return fail(400, "invalid model name '" + name + "'");
  auto path = svc.config.models_dir / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail(404, "model file not found: " + name);
  json::object options = config.config();
  for (const auto& [key, value] : overrides) options[key] = value;
  plan.request = {std::filesystem::absolute(path, ec).lexically_normal(), name, std::move(options)};
  return plan;
}

http::response start_failure(const http::request_context& ctx, const supervisor::start_result& result) {
  auto res = http::error_response(ctx.path(), result.http_status, result.error);
  if (result.retry_after.count() > 0) {
    res.headers.emplace_back("Retry-After", std::to_string((result.retry_after.count() + 999) / 1000));
  }
  return res;
}

net::awaitable<http::response> handle_start(services& svc, http::request_context& ctx) {
  auto parts = parts_of(svc);
  if (!parts.instance) co_return unavailable(ctx);
  auto plan = plan_start(svc, *parts.config, ctx);
  if (plan.error) co_return std::move(*plan.error);
  std::string name = plan.request.model_name;
  auto result = co_await parts.instance->start(std::move(plan.request), plan.wait);
  if (result.http_status != 200) co_return start_failure(ctx, result);
  auto s = co_await parts.instance->status();
  bool running = s.state == supervisor::instance_state::running;
  co_return http::json_response(200, {{"status", running ? "running" : "started"},
                                      {"model", name},
                                      {"state", supervisor::to_string(s.state)},
                                      {"pid", s.pid != 0 ? json::value(s.pid) : json::value(nullptr)},
                                      {"port", s.port}});
}

net::awaitable<http::response> handle_stop(services& svc, http::request_context& ctx) {
  auto parts = parts_of(svc);
  if (!parts.instance) co_return unavailable(ctx);
  bool stopped = co_await parts.instance->stop();
  if (!stopped) {
    co_return http::json_response(200,
                                  {{"status", "not_running"}, {"message", "llama-server is not running"}});
  }
  co_return http::json_response(200, {{"status", "stopped"}, {"message", "llama-server stopped"}});
}

net::awaitable<http::response> handle_config(services& svc, http::request_context& ctx) {
  auto parts = parts_of(svc);
  if (!parts.config) co_return unavailable(ctx);
  auto parsed = parse_object(ctx);
  if (parsed.error) co_return std::move(*parsed.error);
  const auto& body = parsed.body;
  if (body.contains("model")) {
    co_return http::error_response(ctx.path(), 400,
                                   "field 'model' is not a config field; use /api/admin/llm/start");
  }
  if (auto bad = supervisor::validate_options(body)) co_return http::error_response(ctx.path(), 400, *bad);
  try {
    parts.config->update(body);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    co_return http::error_response(ctx.path(), 500, "cannot save the config");
  }
  co_return http::json_response(200, {{"status", "saved"}, {"config", parts.config->visible()}});
}

}  // namespace

void add_admin_llm_routes(http::router& routes, services& svc) {
  auto bind = [&svc](auto fn) { return [&svc, fn](http::request_context& ctx) { return fn(svc, ctx); }; };
  routes.add(verb::get, "/api/admin/llm/status", http::access::management, bind(handle_status));
  routes.add(verb::post, "/api/admin/llm/start", http::access::management, bind(handle_start));
  routes.add(verb::post, "/api/admin/llm/stop", http::access::management, bind(handle_stop));
  routes.add(verb::post, "/api/admin/llm/config", http::access::management, bind(handle_config));
}

}  // namespace studio::api
