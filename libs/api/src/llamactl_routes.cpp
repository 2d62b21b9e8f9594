// The llamactl instance API (seed 001): /api/v1/instances CRUD, start/stop/restart
// and logs for named llama-server instances in the shared registry, persisted by
// llamactl_store under $STUDIO_DIR/instances/. Errors are {"error": "..."}.
//
// "admin" is reserved: it is the admin llama-server of /api/admin/llm/* and is not
// listed, created, changed or deleted here (400). Handlers run on the one
// io_context; the records map is touched only from there (as the registry is).
#include "llamactl_log_stream.hpp"
#include "llamactl_store.hpp"
#include "studio/api/llama_flags.hpp"
#include "studio/api/routes.hpp"
#include "studio/core/config.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/instance_scheduler.hpp"
#include "studio/supervisor/llama_options.hpp"
#include "studio/supervisor/port_allocator.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <charconv>
#include <chrono>
#include <map>
#include <memory>

namespace studio::api {
namespace net = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::string_view reserved_name = "admin";

struct llamactl_state {
  services& svc;
  llamactl_store store;
  std::map<std::string, llamactl_record, std::less<>> records;
};
using state_ptr = std::shared_ptr<llamactl_state>;

struct failure {
  unsigned status;
  std::string message;
};

http::response fail(const http::request_context& ctx, unsigned status, const std::string& message) {
  return http::error_response(ctx.path(), status, message);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The model file of `options`: an absolute path must name an existing file; a
// relative one is looked up in the models dir (no ".." parts). Empty when the
// options name no file (hf_repo / model_url let llama-server fetch the model).
std::optional<failure> resolve_model(const gateway_config& config, const json::object& options,
                                     std::filesystem::path& out) {
  const auto* model = options.if_contains("model");
  if (model == nullptr) {
    if (options.contains("hf_repo") || options.contains("model_url")) return std::nullopt;
    return failure{400, "field 'model' is required (or 'hf_repo' / 'model_url')"};
  }
  std::filesystem::path path(std::string(model->get_string()));
  if (path.is_relative()) {
    for (const auto& part : path) {
      if (part == "..") return failure{400, "field 'model' must not contain '..'"};
    }
    path = config.models_dir / path;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return failure{400, "model file not found: " + path.string()};
  out = std::filesystem::absolute(path, ec).lexically_normal();
  return std::nullopt;
}

// Parses and validates a create/update body; `auto_start` is taken out of it.
std::optional<failure> parse_options(const http::request_context& ctx, const gateway_config& config,
                                     json::object& options, bool& auto_start) {
  boost::system::error_code ec;
  const auto& text = ctx.req().body();
  auto value = text.empty() ? json::value(json::object()) : json::parse(text, ec);
  if (ec || !value.is_object()) return failure{400, "the body must be a JSON object"};
  options = std::move(value.as_object());
  if (const auto* start = options.if_contains("auto_start")) {
    if (!start->is_bool()) return failure{400, "field 'auto_start' must be a boolean"};
    auto_start = start->get_bool();
    options.erase("auto_start");
  }
  for (const auto& member : options) {
    if (member.key().starts_with("_"))
      return failure{400, "unknown field '" + std::string(member.key()) + "'"};
  }
  if (auto bad = supervisor::validate_options(options)) return failure{400, *bad};
  std::filesystem::path model;
  return resolve_model(config, options, model);
}

supervisor::start_request start_request_for(const llamactl_record& record, const gateway_config& config) {
  std::filesystem::path model;
  (void)resolve_model(config, record.options, model);  // a vanished file: the launch fails and says so
  if (model.empty()) {
    if (const auto* m = record.options.if_contains("model"); m && m->is_string())
      model = std::string(m->get_string());
  }
  return {model, record.name, record.options};
}

net::awaitable<json::object> describe(const llamactl_record& record, supervisor::llama_instance& inst) {
  auto st = co_await inst.status();
  json::object o{{"name", record.name},
                 {"status", std::string(supervisor::to_string(st.state))},
                 {"running", st.state == supervisor::instance_state::running},
                 {"created", record.created},
                 {"options", record.options},
                 {"port", inst.port()},
                 {"pid", nullptr},
                 {"restarts", st.restarts},
                 {"last_error", nullptr}};
  if (st.pid > 0) o["pid"] = st.pid;
  if (st.last_error) o["last_error"] = *st.last_error;
  co_return o;
}

// Saves a record; false (and logged) on failure.
bool persist(llamactl_state& state, const llamactl_record& record) {
  try {
    state.store.save(record);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("llamactl: {}", e.what());
    return false;
  }
}

// Starts a restored instance; logs how it ended.
net::awaitable<void> restore_start(supervisor::llama_instance& inst, supervisor::start_request request) {
  auto result = co_await inst.start(std::move(request), false);
  if (result.http_status != 200)
    spdlog::error("llamactl: cannot restart instance {}: {}", inst.name(), result.error);
}

supervisor::instance_settings settings_for(const gateway_config& config, const std::string& name,
                                           unsigned short port) {
  return {.name = name, .binary = config.llama_server_bin, .port = port, .studio_dir = config.studio_dir};
}

void restore(llamactl_state& state) {
  auto& reg = *state.svc.instances;
  const auto& config = state.svc.config;
  for (auto& record : state.store.load()) {
    if (record.name == reserved_name || reg.find(record.name) != nullptr) continue;
    if (auto bad = supervisor::validate_options(record.options)) {
      spdlog::warn("llamactl: skipping saved instance {}: {}", record.name, *bad);
      continue;
    }
    auto port = supervisor::first_free_port(config.instance_ports, reg.ports_in_use());
    if (!port) {
      spdlog::error("llamactl: no free port in {}-{} for instance {}", config.instance_ports.first,
                    config.instance_ports.last, record.name);
      continue;
    }
    auto& inst = reg.add(settings_for(config, record.name, *port));
    if (state.svc.scheduler) state.svc.scheduler->configure(record.name, start_request_for(record, config));
    spdlog::info("llamactl: restored instance {} (port {})", record.name, *port);
    if (record.running) {
      net::co_spawn(reg.executor(), restore_start(inst, start_request_for(record, config)),
                    [name = record.name](std::exception_ptr e) {
                      if (e) spdlog::error("llamactl: restart of {} ended with an exception", name);
                    });
    }
    state.records.emplace(record.name, std::move(record));
  }
}

// The record and instance that {name} names, or the error response.
struct target {
  llamactl_record* record = nullptr;
  supervisor::llama_instance* inst = nullptr;
  std::optional<http::response> error;
};

target find_target(llamactl_state& state, const http::request_context& ctx) {
  auto name = ctx.param("name").value_or("");
  if (state.svc.instances == nullptr) return {nullptr, nullptr, fail(ctx, 503, "instances are unavailable")};
  if (name == reserved_name)
    return {nullptr, nullptr,
            fail(ctx, 400, "'admin' is reserved for the admin llama-server (/api/admin/llm)")};
  if (!valid_instance_name(name)) return {nullptr, nullptr, fail(ctx, 400, "invalid instance name")};
  auto it = state.records.find(name);
  auto* inst = state.svc.instances->find(name);
  if (it == state.records.end() || inst == nullptr)
    return {nullptr, nullptr, fail(ctx, 404, "instance '" + name + "' not found")};
  return {&it->second, inst, std::nullopt};
}

net::awaitable<http::response> handle_list(state_ptr state, http::request_context&) {
  json::array out;
  for (const auto& [name, record] : state->records) {
    auto* inst = state->svc.instances ? state->svc.instances->find(name) : nullptr;
    if (inst == nullptr) continue;
    auto o = co_await describe(record, *inst);
    out.push_back(std::move(o));
  }
  co_return http::json_response(200, out);
}

net::awaitable<http::response> handle_get(state_ptr state, http::request_context& ctx) {
  auto t = find_target(*state, ctx);
  if (t.error) co_return std::move(*t.error);
  auto o = co_await describe(*t.record, *t.inst);
  co_return http::json_response(200, o);
}

net::awaitable<http::response> handle_create(state_ptr state, http::request_context& ctx) {
  auto name = ctx.param("name").value_or("");
  auto* reg = state->svc.instances;
  const auto& config = state->svc.config;
  if (reg == nullptr) co_return fail(ctx, 503, "instances are unavailable");
  if (name == reserved_name)
    co_return fail(ctx, 400, "'admin' is reserved for the admin llama-server (/api/admin/llm)");
  if (!valid_instance_name(name))
    co_return fail(ctx, 400, "invalid instance name: use letters, digits, '-', '_', '.' (at most 64)");
  if (state->records.contains(name) || reg->find(name) != nullptr)
    co_return fail(ctx, 409, "instance '" + name + "' already exists");
  json::object options;
  bool auto_start = true;
  if (auto bad = parse_options(ctx, config, options, auto_start))
    co_return fail(ctx, bad->status, bad->message);
  auto flag_op = unsupported_flag(state->svc.binary_flags, options);  // flags the binary lacks: 400
  auto missing_flag = co_await std::move(flag_op);
  if (missing_flag) co_return fail(ctx, 400, *missing_flag);
  if (state->records.contains(name) || reg->find(name) != nullptr)  // created while we awaited
    co_return fail(ctx, 409, "instance '" + name + "' already exists");
  auto port = supervisor::first_free_port(config.instance_ports, reg->ports_in_use());
  if (!port) {
    co_return fail(ctx, 409,
                   "no free instance port in " + std::to_string(config.instance_ports.first) + "-" +
                       std::to_string(config.instance_ports.last));
  }
  llamactl_record record{name, unix_now(), std::move(options), auto_start};
  if (!persist(*state, record)) co_return fail(ctx, 500, "cannot save instance '" + name + "'");
  auto& inst = reg->add(settings_for(config, name, *port));
  auto& stored = state->records.emplace(name, std::move(record)).first->second;
  if (state->svc.scheduler) state->svc.scheduler->configure(name, start_request_for(stored, config));
  if (auto_start && state->svc.scheduler) {  // --max-running-instances: created, but not started
    auto room = co_await state->svc.scheduler->make_room(name);
    if (room) {
      spdlog::warn("llamactl: instance {} not started: {}", name, room->message);
      auto_start = false;
    }
  }
  if (auto_start) {
    auto result = co_await inst.start(start_request_for(stored, config), false);
    if (result.http_status != 200)
      spdlog::warn("llamactl: instance {} did not start: {}", name, result.error);
    if (state->svc.scheduler) state->svc.scheduler->note_started(name);
  }
  auto o = co_await describe(stored, inst);
  co_return http::json_response(201, o);
}

net::awaitable<http::response> handle_update(state_ptr state, http::request_context& ctx) {
  auto t = find_target(*state, ctx);
  if (t.error) co_return std::move(*t.error);
  json::object options;
  bool auto_start = true;
  if (auto bad = parse_options(ctx, state->svc.config, options, auto_start))
    co_return fail(ctx, bad->status, bad->message);
  auto flag_op = unsupported_flag(state->svc.binary_flags, options);  // flags the binary lacks: 400
  auto missing_flag = co_await std::move(flag_op);
  if (missing_flag) co_return fail(ctx, 400, *missing_flag);
  t = find_target(*state, ctx);  // again: the instance may have been deleted while we awaited
  if (t.error) co_return std::move(*t.error);
  auto updated = *t.record;
  updated.options = std::move(options);
  if (!persist(*state, updated)) co_return fail(ctx, 500, "cannot save instance '" + updated.name + "'");
  *t.record = std::move(updated);
  if (state->svc.scheduler)
    state->svc.scheduler->configure(t.record->name, start_request_for(*t.record, state->svc.config));
  auto st = co_await t.inst->status();
  if (st.state != supervisor::instance_state::stopped && st.state != supervisor::instance_state::failed) {
    auto result = co_await t.inst->start(start_request_for(*t.record, state->svc.config), false);
    if (result.http_status != 200) co_return fail(ctx, result.http_status, result.error);
  }
  auto o = co_await describe(*t.record, *t.inst);
  co_return http::json_response(200, o);
}

net::awaitable<http::response> handle_delete(state_ptr state, http::request_context& ctx) {
  auto t = find_target(*state, ctx);
  if (t.error) co_return std::move(*t.error);
  std::string name = t.record->name;
  try {
    state->store.erase(name);  // first: a file written by a later create of the same name must survive
  } catch (const std::exception& e) {
    spdlog::error("llamactl: {}", e.what());
    co_return fail(ctx, 500, "cannot remove the file of instance '" + name + "'");
  }
  state->records.erase(name);
  if (state->svc.scheduler) state->svc.scheduler->forget(name);
  co_await state->svc.instances->remove(name);
  http::response r;
  r.status = 204;
  co_return r;
}

// POST .../start and .../restart (a start replaces a running child).
net::awaitable<http::response> handle_start(state_ptr state, http::request_context& ctx) {
  auto t = find_target(*state, ctx);
  if (t.error) co_return std::move(*t.error);
  if (state->svc.scheduler) {  // --max-running-instances: 409, or evict the LRU one
    auto room = co_await state->svc.scheduler->make_room(t.record->name);
    if (room) co_return fail(ctx, room->status, room->message);
  }
  if (!t.record->running) {
    auto updated = *t.record;
    updated.running = true;
    if (!persist(*state, updated)) co_return fail(ctx, 500, "cannot save instance '" + updated.name + "'");
    t.record->running = true;
  }
  auto result = co_await t.inst->start(start_request_for(*t.record, state->svc.config), false);
  if (state->svc.scheduler) state->svc.scheduler->note_started(t.record->name);
  if (result.http_status != 200) co_return fail(ctx, result.http_status, result.error);
  auto o = co_await describe(*t.record, *t.inst);
  co_return http::json_response(200, o);
}

net::awaitable<http::response> handle_stop(state_ptr state, http::request_context& ctx) {
  auto t = find_target(*state, ctx);
  if (t.error) co_return std::move(*t.error);
  co_await t.inst->stop();
  if (t.record->running) {
    auto updated = *t.record;
    updated.running = false;
    if (!persist(*state, updated)) co_return fail(ctx, 500, "cannot save instance '" + updated.name + "'");
    t.record->running = false;
  }
  auto o = co_await describe(*t.record, *t.inst);
  co_return http::json_response(200, o);
}

net::awaitable<http::response> handle_logs(state_ptr state, http::request_context& ctx) {
  auto t = find_target(*state, ctx);
  if (t.error) co_return std::move(*t.error);
  std::size_t lines = static_cast<std::size_t>(-1);
  if (auto text = ctx.query_param("lines")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), lines);
    if (ec != std::errc() || end != text->data() + text->size() || text->empty())
      co_return fail(ctx, 400, "invalid 'lines': must be a non-negative integer");
  }
  auto tail = co_await t.inst->recent_log(lines);
  std::string body;
  for (const auto& line : tail) body += line + "\n";
  co_return http::text_response(200, std::move(body));
}

using handler_fn = net::awaitable<http::response> (*)(state_ptr, http::request_context&);

}  // namespace

void add_llamactl_routes(http::router& routes, services& svc) {
  auto state = std::make_shared<llamactl_state>(
      llamactl_state{svc, llamactl_store(svc.config.studio_dir / "instances"), {}});
  if (svc.instances != nullptr) restore(*state);
  auto add = [&](verb method, const char* pattern, handler_fn fn) {
    routes.add(method, pattern, http::access::management,
               [state, fn](http::request_context& ctx) { return fn(state, ctx); });
  };
  add(verb::get, "/api/v1/instances", handle_list);
  add(verb::get, "/api/v1/instances/{name}", handle_get);
  add(verb::post, "/api/v1/instances/{name}", handle_create);
  add(verb::put, "/api/v1/instances/{name}", handle_update);
  add(verb::delete_, "/api/v1/instances/{name}", handle_delete);
  add(verb::post, "/api/v1/instances/{name}/start", handle_start);
  add(verb::post, "/api/v1/instances/{name}/stop", handle_stop);
  add(verb::post, "/api/v1/instances/{name}/restart", handle_start);
  add(verb::get, "/api/v1/instances/{name}/logs", handle_logs);
  add_llamactl_log_stream_route(routes, svc, [state](const http::request_context& ctx) {
    auto t = find_target(*state, ctx);
    using found = std::variant<supervisor::llama_instance*, http::response>;
    return t.error ? found(std::move(*t.error)) : found(t.inst);
  });
}

}  // namespace studio::api
