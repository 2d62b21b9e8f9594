// A fake libnvidia-ml for tests: one "NVIDIA Fake GPU" with 80 GiB, 4 GiB used.
#include <cstring>

namespace {
struct memory {
  unsigned long long total, free, used;
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
}
