// render_prometheus: families -> text exposition format.
#include "studio/api/prometheus_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace studio::api {
namespace {

std::string escape(const std::string& s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buf{};
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf.data(), buf.size(), "%.0f", v);
  } else {
    // Shortest text that reads back as the same double (0.0025, not 0.0025000000000000001).
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size() - 1, v);
    if (ec != std::errc{}) return "NaN";
    *end = '\0';
  }
  return buf.data();
}

}  // namespace

void add_histogram(prom_family& family, const prom_labels& labels, const http::histogram& h) {
  const auto cumulative = h.cumulative();
  const auto bounds = h.bounds();
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    prom_labels with_le = labels;
    with_le.emplace_back("le", i < bounds.size() ? number(bounds[i]) : "+Inf");
    family.samples.push_back({std::move(with_le), static_cast<double>(cumulative[i]), "_bucket"});
  }
  family.samples.push_back({labels, h.sum(), "_sum"});
  family.samples.push_back({labels, static_cast<double>(h.count()), "_count"});
}

std::string render_prometheus(const std::vector<prom_family>& families) {
  std::string out;
  for (const auto& f : families) {
    out += "# HELP " + f.name + " " + escape(f.help, false) + "\n";
    out += "# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& s : f.samples) {
      out += f.name + s.suffix;
      if (!s.labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [k, v] : s.labels) {
          if (!first) out += ',';
          first = false;
          out += k + "=\"" + escape(v, true) + "\"";
        }
        out += '}';
      }
      out += ' ' + number(s.value) + '\n';
    }
  }
  return out;
}

}  // namespace studio::api
