// histogram: bucket search and cumulative counts (see histogram.hpp).
#include "studio/http/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace studio::http {

void histogram::observe(double value) {
  if (std::isnan(value)) return;
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += value;
}

std::vector<std::uint64_t> histogram::cumulative() const {
  std::vector<std::uint64_t> out(counts_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    running += counts_[i];
    out[i] = running;
  }
  return out;
}

}  // namespace studio::http
