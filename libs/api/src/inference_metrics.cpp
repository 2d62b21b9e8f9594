// Per-model inference accounting (see inference_metrics.hpp).
#include "studio/api/inference_metrics.hpp"

namespace studio::api {
namespace {
const std::string other_model = "other";
}  // namespace

void inference_metrics::record(const inference_sample& s) {
  std::lock_guard lock(mutex_);
  const bool known = totals_.find(s.model) != totals_.end();
  const std::string& key = known || totals_.size() < max_models ? s.model : other_model;
  auto& t = totals_[key];
  auto& st = states_[key];
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
  auto it = totals_.find(model);
  return it == totals_.end() ? model_totals{} : it->second;
}

std::vector<std::string> inference_metrics::models() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, _] : totals_) out.push_back(name);
  return out;
}

std::vector<inference_metrics::model_detail> inference_metrics::details() const {
  std::lock_guard lock(mutex_);
  std::vector<model_detail> out;
  out.reserve(totals_.size());
  for (const auto& [name, totals] : totals_) {
    model_detail d{name, totals, {}};
    if (auto it = states_.find(name); it != states_.end()) {
      d.requests_by_status = it->second.by_status;
      d.time_to_first_token = it->second.ttft;
      d.duration = it->second.duration;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace studio::api
