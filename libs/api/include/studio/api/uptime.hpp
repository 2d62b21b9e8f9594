// Human-readable durations for health output.
#pragma once

#include <chrono>
#include <string>

namespace studio::api {

// "2d 3h 45m" style: days, hours and minutes; under a minute gives "0d 0h 0m".
std::string format_uptime(std::chrono::seconds uptime);

}  // namespace studio::api
