// poll_until, slurp, pid_alive, processes_on_port.
#include "studio/test/observe.hpp"

#include <fstream>
#include <iterator>
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
