// Per-model inference accounting shared by the proxy routes (which record one
// sample per forwarded request) and GET /metrics + /api/v2 (which read it).
// Thread-safe; record() is cheap (one mutex, a few additions).
#pragma once

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
  std::string model;       // the name the client asked for (instance or model file)
  std::string endpoint;    // "/v1/chat/completions", "/api/admin/llm/chat", ...
  unsigned status = 0;     // status the client saw
  bool streamed = false;
  bool client_gone = false;
  std::optional<std::uint64_t> prompt_tokens;      // from usage / timings, when sent
  std::optional<std::uint64_t> completion_tokens;  // from usage / timings, when sent
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

  void record(const inference_sample& sample);
  // Streams currently being relayed (gauge).
  void stream_opened();
  void stream_closed();
  std::uint64_t open_streams() const;

  model_totals totals(std::string_view model) const;
  std::vector<std::string> models() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, model_totals, std::less<>> totals_;
  std::uint64_t open_streams_ = 0;
};

}  // namespace studio::api
