// request_metrics: a counter map under a mutex.
#include "studio/http/request_metrics.hpp"

namespace studio::http {

void request_metrics::record(std::string method, std::string route, unsigned status) {
  std::lock_guard lock(mutex_);
  ++counts_[{std::move(method), std::move(route), status}];
}

std::vector<request_metrics::entry> request_metrics::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<entry> out;
  out.reserve(counts_.size());
  for (const auto& [key, count] : counts_)
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  return out;
}

}  // namespace studio::http
