// The Prometheus text exposition format (version 0.0.4) for GET /metrics:
// metric families with HELP/TYPE lines and label-escaped samples. Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace studio::api {

struct prom_sample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct prom_family {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  std::string type;  // "counter" or "gauge"
  std::vector<prom_sample> samples;
};

// Label values escape backslash, double quote and newline; HELP escapes
// backslash and newline. Values print as integers when whole.
std::string render_prometheus(const std::vector<prom_family>& families);

}  // namespace studio::api
