// POST /api/v2/models/{model_id}/load and /unload (seed 003): a model file runs
// as a supervised instance named by its model id (port from --instance-ports;
// the registry entry is reused by later loads). Load waits until the instance
// is ready or has failed; a model whose estimated memory does not fit what is
// free is refused with 507 unless "force": true.
#include "v2_routes.hpp"

#include "studio/api/llama_flags.hpp"
#include "studio/api/time_format.hpp"
#include "studio/api/v2_inference.hpp"
#include "studio/api/v2_models.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/port_allocator.hpp"
#include "studio/sysinfo/system_sampler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <fstream>

// g++ 12 false positive on Asio coroutine frames (see proxy_routes.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using boost::beast::http::verb;

namespace {

// The model file for a URL id, or nullopt (400/404 decided by the caller).
std::optional<fs::path> model_file(const services& svc, const std::string& id) {
  if (!valid_model_id(id)) return std::nullopt;
  auto file = svc.config.models_dir / id;
  std::error_code ec;
  if (file.extension() != ".gguf" || !fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

// Free memory the model would use: GPU (sum over devices) when layers are
// offloaded and NVML sees a GPU, else available RAM. nullopt when unknown.
struct free_memory {
  std::uint64_t bytes = 0;
  const char* where = "ram";
};
std::optional<free_memory> free_memory_for(const services& svc, bool gpu_offload) {
  if (svc.system == nullptr) return std::nullopt;
  auto snap = svc.system->snapshot();
  if (gpu_offload && snap.gpu_available && !snap.gpus.empty()) {
    std::uint64_t free = 0;
    for (const auto& g : snap.gpus)
      free += g.memory_total_bytes > g.memory_used_bytes ? g.memory_total_bytes - g.memory_used_bytes : 0;
    return free_memory{free, "gpu"};
  }
  if (!snap.memory) return std::nullopt;
  return free_memory{snap.memory->available * 1024, "ram"};
}

// Calls fn on the executor this coroutine is spawned on. A free coroutine, not a
// coroutine lambda: its parameter lives in the frame (g++ 12 trap).
template <class Fn>
net::awaitable<std::invoke_result_t<Fn>> run_work(Fn fn) {
  co_return fn();
}

// The memory estimate of a file, read on the file-work pool (cached by size and mtime).
net::awaitable<std::optional<memory_estimate>> estimate_for(services& svc, fs::path file,
                                                            std::optional<std::uint64_t> n_ctx) {
  auto work = [&svc, file, n_ctx]() -> std::optional<memory_estimate> {
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    auto mtime = fs::last_write_time(file, ec);
    if (ec) return std::nullopt;
    auto result = svc.model_metadata.get(file, size, mtime);
    const auto* md = std::get_if<gguf::metadata>(&result);
    if (md == nullptr) return std::nullopt;
    return estimate_memory(*md, size, n_ctx);
  };
  if (!svc.file_work) co_return work();
  auto task = run_work(std::move(work));
  auto op = net::co_spawn(svc.file_work, std::move(task), net::use_awaitable);
  auto result = co_await std::move(op);
  co_return result;
}

// The child's resident memory (VmRSS); 0 when unknown. /proc reads do not block.
std::uint64_t resident_bytes(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string text(std::istreambuf_iterator<char>(in), {});
  return parse_vm_rss(text).value_or(0);
}

// The child's resident memory plus the GPU memory NVML lists for its pid (when
// known). The NVML query is synchronous: it runs on the file-work pool.
net::awaitable<std::uint64_t> memory_used_bytes(services& svc, pid_t pid) {
  std::uint64_t bytes = resident_bytes(pid);
  if (svc.system == nullptr || pid <= 0) co_return bytes;
  auto* system = svc.system;
  auto work = [system, pid]() { return system->process_gpu_memory(pid); };
  std::optional<std::uint64_t> gpu;
  if (!svc.file_work) {
    gpu = work();
  } else {
    auto task = run_work(std::move(work));
    auto op = net::co_spawn(svc.file_work, std::move(task), net::use_awaitable);
    gpu = co_await std::move(op);
  }
  co_return bytes + gpu.value_or(0);
}

// The registry entry for `id`, created on first use with the lowest free instance port.
supervisor::llama_instance* instance_for(services& svc, const std::string& id) {
  if (auto* inst = svc.instances->find(id)) return inst;
  auto port = supervisor::first_free_port(svc.config.instance_ports, svc.instances->ports_in_use());
  if (!port) return nullptr;
  return &svc.instances->add({.name = id,
                              .binary = svc.config.llama_server_bin,
                              .port = *port,
                              .studio_dir = svc.config.studio_dir});
}

net::awaitable<http::response> handle_load(services& svc, http::request_context& ctx) {
  const std::string id = ctx.param("model_id").value_or("");
  if (!valid_model_id(id)) co_return http::error_response(ctx.path(), 400, "invalid model id: " + id);
  auto file = model_file(svc, id);
  if (!file) co_return http::error_response(ctx.path(), 404, "model not found: " + id);
  json::object body;
  const auto& text = ctx.req().body();
  if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec) co_return http::error_response(ctx.path(), 400, "invalid JSON: " + ec.message());
    if (!value.is_object()) co_return http::error_response(ctx.path(), 400, "the body must be a JSON object");
    body = std::move(value.as_object());
  }
  auto plan = plan_load(body);
  if (plan.error) co_return http::error_response(ctx.path(), 400, *plan.error);
  auto flag_op = unsupported_flag(svc.binary_flags, plan.options);  // flags the binary lacks: 400
  auto missing_flag = co_await std::move(flag_op);
  if (missing_flag) co_return http::error_response(ctx.path(), 400, *missing_flag);
  if (svc.instances == nullptr)
    co_return http::error_response(ctx.path(), 503, "the supervisor is not available");

  if (!plan.force) {
    // Awaitables are built first: no temporaries with destructors inside a co_await
    // expression (g++ 12 destroys some of them twice).
    auto estimate_op = estimate_for(svc, *file, plan.n_ctx);
    auto estimate = co_await std::move(estimate_op);
    auto free = free_memory_for(svc, plan.gpu_offload);
    if (estimate && free && estimate->total_bytes > free->bytes) {
      co_return http::json_response(
          507,
          {{"error", "not enough memory to load " + id + ": needs about " +
                         human_bytes(estimate->total_bytes) + ", " + human_bytes(free->bytes) + " " +
                         free->where + " free; send \"force\": true to load anyway"},
           {"estimate",
            {{"weights_bytes", estimate->weights_bytes},
             {"kv_cache_bytes", estimate->kv_cache_bytes},
             {"total_bytes", estimate->total_bytes},
             {"n_ctx", estimate->n_ctx},
             {"total", human_bytes(estimate->total_bytes)}}},
           {"free", {{"bytes", free->bytes}, {"memory", free->where}, {"human", human_bytes(free->bytes)}}}});
    }
  }

  auto* inst = instance_for(svc, id);
  if (inst == nullptr) co_return http::error_response(ctx.path(), 503, "no free port in --instance-ports");
  std::error_code ec;
  supervisor::start_request request{fs::absolute(*file, ec).lexically_normal(), id, std::move(plan.options)};
  auto started = std::chrono::steady_clock::now();
  auto start_op = inst->start(std::move(request), true);
  auto result = co_await std::move(start_op);
  if (result.http_status != 200) {
    co_return http::json_response(result.http_status,
                                  {{"status", "error"},
                                   {"error", result.error},
                                   {"message", "failed to load " + id + ": " + result.error}});
  }
  auto st = co_await inst->status();
  if (st.state != supervisor::instance_state::running) {
    std::string why = st.last_error.value_or(std::string(supervisor::to_string(st.state)));
    co_return http::json_response(500, {{"status", "error"},
                                        {"error", "failed to load " + id + ": " + why},
                                        {"message", "failed to load " + id + ": " + why}});
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("v2: loaded {} on port {} in {:.2f} s", id, st.port, seconds);
  auto memory_op = memory_used_bytes(svc, st.pid);
  const std::uint64_t memory = co_await std::move(memory_op);
  co_return http::json_response(200, {{"status", "success"},
                                      {"message", "Model loaded successfully"},
                                      {"load_time", iso8601_utc(std::chrono::system_clock::now())},
                                      {"memory_used", human_bytes(memory)}});
}

net::awaitable<http::response> handle_unload(services& svc, http::request_context& ctx) {
  const std::string id = ctx.param("model_id").value_or("");
  if (!valid_model_id(id)) co_return http::error_response(ctx.path(), 400, "invalid model id: " + id);
  auto* inst = svc.instances ? svc.instances->find(id) : nullptr;
  bool stopped = false;
  if (inst != nullptr) stopped = co_await inst->stop();
  if (!stopped) co_return http::error_response(ctx.path(), 404, "model not loaded: " + id);
  co_return http::json_response(200, {{"status", "success"},
                                      {"message", "Model unloaded successfully"},
                                      {"unload_time", iso8601_utc(std::chrono::system_clock::now())}});
}

}  // namespace

void add_v2_load_routes(http::router& routes, services& svc) {
  routes.add(verb::post, "/api/v2/models/{model_id}/load", http::access::management,
             [&svc](http::request_context& ctx) { return handle_load(svc, ctx); });
  routes.add(verb::post, "/api/v2/models/{model_id}/unload", http::access::management,
             [&svc](http::request_context& ctx) { return handle_unload(svc, ctx); });
}

}  // namespace studio::api
