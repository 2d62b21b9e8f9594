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

}  // namespace

struct nvml_library::api {
  nvml_return (*init)() = nullptr;
  nvml_return (*shutdown)() = nullptr;
  nvml_return (*count)(unsigned*) = nullptr;
  nvml_return (*handle)(unsigned, nvml_device*) = nullptr;
  nvml_return (*name)(nvml_device, char*, unsigned) = nullptr;
  nvml_return (*memory)(nvml_device, nvml_memory*) = nullptr;
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

}  // namespace studio::sysinfo
