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
#include <string_view>
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
  void record(std::string_view method, std::string_view route, unsigned status);
  // Counts one answer and observes how long it took (routing to handler end;
  // for a stream, until the stream ended).
  void record(std::string_view method, std::string_view route, unsigned status,
              std::chrono::nanoseconds elapsed);
  // Every (method, route, status) seen so far, sorted.
  std::vector<entry> snapshot() const;
  // Every (method, route) latency histogram, sorted.
  std::vector<latency_entry> latency_snapshot() const;

 private:
  // Keys are looked up as views (a known label costs no string copies per
  // request); they are copied only when first seen.
  struct key_less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
    template <class... T>
    static auto view(const std::tuple<T...>& t) {
      return std::apply([](const auto&... e) { return std::tuple{as_view(e)...}; }, t);
    }
    static std::string_view as_view(const std::string& s) { return s; }
    static std::string_view as_view(std::string_view s) { return s; }
    static unsigned as_view(unsigned v) { return v; }
  };
  using count_key = std::tuple<std::string, std::string, unsigned>;
  using latency_key = std::tuple<std::string, std::string>;
  // The counter of (method, route, status), created when missing; mutex_ held.
  std::uint64_t& count_slot(std::string_view method, std::string_view route, unsigned status);
  // That counter and the (method, route) histogram, created when missing; mutex_ held.
  std::pair<std::uint64_t*, histogram*> slots(std::string_view method, std::string_view route,
                                              unsigned status);

  mutable std::mutex mutex_;
  std::map<count_key, std::uint64_t, key_less> counts_;
  std::map<latency_key, histogram, key_less> latency_;
  // The last label set recorded and its slots (map nodes never move): a run
  // of requests to one route costs no map lookups. The views are the keys'.
  struct last_labels {
    std::string_view method, route;
    unsigned status = 0;
    std::uint64_t* count = nullptr;
    histogram* latency = nullptr;
  } last_;
};

}  // namespace studio::http
