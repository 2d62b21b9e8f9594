// system_sampler: reads /proc and cpufreq, and queries NVML, once per interval.
#include "studio/sysinfo/system_sampler.hpp"

#include <fstream>
#include <sstream>

namespace studio::sysinfo {
namespace {

// Small procfs/sysfs files: read whole; empty when unreadable.
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

system_sampler::system_sampler(boost::asio::any_io_executor executor, sampler_options options)
    : options_(std::move(options)), timer_(executor), nvml_(options_.nvml_path) {
  // Static facts, read once.
  latest_.cores = parse_cpuinfo(slurp(options_.proc_root / "cpuinfo"));
  latest_.mhz_min = parse_khz_as_mhz(slurp(options_.sys_cpu_root / "cpu0/cpufreq/cpuinfo_min_freq"));
  latest_.mhz_max = parse_khz_as_mhz(slurp(options_.sys_cpu_root / "cpu0/cpufreq/cpuinfo_max_freq"));
  latest_.gpu_available = nvml_.available();
}

void system_sampler::start() {
  stopped_ = false;
  sample();
  schedule();
}

void system_sampler::stop() {
  stopped_ = true;
  timer_.cancel();
}

void system_sampler::schedule() {
  timer_.expires_after(options_.interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    sample();
    schedule();
  });
}

void system_sampler::sample() {
  auto times = parse_proc_stat(slurp(options_.proc_root / "stat"));
  auto memory = parse_meminfo(slurp(options_.proc_root / "meminfo"));
  auto mhz = parse_khz_as_mhz(slurp(options_.sys_cpu_root / "cpu0/cpufreq/scaling_cur_freq"));
  if (!mhz) mhz = parse_cpuinfo(slurp(options_.proc_root / "cpuinfo")).mhz;
  auto gpus = nvml_.devices();

  std::lock_guard lock(mutex_);
  // A sample in which no CPU time passed carries no news: keep the last figure.
  if (times && last_times_ && times->total > last_times_->total) {
    latest_.cpu_utilization = cpu_utilization(*last_times_, *times);
  }
  if (times && (!last_times_ || times->total > last_times_->total)) last_times_ = times;
  latest_.memory = memory;
  latest_.mhz_current = mhz;
  latest_.gpus = std::move(gpus);
  latest_.taken = std::chrono::system_clock::now();
}

system_snapshot system_sampler::snapshot() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

}  // namespace studio::sysinfo
