// /api/v2/metrics body shape (seed 003) and the timestamp format.
#include "studio/api/time_format.hpp"
#include "studio/api/v2_metrics.hpp"

#include <doctest/doctest.h>

using namespace studio;

TEST_CASE("metrics body follows the seed, with and without a GPU") {
  sysinfo::system_snapshot s;
  s.cpu_utilization = 45.24;
  s.cores = {16, 8, std::nullopt};
  s.mhz_current = 3600.4;
  s.mhz_min = 2200;
  s.memory = sysinfo::memory_kb{32768 * 1024, 24576 * 1024};
  s.taken = std::chrono::system_clock::from_time_t(1705320000);
  auto body = api::metrics_json(s);
  CHECK(body.at("cpu").at("utilization").as_double() == doctest::Approx(45.2));
  CHECK(body.at("cpu").at("cores").at("physical").as_uint64() == 8);
  CHECK(body.at("cpu").at("cores").at("logical").as_uint64() == 16);
  CHECK(body.at("cpu").at("frequency").at("current").as_double() == 3600);
  CHECK(body.at("cpu").at("frequency").at("max").is_null());
  CHECK(body.at("memory").at("total_mb").as_uint64() == 32768);
  CHECK(body.at("memory").at("available_mb").as_uint64() == 24576);
  CHECK(body.at("memory").at("used_mb").as_uint64() == 8192);
  CHECK(body.at("memory").at("percent").as_double() == 25);
  CHECK(body.at("gpu").at("available").as_bool() == false);
  CHECK(body.at("timestamp").as_string() == "2024-01-15T12:00:00Z");

  s.gpu_available = true;
  s.gpus = {{"NVIDIA RTX 4090", 24576ULL << 20, 4096ULL << 20}};
  body = api::metrics_json(s);
  CHECK(body.at("gpu").at("available").as_bool());
  CHECK(body.at("gpu").at("name").as_string() == "NVIDIA RTX 4090");
  CHECK(body.at("gpu").at("memory").at("total_mb").as_uint64() == 24576);
  CHECK(body.at("gpu").at("memory").at("percent").as_double() == doctest::Approx(16.7));
}
