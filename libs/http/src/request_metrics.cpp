// request_metrics: a counter map and a histogram map under one mutex.
#include "studio/http/request_metrics.hpp"

namespace studio::http {

void request_metrics::count(std::string_view method, std::string_view route, unsigned status) {
  auto it = counts_.find(std::tuple{method, route, status});
  if (it == counts_.end()) it = counts_.emplace(count_key{method, route, status}, 0).first;
  ++it->second;
}

void request_metrics::record(std::string_view method, std::string_view route, unsigned status) {
  std::lock_guard lock(mutex_);
  count(method, route, status);
}

void request_metrics::record(std::string_view method, std::string_view route, unsigned status,
                             std::chrono::nanoseconds elapsed) {
  std::lock_guard lock(mutex_);
  count(method, route, status);
  auto it = latency_.find(std::tuple{method, route});
  if (it == latency_.end()) it = latency_.emplace(latency_key{method, route}, histogram(latency_buckets)).first;
  it->second.observe(std::chrono::duration<double>(elapsed).count());
}

std::vector<request_metrics::entry> request_metrics::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<entry> out;
  out.reserve(counts_.size());
  for (const auto& [key, count] : counts_)
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  return out;
}

std::vector<request_metrics::latency_entry> request_metrics::latency_snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<latency_entry> out;
  out.reserve(latency_.size());
  for (const auto& [key, h] : latency_) out.push_back({std::get<0>(key), std::get<1>(key), h});
  return out;
}

}  // namespace studio::http
