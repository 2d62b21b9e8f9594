// poll_until, slurp, pid_alive, cpu_seconds, run_queue_seconds, processes_on_port.
#include "studio/test/observe.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <vector>

namespace studio::test {

bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool pid_alive(int pid) {
  auto stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

double cpu_seconds(int pid, bool user_only, int tid) {
  if (pid <= 0) return 0;
  const auto path = "/proc/" + std::to_string(pid) + (tid > 0 ? "/task/" + std::to_string(tid) : "") + "/stat";
  const auto text = slurp(path);
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + (user_only ? 0 : stime)) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double run_queue_seconds(int pid, int tid) {
  if (pid <= 0) return 0;
  std::istringstream fields(slurp("/proc/" + std::to_string(pid) +
                                  (tid > 0 ? "/task/" + std::to_string(tid) : "") + "/schedstat"));
  unsigned long long on_cpu_ns = 0, waiting_ns = 0;
  if (!(fields >> on_cpu_ns >> waiting_ns)) return 0;
  return static_cast<double>(waiting_ns) / 1e9;
}

int processes_on_port(unsigned short port) {
  int count = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::vector<std::string> args;
    for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--port" && args[i + 1] == std::to_string(port) && pid_alive(std::stoi(name))) ++count;
    }
  }
  return count;
}

}  // namespace studio::test
