// Counts of answered requests by method, route pattern and status, for the
// Prometheus /metrics page. Route patterns (not paths) keep the label set
// bounded; requests that match no route count under "unmatched". Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace studio::http {

class request_metrics {
 public:
  struct entry {
    std::string method;
    std::string route;
    unsigned status = 0;
    std::uint64_t count = 0;
  };
  void record(std::string method, std::string route, unsigned status);
  // Every (method, route, status) seen so far, sorted.
  std::vector<entry> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> counts_;
};

}  // namespace studio::http
