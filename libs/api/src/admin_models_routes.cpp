// /api/admin/llm/models and /api/admin/llm/downloads/events: the catalog with live status,
// queueing and deleting model files, and the SSE feed of download progress.
#include "model_listing.hpp"
#include "studio/api/routes.hpp"
#include "studio/catalog/catalog_store.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/http/json_text.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace studio::api {
namespace net = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using boost::beast::http::verb;

namespace {

bool ready(const services& svc) { return svc.catalog != nullptr && svc.downloads != nullptr; }

http::response not_ready(const http::request_context& ctx) {
  return http::error_response(ctx.path(), 503, "the model catalog is not available");
}

// The {filename} parameter, decoded once by the router, if it is a plain file name.
std::optional<std::string> checked_name(const http::request_context& ctx) {
  auto name = ctx.param("filename");
  if (!name || !catalog::is_safe_relative_name(*name, false)) return std::nullopt;
  return name;
}

// The catalog and the queue live on the queue's strand: run `fn` there and come back.
template <class Fn>
net::awaitable<http::response> on_queue_strand(services& svc, http::request_context& ctx, Fn fn) {
  if (!ready(svc)) co_return not_ready(ctx);
  auto task = [&]() -> net::awaitable<http::response> { co_return fn(svc, ctx); };
  auto res = co_await net::co_spawn(svc.downloads->executor(), task, net::use_awaitable);
  co_return res;
}

http::response list(services& svc, http::request_context&) {
  auto cat = svc.catalog->current();
  return http::json_response(200, list_models(*cat, svc.config.models_dir, *svc.downloads));
}

http::response queue_download(services& svc, http::request_context& ctx) {
  auto name = checked_name(ctx);
  if (!name) return http::error_response(ctx.path(), 400, "invalid file name");
  auto cat = svc.catalog->current();
  const auto* entry = catalog::find_model(*cat, *name);
  if (entry == nullptr) return http::error_response(ctx.path(), 404, "model not in catalog: " + *name);
  bool force = ctx.query_param("force").value_or("") == "true";

  // Asking for a model also fetches its companions (e.g. a vision projector).
  std::vector<std::string> files{*name};
  if (*name == entry->file)
    for (const auto& c : entry->companions) files.push_back(c.file);
  std::string outcome;
  for (const auto& file : files) {
    auto path = model_path(svc.config.models_dir, *entry, file);
    std::error_code ec;
    std::string status;
    if (!force && fs::is_regular_file(path, ec)) {
      status = "present";
    } else {
      switch (svc.downloads->enqueue(spec_for(svc.config.models_dir, *entry, file), force)) {
        case download::download_queue::enqueue_result::queued: status = "queued"; break;
        case download::download_queue::enqueue_result::already_queued: status = "already_queued"; break;
        case download::download_queue::enqueue_result::already_downloading: status = "already_downloading"; break;
      }
    }
    if (file == *name) outcome = status;
  }
  json::object body{{"file", *name}, {"status", outcome}};
  if (outcome == "queued") body["message"] = "queued for download";
  else if (outcome == "present") body["message"] = "already on disk; add ?force=true to download it again";
  else body["message"] = outcome == "already_queued" ? "already queued" : "already downloading";
  return http::json_response(200, body);
}

http::response remove(services& svc, http::request_context& ctx) {
  auto name = checked_name(ctx);
  if (!name) return http::error_response(ctx.path(), 400, "invalid file name");
  auto cat = svc.catalog->current();
  const auto* entry = catalog::find_model(*cat, *name);
  auto path = entry ? model_path(svc.config.models_dir, *entry, *name) : svc.config.models_dir / *name;
  std::error_code ec;
  bool on_disk = fs::is_regular_file(path, ec);
  if (on_disk && svc.file_in_use(path))
    return http::error_response(ctx.path(), 409, "a running llama-server uses " + *name + "; stop it first");
  bool cancelled = svc.downloads->cancel(*name);
  bool deleted = on_disk && fs::remove(path, ec);
  if (on_disk && ec) return http::error_response(ctx.path(), 500, "cannot delete " + *name + ": " + ec.message());
  if (!cancelled && !deleted) return http::error_response(ctx.path(), 404, "not on disk and not queued: " + *name);
  json::object body{{"file", *name}, {"status", deleted ? "deleted" : "cancelled"}};
  body["message"] = deleted ? (cancelled ? "download cancelled and file deleted" : "file deleted")
                            : "download cancelled and partial file removed";
  return http::json_response(200, body);
}

// SSE: a "state" event per current download first, then every state change and progress
// (throttled per download by the queue). A comment line every 15 s keeps proxies open.
net::awaitable<http::response> events(services& svc, http::request_context& ctx) {
  if (!ready(svc)) co_return not_ready(ctx);
  auto strand = svc.downloads->executor();
  std::shared_ptr<download::event_hub::subscription> sub;
  std::string hello = ": download events\n\n";
  auto subscribe = [&]() -> net::awaitable<void> {
    sub = svc.downloads->events().subscribe(strand);
    for (const auto& v : svc.downloads->list()) {
      json::object o = download_json(v);
      o["file"] = v.file;
      o["status"] = v.status;
      hello += "event: state\ndata: " + http::to_json_text(o) + "\n\n";
    }
    co_return;
  };
  co_await net::co_spawn(strand, subscribe, net::use_awaitable);
  http::header_list headers;  // built outside co_await: g++ 12 rejects braced lists there
  headers.emplace_back("Cache-Control", "no-cache");
  bool ok = co_await ctx.start_stream(200, "text/event-stream", headers);
  if (ok) ok = co_await ctx.write(hello);
  auto idle = std::chrono::steady_clock::now();
  while (ok && !svc.draining()) {
    auto frame = co_await net::co_spawn(strand, sub->next(std::chrono::seconds(1)), net::use_awaitable);
    if (frame) {
      ok = co_await ctx.write(*frame);
      idle = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - idle >= std::chrono::seconds(15)) {
      ok = co_await ctx.write(": keep-alive\n\n");
      idle = std::chrono::steady_clock::now();
    }
  }
  co_return http::response{};
}

}  // namespace

void add_admin_models_routes(http::router& routes, services& svc) {
  auto bind = [&svc](http::response (*fn)(services&, http::request_context&)) {
    return [&svc, fn](http::request_context& ctx) { return on_queue_strand(svc, ctx, fn); };
  };
  routes.add(verb::get, "/api/admin/llm/models", http::access::management, bind(list));
  routes.add(verb::post, "/api/admin/llm/models/download/{filename}", http::access::management, bind(queue_download));
  routes.add(verb::delete_, "/api/admin/llm/models/{filename}", http::access::management, bind(remove));
  routes.add(verb::get, "/api/admin/llm/downloads/events", http::access::management,
             [&svc](http::request_context& ctx) { return events(svc, ctx); });
}

}  // namespace studio::api
