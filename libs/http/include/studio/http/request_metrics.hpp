// Counts of answered requests by method, route pattern and status, and their
// latency histograms by method and route pattern, for the Prometheus /metrics
// page. Route patterns (not paths) keep the label set bounded; requests that
// match no route count under "unmatched". Thread-safe.
#pragma once

#include "studio/http/histogram.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
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
  struct latency_entry {
    std::string method;
    std::string route;
    histogram seconds;  // buckets: latency_buckets
  };
  // Counts one answer (no latency sample).
  void record(std::string method, std::string route, unsigned status);
  // Counts one answer and observes how long it took (routing to handler end;
  // for a stream, until the stream ended).
  void record(std::string method, std::string route, unsigned status, std::chrono::nanoseconds elapsed);
  // Every (method, route, status) seen so far, sorted.
  std::vector<entry> snapshot() const;
  // Every (method, route) latency histogram, sorted.
  std::vector<latency_entry> latency_snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> counts_;
  std::map<std::pair<std::string, std::string>, histogram> latency_;
};

}  // namespace studio::http
