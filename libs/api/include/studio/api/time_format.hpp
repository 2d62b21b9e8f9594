// Timestamps in API bodies: ISO-8601 UTC with a Z, as the seeds show them.
#pragma once

#include <chrono>
#include <string>

namespace studio::api {

// "2024-01-15T12:00:00Z" (seconds precision).
std::string iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace studio::api
