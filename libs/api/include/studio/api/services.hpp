// What the API handlers need from the rest of the gateway. Owned by main;
// handlers hold references to it.
#pragma once

#include "studio/api/inference_metrics.hpp"
#include "studio/api/v2_inference.hpp"
#include "studio/core/config.hpp"
#include "studio/gguf/metadata_cache.hpp"
#include "studio/http/request_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace studio::catalog {
class catalog_store;
}  // namespace studio::catalog

namespace studio::download {
class download_queue;
}  // namespace studio::download

namespace studio::proxy {
class proxy_client;
}  // namespace studio::proxy

namespace studio::supervisor {
class instance_registry;
class instance_scheduler;
class llm_config_store;
}  // namespace studio::supervisor

namespace studio::sysinfo {
class system_sampler;
}  // namespace studio::sysinfo

namespace studio::api {

class llama_flags;

struct services {
  explicit services(const gateway_config& c) : config(c) {}
  const gateway_config& config;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::function<bool()> draining = [] { return false; };  // true once shutdown began
  std::optional<std::string> last_error;                  // the latest serious error, if any
  supervisor::instance_registry* instances = nullptr;  // supervised llama-servers ("admin" and named ones)
  supervisor::instance_scheduler* scheduler = nullptr;  // on-demand starts, eviction, slots, idle stops
  proxy::proxy_client* proxy = nullptr;                // forwards requests to running instances
  supervisor::llm_config_store* llm_config = nullptr;  // saved admin options ($STUDIO_DIR/llm/config.json)
  catalog::catalog_store* catalog = nullptr;           // the model catalog in force
  download::download_queue* downloads = nullptr;       // the model download queue
  sysinfo::system_sampler* system = nullptr;           // CPU/memory/GPU sampler (/api/v2/metrics)
  gguf::metadata_cache model_metadata;                 // GGUF headers by (path, size, mtime)
  model_performance model_perf;                        // /api/v2 chat tokens per model
  inference_metrics inference;                         // per-model tokens, TTFT, open streams (proxy -> /metrics)
  http::request_metrics http_metrics;                  // answered requests by route/status (GET /metrics)
  boost::asio::any_io_executor file_work;              // small thread pool for blocking file work; empty: inline
  llama_flags* binary_flags = nullptr;                 // flags the llama-server binary supports (null: no check)
  // Whether a running llama-server uses a model file (DELETE of the file answers 409).
  std::function<bool(const std::filesystem::path&)> file_in_use = [](const std::filesystem::path&) { return false; };
};

}  // namespace studio::api
