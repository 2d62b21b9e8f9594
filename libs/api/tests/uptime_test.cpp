// format_uptime.
#include "studio/api/uptime.hpp"

#include <doctest/doctest.h>

using studio::api::format_uptime;
using namespace std::chrono_literals;

TEST_CASE("uptime is days, hours and minutes") {
  CHECK(format_uptime(0s) == "0d 0h 0m");
  CHECK(format_uptime(59s) == "0d 0h 0m");
  CHECK(format_uptime(2 * 24h + 3h + 45min + 10s) == "2d 3h 45m");
  CHECK(format_uptime(-5s) == "0d 0h 0m");
}
