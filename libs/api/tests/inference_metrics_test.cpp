// inference_metrics: per-model totals, answers by status, TTFT and duration
// histograms, the open-streams gauge, and the bound on distinct model labels.
#include "studio/api/inference_metrics.hpp"

#include <doctest/doctest.h>

using namespace studio::api;
using namespace std::chrono_literals;

namespace {

inference_sample sample(std::string model, unsigned status, bool streamed, std::chrono::microseconds ttft,
                        std::chrono::microseconds duration, std::optional<std::uint64_t> completion = std::nullopt) {
  inference_sample s;
  s.model = std::move(model);
  s.status = status;
  s.streamed = streamed;
  s.time_to_first_token = ttft;
  s.duration = duration;
  s.prompt_tokens = 10;
  s.completion_tokens = completion;
  return s;
}

}  // namespace

TEST_CASE("inference_metrics: totals, status counts and histograms per model") {
  inference_metrics m;
  m.record(sample("a", 200, true, 20ms, 1s, 50));
  m.record(sample("a", 200, false, 0us, 500ms, 50));
  m.record(sample("a", 499, true, 0us, 3ms));  // client gone before the first token: no TTFT sample
  m.record(sample("b", 503, false, 0us, 1ms));
  auto details = m.details();
  REQUIRE(details.size() == 2);
  const auto& a = details[0];
  CHECK(a.model == "a");
  CHECK(a.totals.requests == 3);
  CHECK(a.totals.prompt_tokens == 30);
  CHECK(a.totals.completion_tokens == 100);
  CHECK(a.totals.tokens_per_second() == doctest::Approx(100 / 1.5));
  CHECK(a.requests_by_status == std::map<unsigned, std::uint64_t>{{200, 2}, {499, 1}});
  CHECK(a.time_to_first_token.count() == 1);
  CHECK(a.time_to_first_token.sum() == doctest::Approx(0.02));
  CHECK(a.duration.count() == 3);
  CHECK(details[1].model == "b");
  CHECK(details[1].time_to_first_token.count() == 0);

  m.stream_opened();
  m.stream_opened();
  m.stream_closed();
  CHECK(m.open_streams() == 1);
  m.stream_closed();
  m.stream_closed();  // never below zero
  CHECK(m.open_streams() == 0);
}

TEST_CASE("inference_metrics: models past the bound count under \"other\"") {
  inference_metrics m;
  for (std::size_t i = 0; i < inference_metrics::max_models + 10; ++i)
    m.record(sample("m" + std::to_string(i), 200, false, 0us, 1ms));
  m.record(sample("m0", 200, false, 0us, 1ms));  // a known model keeps its own label
  auto details = m.details();
  CHECK(details.size() == inference_metrics::max_models + 1);
  CHECK(m.totals("other").requests == 10);
  CHECK(m.totals("m0").requests == 2);
}
