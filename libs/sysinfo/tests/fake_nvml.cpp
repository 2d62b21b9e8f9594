// A fake libnvidia-ml for tests: one "NVIDIA Fake GPU" with 80 GiB, 4 GiB used.
// Compute processes: the loading process itself with 1.5 GiB, 20 others with
// 1 MiB each (more than a first 16-entry buffer holds) and one whose memory is
// "not available". Built twice: the process query named _v3, and (with
// FAKE_NVML_PROCESSES_V2) named _v2, as older drivers have it.
#include <unistd.h>

#include <cstring>

namespace {
struct memory {
  unsigned long long total, free, used;
};
struct process_info {
  unsigned pid;
  unsigned long long used_gpu_memory;
  unsigned gpu_instance_id, compute_instance_id;
};
int device_tag = 0;
}  // namespace

extern "C" {
int nvmlInit_v2() { return 0; }
int nvmlShutdown() { return 0; }
int nvmlDeviceGetCount_v2(unsigned* count) {
  *count = 1;
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned index, void** device) {
  if (index != 0) return 2;
  *device = &device_tag;
  return 0;
}
int nvmlDeviceGetName(void*, char* name, unsigned length) {
  std::strncpy(name, "NVIDIA Fake GPU", length);
  return 0;
}
int nvmlDeviceGetMemoryInfo(void*, memory* m) {
  m->total = 80ULL << 30;
  m->used = 4ULL << 30;
  m->free = m->total - m->used;
  return 0;
}

#ifdef FAKE_NVML_PROCESSES_V2
int nvmlDeviceGetComputeRunningProcesses_v2(void*, unsigned* count, process_info* infos) {
#else
int nvmlDeviceGetComputeRunningProcesses_v3(void*, unsigned* count, process_info* infos) {
#endif
  constexpr unsigned others = 20;
  constexpr unsigned total = others + 2;
  if (*count < total) {
    *count = total;
    return 7;  // NVML_ERROR_INSUFFICIENT_SIZE
  }
  *count = total;
  const auto self = static_cast<unsigned>(::getpid());
  for (unsigned i = 0; i < others; ++i) infos[i] = {self + 1000 + i, 1ULL << 20, 0, 0};
  infos[others] = {self + 1, ~0ULL, 0, 0};  // NVML_VALUE_NOT_AVAILABLE
  infos[others + 1] = {self, 3ULL << 29, 0, 0};  // 1.5 GiB
  return 0;
}
}
