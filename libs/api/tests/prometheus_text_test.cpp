// The Prometheus text format, checked by parsing it back with a small parser
// written from the exposition-format rules (the whole /metrics page is also
// checked by promtool in integration.v2_api).
#include "studio/api/prometheus_text.hpp"

#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace studio;

namespace {

struct parsed_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses exposition text; FAILs on any line that breaks the format: every
// sample's family has HELP and TYPE before it, families are contiguous, names
// and label names are valid, label values are properly escaped, no duplicate
// label sets, values parse as floats.
std::vector<parsed_sample> parse_exposition(const std::string& text) {
  static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex label_name_re("[a-zA-Z_][a-zA-Z0-9_]*");
  std::vector<parsed_sample> out;
  std::set<std::string> typed, helped, finished, seen;
  std::map<std::string, std::string> types;
  std::string current;
  REQUIRE((text.empty() || text.back() == '\n'));
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    REQUIRE_MESSAGE(!line.empty(), "blank line");
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      REQUIRE(sp != std::string::npos);
      auto name = rest.substr(0, sp);
      REQUIRE(std::regex_match(name, name_re));
      if (name != current) {
        REQUIRE_MESSAGE(!finished.contains(name), "family split: ", name);
        if (!current.empty()) finished.insert(current);
        current = name;
      }
      if (line[2] == 'T') {
        REQUIRE(typed.insert(name).second);
        auto type = rest.substr(sp + 1);
        CHECK((type == "counter" || type == "gauge" || type == "untyped" || type == "histogram"));
        types[name] = type;
      } else {
        REQUIRE(helped.insert(name).second);
      }
      continue;
    }
    REQUIRE_MESSAGE(line[0] != '#', line);
    parsed_sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    REQUIRE(std::regex_match(s.name, name_re));
    const bool histogram_part = types[current] == "histogram" &&
                                (s.name == current + "_bucket" || s.name == current + "_sum" ||
                                 s.name == current + "_count");
    REQUIRE_MESSAGE((s.name == current || histogram_part), "sample outside its family: ", line);
    REQUIRE(typed.contains(current));
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (line.at(i) != '}') {
        auto eq = line.find('=', i);
        REQUIRE(eq != std::string::npos);
        auto label = line.substr(i, eq - i);
        REQUIRE(std::regex_match(label, label_name_re));
        REQUIRE(line.at(eq + 1) == '"');
        std::string value;
        std::size_t j = eq + 2;
        for (;; ++j) {
          char c = line.at(j);
          if (c == '"') break;
          if (c == '\\') {
            char e = line.at(++j);
            REQUIRE_MESSAGE((e == '\\' || e == '"' || e == 'n'), "bad escape in ", line);
            value += e == 'n' ? '\n' : e;
          } else {
            value += c;
          }
        }
        REQUIRE(s.labels.emplace(label, value).second);
        i = j + 1;
        if (line.at(i) == ',') ++i;
      }
      ++i;
    }
    REQUIRE(line.at(i) == ' ');
    auto value = line.substr(i + 1);
    std::size_t used = 0;
    s.value = std::stod(value, &used);
    REQUIRE_MESSAGE(used == value.size(), "bad value in ", line);
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "\x1f" + k + "=" + v;
    REQUIRE_MESSAGE(seen.insert(key).second, "duplicate sample: ", line);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TEST_CASE("prometheus text: HELP/TYPE, labels escaped, values") {
  std::vector<api::prom_family> families{
      {"studio_http_requests_total",
       "HTTP requests\nanswered \\ by route",
       "counter",
       {{{{"method", "GET"}, {"route", "/api/v2/models/{model_id}"}, {"status", "200"}}, 3},
        {{{"method", "POST"}, {"route", "odd \"quoted\\\" \nname"}, {"status", "404"}}, 1}}},
      {"studio_instance_state", "state", "gauge", {{{{"instance", "admin"}, {"state", "running"}}, 1}}},
      {"studio_speed", "no labels", "gauge", {{{}, 12.5}}},
      {"studio_empty_total", "a family without samples", "counter", {}},
  };
  auto text = api::render_prometheus(families);
  auto samples = parse_exposition(text);
  REQUIRE(samples.size() == 4);
  CHECK(samples[0].labels.at("route") == "/api/v2/models/{model_id}");
  CHECK(samples[0].value == 3);
  CHECK(samples[1].labels.at("route") == "odd \"quoted\\\" \nname");
  CHECK(samples[2].name == "studio_instance_state");
  CHECK(samples[3].value == doctest::Approx(12.5));
  CHECK(text.find("studio_http_requests_total{method=\"GET\",route=\"/api/v2/models/"
                  "{model_id}\",status=\"200\"} 3\n") != std::string::npos);
  CHECK(text.find("# HELP studio_http_requests_total HTTP requests\\nanswered \\\\ by route\n") !=
        std::string::npos);
}

TEST_CASE("prometheus text: a histogram has cumulative buckets with le, +Inf, _sum and _count") {
  static constexpr double bounds[] = {0.0025, 0.1, 1};
  http::histogram h(bounds);
  for (double v : {0.001, 0.05, 0.07, 5.0}) h.observe(v);
  api::prom_family f{"studio_x_seconds", "a histogram", "histogram", {}};
  api::add_histogram(f, {{"route", "/a"}}, h);
  api::add_histogram(f, {{"route", "/b"}}, http::histogram(bounds));
  auto text = api::render_prometheus({f});
  auto samples = parse_exposition(text);
  REQUIRE(samples.size() == 2 * (4 + 2));
  CHECK(text.find("studio_x_seconds_bucket{route=\"/a\",le=\"0.0025\"} 1\n") != std::string::npos);
  CHECK(text.find("studio_x_seconds_bucket{route=\"/a\",le=\"0.1\"} 3\n") != std::string::npos);
  CHECK(text.find("studio_x_seconds_bucket{route=\"/a\",le=\"1\"} 3\n") != std::string::npos);
  CHECK(text.find("studio_x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(text.find("studio_x_seconds_sum{route=\"/a\"} 5.121\n") != std::string::npos);
  CHECK(text.find("studio_x_seconds_count{route=\"/a\"} 4\n") != std::string::npos);
  CHECK(text.find("studio_x_seconds_count{route=\"/b\"} 0\n") != std::string::npos);
}
