// histogram buckets ("le" semantics, cumulative counts) and request_metrics'
// counts and latency histograms by method and route pattern.
#include "studio/http/histogram.hpp"
#include "studio/http/request_metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace studio::http;
using namespace std::chrono_literals;

TEST_CASE("histogram: a value on a bound counts in that bucket; cumulative counts; +Inf") {
  static constexpr double bounds[] = {0.1, 1, 10};
  histogram h(bounds);
  for (double v : {0.05, 0.1, 0.5, 1.0, 3.0, 100.0, 1000.0}) h.observe(v);
  CHECK(h.count() == 7);
  CHECK(h.sum() == doctest::Approx(1104.65));
  CHECK(h.cumulative() == std::vector<std::uint64_t>{2, 4, 5, 7});
  h.observe(std::nan(""));  // ignored
  CHECK(h.count() == 7);
}

TEST_CASE("request_metrics: counts by (method, route, status), latency by (method, route)") {
  request_metrics m;
  m.record("GET", "/a", 200, 2ms);
  m.record("GET", "/a", 404, 20s);
  m.record("POST", "/a", 200, 500us);
  m.record("GET", "unmatched", 404);  // no latency sample
  auto counts = m.snapshot();
  REQUIRE(counts.size() == 4);
  CHECK(counts[0].method == "GET");
  CHECK(counts[0].route == "/a");
  CHECK(counts[0].status == 200);
  CHECK(counts[0].count == 1);
  auto lat = m.latency_snapshot();
  REQUIRE(lat.size() == 2);
  CHECK(lat[0].method == "GET");
  CHECK(lat[0].route == "/a");
  CHECK(lat[0].seconds.count() == 2);
  CHECK(lat[0].seconds.sum() == doctest::Approx(20.002));
  auto cum = lat[0].seconds.cumulative();
  CHECK(cum[2] == 1);  // <= 5 ms: the 2 ms request
  CHECK(cum.back() == 2);
  CHECK(lat[1].method == "POST");
  CHECK(lat[1].seconds.cumulative()[0] == 1);  // 0.5 ms <= 1 ms
}
