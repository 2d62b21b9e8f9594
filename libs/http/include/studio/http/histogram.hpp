// A fixed-bucket histogram in the Prometheus style: one count per upper bound
// ("le"), plus the count and sum of all observations. Plain value type, not
// thread-safe: its owner locks. The bucket bounds are static arrays chosen by
// the owner, so every histogram of one metric has the same buckets.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace studio::http {

class histogram {
 public:
  // `bounds`: strictly increasing upper bounds; the implicit +Inf bucket follows them.
  // The span must outlive the histogram (pass a static array).
  explicit histogram(std::span<const double> bounds) : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

  // Counts `value` in the first bucket whose bound is >= value (+Inf when none).
  void observe(double value);

  std::span<const double> bounds() const { return bounds_; }
  // Cumulative counts, one per bound then +Inf (the last equals count()).
  std::vector<std::uint64_t> cumulative() const;
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::span<const double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// Request latencies in seconds: 1 ms .. 5 min (a stream counts until it ends).
inline constexpr double latency_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,      2.5,   5,    10,    30,   60,  300};

}  // namespace studio::http
