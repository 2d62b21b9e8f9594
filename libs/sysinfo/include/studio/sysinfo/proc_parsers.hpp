// Pure parsers for the Linux files the system metrics come from
// (/proc/stat, /proc/meminfo, /proc/cpuinfo, cpufreq). Tested on sample text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace studio::sysinfo {

struct cpu_times {
  std::uint64_t total = 0;  // all jiffies of the aggregate "cpu" line
  std::uint64_t idle = 0;   // idle + iowait
};

// The aggregate "cpu " line of /proc/stat; nullopt if absent or malformed.
std::optional<cpu_times> parse_proc_stat(std::string_view text);

// Busy share between two samples, 0..100; 0 when no time passed.
double cpu_utilization(const cpu_times& before, const cpu_times& after);

struct memory_kb {
  std::uint64_t total = 0;
  std::uint64_t available = 0;
};

// MemTotal and MemAvailable (falls back to MemFree + Buffers + Cached).
std::optional<memory_kb> parse_meminfo(std::string_view text);

struct core_counts {
  unsigned logical = 0;   // "processor" entries
  unsigned physical = 0;  // distinct (physical id, core id); = logical when absent
  std::optional<double> mhz;  // first "cpu MHz"
};

core_counts parse_cpuinfo(std::string_view text);

// A cpufreq file's value (kHz) as MHz.
std::optional<double> parse_khz_as_mhz(std::string_view text);

}  // namespace studio::sysinfo
