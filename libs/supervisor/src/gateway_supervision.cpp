// gateway_supervision: the start-up of the supervisor from the gateway config.
#include "studio/supervisor/gateway_supervision.hpp"

#include "studio/supervisor/pidfile.hpp"

#include <spdlog/spdlog.h>

namespace studio::supervisor {

gateway_supervision::gateway_supervision(boost::asio::any_io_executor executor, const gateway_config& config)
    : llm_config(config.studio_dir / "llm" / "config.json"), instances(executor) {
  auto leftovers = kill_leftovers(config.studio_dir / "run");
  for (const auto& killed : leftovers.killed)
    spdlog::warn("killed llama-server left behind by a previous run: {}", killed);
  for (const auto& skipped : leftovers.skipped) spdlog::info("stale pidfile removed: {}", skipped);
  config_warning = llm_config.load();
  if (config_warning) spdlog::error("{}", *config_warning);
  instances.add({.name = admin_instance_name,
                 .binary = config.llama_server_bin,
                 .port = config.llm_port,
                 .studio_dir = config.studio_dir});
}

}  // namespace studio::supervisor
