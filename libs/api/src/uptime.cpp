// format_uptime.
#include "studio/api/uptime.hpp"

namespace studio::api {

std::string format_uptime(std::chrono::seconds uptime) {
  auto total = uptime.count() < 0 ? 0 : uptime.count();
  auto days = total / 86400;
  auto hours = (total % 86400) / 3600;
  auto minutes = (total % 3600) / 60;
  return std::to_string(days) + "d " + std::to_string(hours) + "h " + std::to_string(minutes) + "m";
}

}  // namespace studio::api
