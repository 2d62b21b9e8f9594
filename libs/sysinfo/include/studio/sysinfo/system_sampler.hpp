// Samples CPU utilisation, memory and GPU memory on a background timer, so a
// metrics request only copies the latest snapshot (never sleeps or blocks).
#pragma once

#include "studio/sysinfo/gpu_info.hpp"
#include "studio/sysinfo/proc_parsers.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

namespace studio::sysinfo {

struct system_snapshot {
  double cpu_utilization = 0;  // percent over the last interval
  core_counts cores;
  std::optional<double> mhz_current, mhz_min, mhz_max;
  std::optional<memory_kb> memory;
  bool gpu_available = false;
  std::vector<gpu_device> gpus;
  std::chrono::system_clock::time_point taken;
};

struct sampler_options {
  std::chrono::milliseconds interval{1000};
  std::filesystem::path proc_root = "/proc";  // injectable for tests
  std::filesystem::path sys_cpu_root = "/sys/devices/system/cpu";
  std::string nvml_path = "libnvidia-ml.so.1";
};

class system_sampler {
 public:
  system_sampler(boost::asio::any_io_executor executor, sampler_options options = {});
  // Takes a first sample now and keeps sampling every interval until stop().
  void start();
  void stop();
  system_snapshot snapshot() const;
  // GPU memory of one process via NVML (see nvml_library::process_memory_bytes). A
  // synchronous NVML query: call it off the I/O threads.
  std::optional<std::uint64_t> process_gpu_memory(int pid) const { return nvml_.process_memory_bytes(pid); }

 private:
  void sample();
  void schedule();

  sampler_options options_;
  boost::asio::steady_timer timer_;
  nvml_library nvml_;
  std::optional<cpu_times> last_times_;
  bool stopped_ = false;
  mutable std::mutex mutex_;
  system_snapshot latest_;
};

}  // namespace studio::sysinfo
