// download_options and restore_downloads: the queue's configuration and its restart.
#include "studio/api/model_downloads.hpp"

#include "model_listing.hpp"
#include "studio/catalog/catalog_store.hpp"
#include "studio/download/download_queue.hpp"

namespace studio::api {

download::queue_options download_options(const gateway_config& config) {
  download::queue_options o;
  o.journal = config.studio_dir / "llm" / "downloads.json";
  o.hf_endpoint = config.hf_endpoint;
  o.hf_token = config.hf_token;
  if (config.ca_bundle) o.transfer.ca_bundle = config.ca_bundle->string();
  o.transfer.low_speed_seconds = static_cast<long>(config.download_stall_seconds);
  o.transfer.max_bytes_per_second = config.download_rate_limit;
  o.max_concurrent = config.max_downloads;
  o.connections = config.download_connections;
  o.parallel_min_bytes = config.download_parallel_min_bytes;
  o.retry_base = config.download_retry_base;
  o.disk_reserve_bytes = config.download_disk_reserve_bytes;
  o.direct_io = !config.download_buffered_io;
  return o;
}

void restore_downloads(services& svc) {
  std::error_code ec;
  std::filesystem::create_directories(svc.config.studio_dir / "llm", ec);
  auto cat = svc.catalog->current();
  const auto& models_dir = svc.config.models_dir;
  svc.downloads->restore([&](const std::string& file) -> std::optional<download::download_spec> {
    const auto* entry = catalog::find_model(*cat, file);
    if (entry == nullptr) return std::nullopt;
    return spec_for(models_dir, *entry, file);
  });
}

}  // namespace studio::api
