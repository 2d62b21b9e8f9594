// Private: what the proxying routes record per forwarded inference request:
// one inference_sample from the relay's stats, the open-streams gauge, and the
// per-model tokens behind the v2 "performance" figures.
#pragma once

#include "studio/api/inference_metrics.hpp"
#include "studio/api/v2_inference.hpp"
#include "studio/proxy/upstream.hpp"

#include <chrono>
#include <string>

namespace studio::api {

// The sample of one forwarded request (pure).
inline inference_sample sample_from(const proxy::relay_stats& st, std::string model) {
  inference_sample s;
  s.model = std::move(model);
  s.status = st.client_gone ? 499 : st.status;
  s.streamed = st.streamed;
  s.client_gone = st.client_gone;
  s.prompt_tokens = st.prompt_tokens;
  s.completion_tokens = st.completion_tokens;
  if (st.streamed) s.time_to_first_token = st.first_byte;
  s.duration = st.duration;
  return s;
}

// Counts a stream as open (inference_metrics gauge) for its scope.
class open_stream_scope {
 public:
  open_stream_scope(inference_metrics& m, bool stream) : metrics_(stream ? &m : nullptr) {
    if (metrics_) metrics_->stream_opened();
  }
  ~open_stream_scope() {
    if (metrics_) metrics_->stream_closed();
  }
  open_stream_scope(const open_stream_scope&) = delete;
  open_stream_scope& operator=(const open_stream_scope&) = delete;

 private:
  inference_metrics* metrics_;
};

// Records the sample and, for a successful answer with completion tokens,
// the model's generation speed.
inline void record_forwarded(inference_metrics& metrics, model_performance& perf,
                             const proxy::relay_stats& st, const std::string& model) {
  metrics.record(sample_from(st, model));
  if (st.status == 200 && !st.upstream_failed && !st.client_gone && st.completion_tokens &&
      *st.completion_tokens > 0) {
    perf.add(model, *st.completion_tokens, std::chrono::duration<double>(st.duration).count());
  }
}

}  // namespace studio::api
