// NVML through dlopen: the handful of entry points the metrics need.
#include "studio/sysinfo/gpu_info.hpp"

#include <dlfcn.h>

#include <cstring>

namespace studio::sysinfo {
namespace {

using nvml_return = int;  // nvmlReturn_t; 0 is NVML_SUCCESS
using nvml_device = void*;
struct nvml_memory {
  unsigned long long total, free, used;
};
// nvmlProcessInfo_t as the _v2 and _v3 process queries take it.
struct nvml_process_info {
  unsigned pid;
  unsigned long long used_gpu_memory;
  unsigned gpu_instance_id, compute_instance_id;
};
constexpr nvml_return nvml_insufficient_size = 7;                // NVML_ERROR_INSUFFICIENT_SIZE
constexpr unsigned long long nvml_value_not_available = ~0ULL;  // NVML_VALUE_NOT_AVAILABLE

}  // namespace

struct nvml_library::api {
  nvml_return (*init)() = nullptr;
  nvml_return (*shutdown)() = nullptr;
  nvml_return (*count)(unsigned*) = nullptr;
  nvml_return (*handle)(unsigned, nvml_device*) = nullptr;
  nvml_return (*name)(nvml_device, char*, unsigned) = nullptr;
  nvml_return (*memory)(nvml_device, nvml_memory*) = nullptr;
  // Optional: nvmlDeviceGetComputeRunningProcesses_v3, else _v2 (same struct).
  nvml_return (*processes)(nvml_device, unsigned*, nvml_process_info*) = nullptr;
};

nvml_library::nvml_library(const std::string& path) : api_(std::make_unique<api>()) {
  handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* e = ::dlerror();
    error_ = e != nullptr ? e : "cannot load " + path;
    return;
  }
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(handle_, name));
    return fn != nullptr;
  };
  bool ok = sym(api_->init, "nvmlInit_v2") && sym(api_->shutdown, "nvmlShutdown") &&
            sym(api_->count, "nvmlDeviceGetCount_v2") && sym(api_->handle, "nvmlDeviceGetHandleByIndex_v2") &&
            sym(api_->name, "nvmlDeviceGetName") && sym(api_->memory, "nvmlDeviceGetMemoryInfo");
  if (ok && !sym(api_->processes, "nvmlDeviceGetComputeRunningProcesses_v3"))
    sym(api_->processes, "nvmlDeviceGetComputeRunningProcesses_v2");
  if (!ok) {
    error_ = "NVML library lacks an expected symbol";
  } else if (api_->init() != 0) {
    error_ = "nvmlInit failed";
    ok = false;
  }
  if (!ok) {
    ::dlclose(handle_);
    handle_ = nullptr;
  }
}

nvml_library::~nvml_library() {
  if (handle_ != nullptr) {
    api_->shutdown();
    ::dlclose(handle_);
  }
}

std::vector<gpu_device> nvml_library::devices() const {
  std::vector<gpu_device> out;
  if (handle_ == nullptr) return out;
  unsigned count = 0;
  if (api_->count(&count) != 0) return out;
  for (unsigned i = 0; i < count && i < 64; ++i) {
    nvml_device dev = nullptr;
    if (api_->handle(i, &dev) != 0) continue;
    char name[96] = {};
    gpu_device d;
    if (api_->name(dev, name, sizeof name) == 0) d.name = std::string(name, ::strnlen(name, sizeof name));
    nvml_memory mem{};
    if (api_->memory(dev, &mem) == 0) {
      d.memory_total_bytes = mem.total;
      d.memory_used_bytes = mem.used;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::optional<std::uint64_t> nvml_library::process_memory_bytes(int pid) const {
  if (handle_ == nullptr || api_->processes == nullptr || pid <= 0) return std::nullopt;
  unsigned count = 0;
  if (api_->count(&count) != 0) return std::nullopt;
  std::optional<std::uint64_t> total;
  for (unsigned i = 0; i < count && i < 64; ++i) {
    nvml_device dev = nullptr;
    if (api_->handle(i, &dev) != 0) continue;
    // The list can grow between the size query and the read: retry a few times with room to spare.
    std::vector<nvml_process_info> infos(16);
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto n = static_cast<unsigned>(infos.size());
      auto rc = api_->processes(dev, &n, infos.data());
      if (rc == nvml_insufficient_size && n > infos.size() && n <= 65536) {
        infos.resize(n + 8);
        continue;
      }
      if (rc != 0) break;
      for (unsigned k = 0; k < n && k < infos.size(); ++k) {
        if (static_cast<int>(infos[k].pid) != pid || infos[k].used_gpu_memory == nvml_value_not_available)
          continue;
        total = total.value_or(0) + infos[k].used_gpu_memory;
      }
      break;
    }
  }
  return total;
}

}  // namespace studio::sysinfo
