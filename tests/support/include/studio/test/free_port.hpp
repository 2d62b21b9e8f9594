// Loopback ports for processes that need a fixed port (llama-server children,
// nginx): bound to port 0 and released. Another process may take one before
// it is used; tests keep that window short.
#pragma once

#include <cstddef>
#include <vector>

namespace studio::test {

// One loopback port that was free a moment ago.
unsigned short free_port();

// `count` distinct loopback ports (all held while chosen).
std::vector<unsigned short> free_ports(std::size_t count);

}  // namespace studio::test
