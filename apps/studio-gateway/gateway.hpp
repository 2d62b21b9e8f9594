// Builds the running gateway from a validated config and serves until a
// signal ends it.
#pragma once

#include "studio/core/config.hpp"

namespace studio {

// Serves until SIGINT/SIGTERM, then drains (config.shutdown_grace) and returns
// the process exit code: 0 after a clean shutdown, 1 when it could not start.
int run_gateway(const gateway_config& config);

}  // namespace studio
