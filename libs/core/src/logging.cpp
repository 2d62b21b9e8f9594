// spdlog's default logger: stderr, UTC ISO 8601 timestamps, level from the configuration.
#include "studio/core/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>
#include <string>

namespace studio {

bool valid_log_level(std::string_view level) {
  constexpr std::array<std::string_view, 6> levels{"trace", "debug", "info",
                                                   "warn",  "error", "off"};
  for (const auto known : levels) {
    if (level == known) return true;
  }
  return false;
}

void setup_logging(std::string_view level) {
  if (!valid_log_level(level))
    throw std::invalid_argument("unknown log level \"" + std::string{level} + "\"");
  spdlog::drop("studio");  // makes a second call replace the logger instead of throwing
  auto logger = spdlog::stderr_logger_mt("studio");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ [%l] %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string{level}));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace studio
