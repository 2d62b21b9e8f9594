// Ports for named instances: the lowest port of the configured range that no
// registered instance holds. Pure.
#pragma once

#include "studio/core/config.hpp"

#include <optional>
#include <vector>

namespace studio::supervisor {

// nullopt when every port of `range` is in `used`.
std::optional<unsigned short> first_free_port(port_range range, const std::vector<unsigned short>& used);

}  // namespace studio::supervisor
