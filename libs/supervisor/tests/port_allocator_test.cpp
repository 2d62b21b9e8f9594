// first_free_port.
#include "studio/supervisor/port_allocator.hpp"

#include <doctest/doctest.h>

using studio::supervisor::first_free_port;

TEST_CASE("the lowest free port of the range") {
  CHECK(first_free_port({8081, 8083}, {}) == 8081);
  CHECK(first_free_port({8081, 8083}, {8081, 8080}) == 8082);
  CHECK(first_free_port({8081, 8083}, {8082, 8081}) == 8083);
  CHECK_FALSE(first_free_port({8081, 8083}, {8081, 8082, 8083}).has_value());
  CHECK(first_free_port({65535, 65535}, {}) == 65535);
}
