// first_free_port.
#include "studio/supervisor/port_allocator.hpp"

#include <algorithm>

namespace studio::supervisor {

std::optional<unsigned short> first_free_port(port_range range, const std::vector<unsigned short>& used) {
  for (unsigned port = range.first; port <= range.last; ++port) {
    if (std::find(used.begin(), used.end(), port) == used.end()) return static_cast<unsigned short>(port);
  }
  return std::nullopt;
}

}  // namespace studio::supervisor
