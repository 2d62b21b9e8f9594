// Parsers for /proc/stat, /proc/meminfo, /proc/cpuinfo and cpufreq values.
#include "studio/sysinfo/proc_parsers.hpp"

#include <charconv>
#include <set>
#include <string>
#include <utility>

namespace studio::sysinfo {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "Key: value" -> value (trimmed) when the line's key is `key`.
std::optional<std::string_view> value_of(std::string_view line, std::string_view key) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || trim(line.substr(0, colon)) != key) return std::nullopt;
  return trim(line.substr(colon + 1));
}

}  // namespace

std::optional<cpu_times> parse_proc_stat(std::string_view text) {
  std::optional<cpu_times> out;
  for_each_line(text, [&](std::string_view line) {
    if (out || !line.starts_with("cpu ")) return;
    line.remove_prefix(4);
    cpu_times t;
    int index = 0;
    while (true) {
      line = trim(line);
      if (line.empty()) break;
      auto sp = line.find(' ');
      auto v = to_u64(line.substr(0, sp));
      if (!v) return;
      // user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
      if (index < 8) t.total += *v;
      if (index == 3 || index == 4) t.idle += *v;
      ++index;
      if (sp == std::string_view::npos) break;
      line.remove_prefix(sp);
    }
    if (index >= 4) out = t;
  });
  return out;
}

double cpu_utilization(const cpu_times& before, const cpu_times& after) {
  if (after.total <= before.total) return 0;
  double total = static_cast<double>(after.total - before.total);
  double idle = after.idle >= before.idle ? static_cast<double>(after.idle - before.idle) : 0;
  double busy = (total - idle) / total * 100.0;
  return busy < 0 ? 0 : (busy > 100 ? 100 : busy);
}

std::optional<memory_kb> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> total, available, free, buffers, cached;
  for_each_line(text, [&](std::string_view line) {
    auto field = [&](std::string_view key, std::optional<std::uint64_t>& into) {
      if (auto v = value_of(line, key)) {
        auto num = v->substr(0, v->find(' '));
        into = to_u64(num);
      }
    };
    field("MemTotal", total);
    field("MemAvailable", available);
    field("MemFree", free);
    field("Buffers", buffers);
    field("Cached", cached);
  });
  if (!total) return std::nullopt;
  memory_kb m{*total, 0};
  if (available) {
    m.available = *available;
  } else if (free) {
    m.available = *free + buffers.value_or(0) + cached.value_or(0);
  }
  if (m.available > m.total) m.available = m.total;
  return m;
}

core_counts parse_cpuinfo(std::string_view text) {
  core_counts c;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id;
  for_each_line(text, [&](std::string_view line) {
    if (value_of(line, "processor")) ++c.logical;
    if (auto v = value_of(line, "physical id")) physical_id = std::string(*v);
    if (auto v = value_of(line, "core id")) cores.emplace(physical_id, std::string(*v));
    if (auto v = value_of(line, "cpu MHz"); v && !c.mhz) {
      try {
        c.mhz = std::stod(std::string(*v));
      } catch (const std::exception&) {
      }
    }
  });
  c.physical = cores.empty() ? c.logical : static_cast<unsigned>(cores.size());
  return c;
}

std::optional<double> parse_khz_as_mhz(std::string_view text) {
  auto v = to_u64(trim(text));
  if (!v) return std::nullopt;
  return static_cast<double>(*v) / 1000.0;
}

}  // namespace studio::sysinfo
