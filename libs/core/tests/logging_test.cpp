// Tests of log level validation and logger setup.
#include "studio/core/logging.hpp"

#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace studio {
namespace {

TEST_CASE("valid_log_level accepts exactly the documented levels") {
  for (const auto level : {"trace", "debug", "info", "warn", "error", "off"})
    CHECK(valid_log_level(level));
  for (const auto level : {"", "INFO", "warning", "critical", "verbose"})
    CHECK(!valid_log_level(level));
}

TEST_CASE("setup_logging sets the default logger's level and may be called again") {
  setup_logging("debug");
  CHECK(spdlog::default_logger()->name() == "studio");
  CHECK(spdlog::default_logger()->level() == spdlog::level::debug);
  setup_logging("off");
  CHECK(spdlog::default_logger()->level() == spdlog::level::off);
  setup_logging("warn");
  CHECK(spdlog::default_logger()->level() == spdlog::level::warn);
  CHECK_THROWS_AS(setup_logging("loud"), std::invalid_argument);
}

}  // namespace
}  // namespace studio
