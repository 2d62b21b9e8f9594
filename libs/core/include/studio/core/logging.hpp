// Process-wide logging setup: spdlog's default logger writing to stderr.
#pragma once

#include <string_view>

namespace studio {

// Whether `level` is one of trace|debug|info|warn|error|off.
bool valid_log_level(std::string_view level);

// Makes spdlog's default logger a stderr logger named "studio" with the pattern
// "2024-05-01T12:00:00.123Z [info] message" (UTC) and the given level.
// Call from main before starting threads; a later call replaces the logger.
// Throws std::invalid_argument for an unknown level.
void setup_logging(std::string_view level);

}  // namespace studio
