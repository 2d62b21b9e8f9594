// render_prometheus: families -> text exposition format.
#include "studio/api/prometheus_text.hpp"

#include <array>
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
    std::snprintf(buf.data(), buf.size(), "%.17g", v);
  }
  return buf.data();
}

}  // namespace

std::string render_prometheus(const std::vector<prom_family>& families) {
  std::string out;
  for (const auto& f : families) {
    out += "# HELP " + f.name + " " + escape(f.help, false) + "\n";
    out += "# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& s : f.samples) {
      out += f.name;
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
