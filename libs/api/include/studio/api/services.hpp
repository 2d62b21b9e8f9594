// What the API handlers need from the rest of the gateway. Owned by main;
// handlers hold references to it.
#pragma once

#include "studio/core/config.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace studio::api {

struct services {
  explicit services(const gateway_config& c) : config(c) {}
  const gateway_config& config;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::function<bool()> draining = [] { return false; };  // true once shutdown began
  std::optional<std::string> last_error;                  // the latest serious error, if any
};

}  // namespace studio::api
