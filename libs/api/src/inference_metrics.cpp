// Per-model inference accounting (see inference_metrics.hpp).
#include "studio/api/inference_metrics.hpp"

namespace studio::api {

void inference_metrics::record(const inference_sample& s) {
  std::lock_guard lock(mutex_);
  auto& t = totals_[s.model];
  ++t.requests;
  if (s.prompt_tokens) t.prompt_tokens += *s.prompt_tokens;
  if (s.completion_tokens) {
    t.completion_tokens += *s.completion_tokens;
    t.generation_seconds += std::chrono::duration<double>(s.duration).count();
  }
}

void inference_metrics::stream_opened() {
  std::lock_guard lock(mutex_);
  ++open_streams_;
}

void inference_metrics::stream_closed() {
  std::lock_guard lock(mutex_);
  if (open_streams_ > 0) --open_streams_;
}

std::uint64_t inference_metrics::open_streams() const {
  std::lock_guard lock(mutex_);
  return open_streams_;
}

inference_metrics::model_totals inference_metrics::totals(std::string_view model) const {
  std::lock_guard lock(mutex_);
  auto it = totals_.find(model);
  return it == totals_.end() ? model_totals{} : it->second;
}

std::vector<std::string> inference_metrics::models() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, _] : totals_) out.push_back(name);
  return out;
}

}  // namespace studio::api
