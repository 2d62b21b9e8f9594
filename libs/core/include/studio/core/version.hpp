// Build identity of the gateway: version, git commit and build time, baked in at configure time.
#pragma once

#include <string_view>

namespace studio {

// The project version from CMake's PROJECT_VERSION, e.g. "0.1.0".
std::string_view version();

// The short git commit the build was configured from, or "unknown" outside a git checkout.
std::string_view git_commit();

// The UTC time the build was configured, ISO 8601, e.g. "2024-05-01T12:00:00Z".
std::string_view build_time();

}  // namespace studio
