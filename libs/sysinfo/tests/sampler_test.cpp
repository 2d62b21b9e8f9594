// The sampler on a real io_context over a fake /proc, and NVML via dlopen.
#include "studio/sysinfo/system_sampler.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <unistd.h>

using namespace studio::sysinfo;
using namespace std::chrono_literals;

namespace {
struct fake_proc {
  std::filesystem::path root = std::filesystem::temp_directory_path() /
                               ("studio-sysinfo-" + std::to_string(::getpid()));
  fake_proc() {
    std::filesystem::create_directories(root / "proc");
    std::filesystem::create_directories(root / "sys/cpu0/cpufreq");
    write("proc/stat", "cpu  100 0 100 700 100 0 0 0 0 0\n");
    write("proc/meminfo", "MemTotal: 8192000 kB\nMemAvailable: 2048000 kB\n");
    write("proc/cpuinfo", "processor : 0\ncore id : 0\nprocessor : 1\ncore id : 1\n");
    write("sys/cpu0/cpufreq/cpuinfo_min_freq", "800000\n");
    write("sys/cpu0/cpufreq/cpuinfo_max_freq", "4000000\n");
    write("sys/cpu0/cpufreq/scaling_cur_freq", "2500000\n");
  }
  ~fake_proc() { std::filesystem::remove_all(root); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; }
};
}  // namespace

TEST_CASE("the sampler reports utilisation between samples, memory, cores and frequency") {
  fake_proc proc;
  boost::asio::io_context ioc;
  system_sampler sampler(ioc.get_executor(), {.interval = 10ms,
                                               .proc_root = proc.root / "proc",
                                               .sys_cpu_root = proc.root / "sys",
                                               .nvml_path = "libstudio-no-such-nvml.so"});
  sampler.start();
  auto first = sampler.snapshot();
  CHECK(first.cpu_utilization == 0);
  CHECK(first.cores.logical == 2);
  CHECK(first.cores.physical == 2);
  CHECK(first.mhz_min == doctest::Approx(800.0));
  CHECK(first.mhz_max == doctest::Approx(4000.0));
  CHECK(first.mhz_current == doctest::Approx(2500.0));
  REQUIRE(first.memory.has_value());
  CHECK(first.memory->total == 8192000);
  CHECK_FALSE(first.gpu_available);

  proc.write("proc/stat", "cpu  400 0 100 800 100 0 0 0 0 0\n");
  ioc.run_for(200ms);  // several intervals
  sampler.stop();
  CHECK(sampler.snapshot().cpu_utilization == doctest::Approx(75.0));
}

TEST_CASE("NVML is loaded at run time; a missing library is 'unavailable', not an error") {
  nvml_library missing("libstudio-no-such-nvml.so");
  CHECK_FALSE(missing.available());
  CHECK_FALSE(missing.why_unavailable().empty());
  CHECK(missing.devices().empty());

  nvml_library fake(FAKE_NVML_PATH);
  REQUIRE(fake.available());
  auto devices = fake.devices();
  REQUIRE(devices.size() == 1);
  CHECK(devices[0].name == "NVIDIA Fake GPU");
  CHECK(devices[0].memory_total_bytes == (80ULL << 30));
  CHECK(devices[0].memory_used_bytes == (4ULL << 30));
}

TEST_CASE("NVML per-process GPU memory: the pid's compute memory, _v3 or _v2, nullopt when unknown") {
  for (const char* path : {FAKE_NVML_PATH, FAKE_NVML_V2_PATH}) {
    CAPTURE(path);
    nvml_library fake(path);
    REQUIRE(fake.available());
    // 22 processes: more than the first buffer holds, so the query is retried with room.
    CHECK(fake.process_memory_bytes(::getpid()) == (3ULL << 29));
    CHECK(fake.process_memory_bytes(::getpid() + 1000) == (1ULL << 20));
    CHECK_FALSE(fake.process_memory_bytes(::getpid() + 1));  // NVML_VALUE_NOT_AVAILABLE
    CHECK_FALSE(fake.process_memory_bytes(::getpid() + 500));  // not listed
    CHECK_FALSE(fake.process_memory_bytes(0));
  }
  nvml_library missing("libstudio-no-such-nvml.so");
  CHECK_FALSE(missing.process_memory_bytes(::getpid()));

  boost::asio::io_context ioc;
  system_sampler sampler(ioc.get_executor(), {.nvml_path = FAKE_NVML_PATH});
  CHECK(sampler.process_gpu_memory(::getpid()) == (3ULL << 29));
}
