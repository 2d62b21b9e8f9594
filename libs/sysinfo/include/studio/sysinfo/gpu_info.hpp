// GPU facts through NVML, loaded at run time with dlopen: no build dependency
// on CUDA, and a machine without the library reports "available": false.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace studio::sysinfo {

struct gpu_device {
  std::string name;
  std::uint64_t memory_total_bytes = 0;
  std::uint64_t memory_used_bytes = 0;
};

class nvml_library {
 public:
  // Loads `path` (default libnvidia-ml.so.1) and initialises NVML; a library
  // that is missing or fails to initialise gives an unavailable object.
  explicit nvml_library(const std::string& path = "libnvidia-ml.so.1");
  ~nvml_library();
  nvml_library(const nvml_library&) = delete;
  nvml_library& operator=(const nvml_library&) = delete;

  bool available() const { return handle_ != nullptr; }
  const std::string& why_unavailable() const { return error_; }

  // One entry per device; empty when unavailable or on a query error.
  std::vector<gpu_device> devices() const;

  // GPU memory the process `pid` uses, summed over devices (its compute contexts, from
  // nvmlDeviceGetComputeRunningProcesses_v3, else _v2). nullopt when NVML is unavailable,
  // lacks both entry points, or lists no memory for the pid -- e.g. a process without a
  // GPU context, or a container whose pid namespace hides the host pids NVML reports.
  std::optional<std::uint64_t> process_memory_bytes(int pid) const;

  struct api;

 private:
  void* handle_ = nullptr;
  std::unique_ptr<api> api_;
  std::string error_;
};

}  // namespace studio::sysinfo
