// request_metrics: a counter map and a histogram map under one mutex.
#include "studio/http/request_metrics.hpp"

namespace studio::http {

std::uint64_t& request_metrics::count_slot(std::string_view method, std::string_view route, unsigned status) {
  auto it = counts_.find(std::tuple{method, route, status});
  if (it == counts_.end()) it = counts_.emplace(count_key{method, route, status}, 0).first;
  return it->second;
}

std::pair<std::uint64_t*, histogram*> request_metrics::slots(std::string_view method, std::string_view route,
                                                             unsigned status) {
  if (last_.count != nullptr && last_.status == status && last_.route == route && last_.method == method)
    return {last_.count, last_.latency};
  std::uint64_t& count = count_slot(method, route, status);
  auto lt = latency_.find(std::tuple{method, route});
  if (lt == latency_.end())
    lt = latency_.emplace(latency_key{method, route}, histogram(latency_buckets)).first;
  // The views are the latency key's strings (a map node never moves).
  last_ = {std::get<0>(lt->first), std::get<1>(lt->first), status, &count, &lt->second};
  return {&count, &lt->second};
}

void request_metrics::record(std::string_view method, std::string_view route, unsigned status) {
  std::lock_guard lock(mutex_);
  ++count_slot(method, route, status);  // no latency sample: no histogram for these labels
}

void request_metrics::record(std::string_view method, std::string_view route, unsigned status,
                             std::chrono::nanoseconds elapsed) {
  std::lock_guard lock(mutex_);
  auto [count, latency] = slots(method, route, status);
  ++*count;
  latency->observe(std::chrono::duration<double>(elapsed).count());
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
