// GET /api/v2/models and GET /api/v2/models/{model_id} (seed 003), plus the
// load/unload and chat groups (v2_load_routes.cpp, v2_chat_routes.cpp). GGUF
// headers are read on the file-work pool (cached by size and mtime), never on
// the I/O thread; a listing is split in two halves built on both pool threads
// at once, so a cold listing parses two headers at a time.
#include "v2_routes.hpp"

#include "studio/api/routes.hpp"
#include "studio/api/time_format.hpp"
#include "studio/api/v2_models.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/supervisor/instance_registry.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace studio::api {
namespace net = boost::asio;
namespace fs = std::filesystem;
using boost::beast::http::verb;

namespace {

// Calls fn where it is spawned. A free coroutine, not a coroutine lambda: fn lives
// in the frame (with g++ 12 a capturing coroutine lambda's captures dangled here).
template <class Fn>
net::awaitable<std::invoke_result_t<Fn>> call_in_frame(Fn fn) {
  co_return fn();
}

// Runs blocking file work on svc.file_work when there is one, else inline.
template <class Fn>
net::awaitable<std::invoke_result_t<Fn>> on_file_pool(services& svc, Fn fn) {
  if (!svc.file_work) co_return fn();
  auto task = call_in_frame(std::move(fn));
  auto op = net::co_spawn(svc.file_work, std::move(task), net::use_awaitable);
  auto result = co_await std::move(op);
  co_return result;
}

using file_list = std::shared_ptr<const std::vector<fs::path>>;

// The listing entries of files[begin, end) (stat, and a parse when not cached).
net::awaitable<boost::json::array> list_part(services& svc, file_list files, std::size_t begin, std::size_t end) {
  boost::json::array out;
  for (std::size_t i = begin; i < end; ++i)
    out.push_back(available_model_json(svc.config.models_dir, (*files)[i], svc.model_metadata));
  co_return out;
}

// available_models: the file list from the pool, then its two halves built on the
// pool's threads in parallel (inline without a pool), concatenated in order.
net::awaitable<boost::json::value> list_models_in_parallel(services& svc) {
  if (!svc.file_work) co_return boost::json::value(list_available_models(svc.config.models_dir, svc.model_metadata));
  auto files_op = on_file_pool(svc, [&svc] {
    return std::make_shared<const std::vector<fs::path>>(model_files(svc.config.models_dir, svc.model_metadata));
  });
  file_list files = co_await std::move(files_op);
  const std::size_t half = files->size() / 2;
  auto first = net::co_spawn(svc.file_work, list_part(svc, files, 0, half), net::deferred);
  auto second = net::co_spawn(svc.file_work, list_part(svc, files, half, files->size()), net::deferred);
  auto group = net::experimental::make_parallel_group(std::move(first), std::move(second));
  auto wait_op = group.async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  auto [order, error_a, part_a, error_b, part_b] = co_await std::move(wait_op);
  (void)order;
  if (error_a) std::rethrow_exception(error_a);
  if (error_b) std::rethrow_exception(error_b);
  for (auto& entry : part_b) part_a.push_back(std::move(entry));
  co_return boost::json::value(std::move(part_a));
}

struct load_state {
  std::string status;  // "loaded" or "loading"
  std::string load_time;
};

// Models served by a running (or starting) instance, keyed by model file name.
net::awaitable<std::map<std::string, load_state>> loaded_models(services& svc) {
  std::map<std::string, load_state> out;
  if (svc.instances == nullptr) co_return out;
  for (const auto& name : svc.instances->names()) {
    auto* inst = svc.instances->find(name);
    if (inst == nullptr) continue;
    auto st = co_await inst->status();
    if (!st.model) continue;
    if (st.state != supervisor::instance_state::running && st.state != supervisor::instance_state::starting) continue;
    auto since = std::chrono::system_clock::now() -
                 std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(st.uptime_seconds));
    out[*st.model] = {st.state == supervisor::instance_state::running ? "loaded" : "loading", iso8601_utc(since)};
  }
  co_return out;
}

}  // namespace

void add_v2_models_routes(http::router& routes, services& svc) {
  routes.add(verb::get, "/api/v2/models", http::access::management,
             [&svc](http::request_context&) -> net::awaitable<http::response> {
               // Awaitables are built first: no temporaries with destructors inside a
               // co_await expression (g++ 12 destroys some of them twice).
               auto list_op = list_models_in_parallel(svc);
               auto available = co_await std::move(list_op);
               auto loaded = co_await loaded_models(svc);
               boost::json::object loaded_json;
               for (const auto& [id, st] : loaded) loaded_json[id] = {{"status", st.status}, {"load_time", st.load_time}};
               co_return http::json_response(200, {{"available_models", std::move(available)}, {"loaded_models", std::move(loaded_json)}});
             });

  routes.add(verb::get, "/api/v2/models/{model_id}", http::access::management,
             [&svc](http::request_context& ctx) -> net::awaitable<http::response> {
               auto id = *ctx.param("model_id");
               if (!valid_model_id(id)) co_return http::error_response(ctx.path(), 400, "invalid model id: " + id);
               auto file = svc.config.models_dir / id;
               std::error_code ec;
               if (file.extension() != ".gguf" || !fs::is_regular_file(file, ec)) {
                 co_return http::error_response(ctx.path(), 404, "model not found: " + id);
               }
               auto model_op = on_file_pool(svc, [&svc, file] {
                 return boost::json::value(available_model_json(svc.config.models_dir, file, svc.model_metadata));
               });
               auto model = co_await std::move(model_op);
               auto loaded = co_await loaded_models(svc);
               auto& body = model.as_object();
               auto it = loaded.find(id);
               body["status"] = it == loaded.end() ? "not_loaded" : it->second.status;
               auto perf = svc.model_perf.get(id);
               boost::json::object performance{{"load_time", nullptr},
                                               {"tokens_processed", perf.tokens},
                                               {"average_speed", perf.average_speed()}};
               if (it != loaded.end()) performance["load_time"] = it->second.load_time;
               body["performance"] = std::move(performance);
               co_return http::json_response(200, body);
             });

  add_v2_load_routes(routes, svc);
  add_v2_chat_routes(routes, svc);
}

}  // namespace studio::api
