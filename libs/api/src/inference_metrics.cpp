// Per-model inference accounting (see inference_metrics.hpp).
#include "studio/api/inference_metrics.hpp"

namespace studio::api {
namespace {
const std::string other_model = "other";
}  // namespace

void inference_metrics::record(const inference_sample& s) {
  std::lock_guard lock(mutex_);
  auto it = models_.find(s.model);
  if (it == models_.end()) {
    const std::string& key = models_.size() < max_models ? s.model : other_model;
    it = models_.try_emplace(key).first;
  }
  model_state& st = it->second;
  model_totals& t = st.totals;
  ++st.by_status[s.status];
  st.duration.observe(std::chrono::duration<double>(s.duration).count());
  if (s.streamed && s.time_to_first_token.count() > 0)
    st.ttft.observe(std::chrono::duration<double>(s.time_to_first_token).count());
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
  auto it = models_.find(model);
  return it == models_.end() ? model_totals{} : it->second.totals;
}

std::vector<std::string> inference_metrics::models() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, _] : models_) out.push_back(name);
  return out;
}

std::vector<inference_metrics::model_detail> inference_metrics::details() const {
  std::lock_guard lock(mutex_);
  std::vector<model_detail> out;
  out.reserve(models_.size());
  for (const auto& [name, st] : models_) out.push_back({name, st.totals, st.by_status, st.ttft, st.duration});
  return out;
}

}  // namespace studio::api
