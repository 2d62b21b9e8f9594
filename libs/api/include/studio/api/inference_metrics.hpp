// Per-model inference accounting shared by the proxy routes (which record one
// sample per forwarded request) and GET /metrics + /api/v2 (which read it).
// Thread-safe; record() is cheap (one mutex, a few additions).
#pragma once

#include "studio/http/histogram.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::api {

// What one forwarded inference request did.
struct inference_sample {
  std::string model;    // the name the client asked for (instance or model file)
  unsigned status = 0;  // status the client saw
  bool streamed = false;
  bool client_gone = false;
  std::optional<std::uint64_t> prompt_tokens;        // from usage / timings, when sent
  std::optional<std::uint64_t> completion_tokens;    // from usage / timings, when sent
  std::chrono::microseconds time_to_first_token{0};  // streamed only; 0 when unknown
  std::chrono::microseconds duration{0};             // whole request
};

class inference_metrics {
 public:
  struct model_totals {
    std::uint64_t requests = 0;
    std::uint64_t prompt_tokens = 0;
    std::uint64_t completion_tokens = 0;
    double generation_seconds = 0;  // duration of the requests that reported completion tokens
    double tokens_per_second() const {
      return generation_seconds > 0 ? static_cast<double>(completion_tokens) / generation_seconds : 0;
    }
  };

  // Time-to-first-token buckets in seconds: 5 ms .. 2 min.
  static constexpr double ttft_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                            1,     2.5,  5,     10,   30,  60,   120};
  // Per-model histograms and answers by status, for GET /metrics.
  struct model_detail {
    std::string model;
    model_totals totals;
    std::map<unsigned, std::uint64_t> requests_by_status;
    http::histogram time_to_first_token{ttft_buckets};  // seconds; streamed requests that sent a token
    http::histogram duration{http::latency_buckets};    // seconds; whole request
  };
  // Models beyond this many distinct names are counted under "other" (bounded labels).
  static constexpr std::size_t max_models = 256;

  void record(const inference_sample& sample);
  // Streams currently being relayed (gauge).
  void stream_opened();
  void stream_closed();
  std::uint64_t open_streams() const;

  model_totals totals(std::string_view model) const;
  std::vector<std::string> models() const;
  // Every model's totals, answers by status and histograms, sorted by model.
  std::vector<model_detail> details() const;

 private:
  struct model_state {
    model_totals totals;
    std::map<unsigned, std::uint64_t> by_status;
    http::histogram ttft{ttft_buckets};
    http::histogram duration{http::latency_buckets};
  };
  mutable std::mutex mutex_;
  std::map<std::string, model_state, std::less<>> models_;  // one lookup per sample
  std::uint64_t open_streams_ = 0;
};

}  // namespace studio::api
