// What the gateway owns for supervision, set up in one call from its config:
// leftover children of a previous run killed, the admin config loaded, the
// registry holding the "admin" instance (--llama-server on --llm-port).
#pragma once

#include "studio/core/config.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/llm_config_store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <optional>
#include <string>

namespace studio::supervisor {

inline constexpr const char* admin_instance_name = "admin";

struct gateway_supervision {
  // Logs what it found (leftovers killed, a corrupt config set aside). Call before the
  // io_context runs; reads /proc and the studio directory (blocking, start-up only).
  gateway_supervision(boost::asio::any_io_executor executor, const gateway_config& config);

  llm_config_store llm_config;
  instance_registry instances;
  std::optional<std::string> config_warning;  // a corrupt config.json was replaced by defaults
};

}  // namespace studio::supervisor
