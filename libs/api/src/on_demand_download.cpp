// catalog_model_instance: download (if needed) and register a catalog model
// for an on-demand start (see the header).
#include "on_demand_download.hpp"

#include "llamactl_store.hpp"
#include "model_listing.hpp"
#include "scheduled_upstream.hpp"
#include "studio/catalog/catalog_store.hpp"
#include "studio/download/download_queue.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/instance_scheduler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>

// g++ 12 false positive on Asio coroutine frames (see proxy_routes.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string progress_note(const download::job_view& v) {
  char text[160];
  if (v.total_bytes > 0) {
    std::snprintf(text, sizeof text, "downloading %s %.0f%% (%.1f of %.1f MB)", v.file.c_str(),
                  100.0 * static_cast<double>(v.downloaded_bytes) / static_cast<double>(v.total_bytes),
                  static_cast<double>(v.downloaded_bytes) / 1e6, static_cast<double>(v.total_bytes) / 1e6);
  } else {
    std::snprintf(text, sizeof text, "downloading %s (%s)", v.file.c_str(), v.status.c_str());
  }
  return text;
}

// Runs on the download queue's strand: queues `spec` and waits for its end,
// woken by the queue's events (progress at most once a second to the client).
// The error text, or nullopt once the file is on disk.
net::awaitable<std::optional<std::string>> fetch(download::download_queue* queue, download::download_spec spec,
                                                 http::request_context* ctx, bool stream) {
  auto sub = queue->events().subscribe(queue->executor());
  queue->enqueue(spec, false);  // joins a download already queued or running
  spdlog::info("on-demand download of {}", spec.file);
  auto last_note = std::chrono::steady_clock::time_point{};
  for (;;) {
    auto view = queue->find(spec.file);
    if (!view) break;  // finished (or cancelled)
    if (view->status == "failed") co_return "download of " + spec.file + " failed: " + view->error;
    if (stream && std::chrono::steady_clock::now() - last_note >= std::chrono::seconds(1)) {
      last_note = std::chrono::steady_clock::now();
      bool alive = co_await send_sse_comment(ctx, progress_note(*view));
      if (!alive) co_return "client gone";  // the download itself goes on
    }
    auto next_op = sub->next(std::chrono::seconds(1));
    co_await std::move(next_op);
  }
  std::error_code ec;
  if (!fs::is_regular_file(spec.target, ec)) co_return "download of " + spec.file + " did not complete";
  co_return std::nullopt;
}

}  // namespace

net::awaitable<catalog_instance> catalog_model_instance(services& svc, http::request_context& ctx, std::string file,
                                                        bool stream) {
  catalog_instance out;
  if (!svc.config.on_demand_download || svc.catalog == nullptr || svc.downloads == nullptr ||
      svc.instances == nullptr || svc.scheduler == nullptr || !valid_instance_name(file))
    co_return out;
  auto cat = svc.catalog->current();
  const auto* entry = catalog::find_model(*cat, file);
  if (entry == nullptr) co_return out;
  auto spec = spec_for(svc.config.models_dir, *entry, file);
  auto path = spec.target;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    auto fetch_op = net::co_spawn(svc.downloads->executor(), fetch(svc.downloads, std::move(spec), &ctx, stream),
                                  net::use_awaitable);
    auto failed = co_await std::move(fetch_op);
    if (failed) {
      auto err_op = error_for(ctx, 502, *failed);
      out.error = co_await std::move(err_op);
      co_return out;
    }
  }
  out.inst = svc.instances->find_or_add(
      {.name = file, .binary = svc.config.llama_server_bin, .studio_dir = svc.config.studio_dir},
      svc.config.instance_ports.first, svc.config.instance_ports.last);
  if (out.inst == nullptr) {
    auto err_op = error_for(ctx, 503, "no free port in --instance-ports for " + file);
    out.error = co_await std::move(err_op);
    co_return out;
  }
  if (!svc.scheduler->configured(file)) {
    svc.scheduler->configure(file, {fs::absolute(path, ec).lexically_normal(), file,
                                    boost::json::object{{"on_demand_start", true}}});
  }
  co_return out;
}

}  // namespace studio::api
