// The Prometheus text exposition format (version 0.0.4) for GET /metrics:
// metric families with HELP/TYPE lines and label-escaped samples, histograms
// written as cumulative _bucket{le=...} lines plus _sum and _count. Pure.
#pragma once

#include "studio/http/histogram.hpp"

#include <string>
#include <utility>
#include <vector>

namespace studio::api {

using prom_labels = std::vector<std::pair<std::string, std::string>>;

struct prom_sample {
  prom_labels labels;
  double value = 0;
  std::string suffix;  // appended to the family name: "_bucket", "_sum", "_count" for histograms
};

struct prom_family {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  std::string type;  // "counter", "gauge" or "histogram"
  std::vector<prom_sample> samples;
};

// Appends one histogram's samples (buckets with an "le" label after `labels`, +Inf, _sum,
// _count) to a family of type "histogram".
void add_histogram(prom_family& family, const prom_labels& labels, const http::histogram& h);

// Label values escape backslash, double quote and newline; HELP escapes
// backslash and newline. Values print as integers when whole.
std::string render_prometheus(const std::vector<prom_family>& families);

}  // namespace studio::api
