// Pidfiles and the start-up clean-up of leftover children (see pidfile.hpp).
#include "studio/supervisor/pidfile.hpp"

#include <unistd.h>
#include <csignal>
#include <fstream>
#include <sstream>

namespace studio::supervisor {
namespace fs = std::filesystem;

bool write_pidfile(const fs::path& file, const pidfile_entry& entry) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  auto temp = file;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << entry.pid << '\n' << entry.executable.string() << '\n' << entry.port << '\n';
    if (!out.flush()) return false;
  }
  fs::rename(temp, file, ec);
  return !ec;
}

bool read_pidfile(const fs::path& file, pidfile_entry& entry) {
  std::ifstream in(file);
  std::string pid, exe, port;
  if (!std::getline(in, pid) || !std::getline(in, exe) || !std::getline(in, port)) return false;
  try {
    entry.pid = static_cast<pid_t>(std::stol(pid));
    entry.executable = exe;
    entry.port = static_cast<unsigned short>(std::stoul(port));
  } catch (const std::exception&) {
    return false;
  }
  return entry.pid > 1;
}

void remove_pidfile(const fs::path& file) {
  std::error_code ec;
  fs::remove(file, ec);
}

bool is_our_child(const pidfile_entry& entry) {
  auto proc = fs::path("/proc") / std::to_string(entry.pid);
  std::error_code ec;
  auto exe = fs::read_symlink(proc / "exe", ec);
  if (ec) return false;
  auto expected = fs::weakly_canonical(entry.executable, ec);
  if (ec || exe != expected) return false;
  std::ifstream in(proc / "cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--port" && args[i + 1] == std::to_string(entry.port)) return true;
  }
  return false;
}

leftover_report kill_leftovers(const fs::path& run_dir) {
  leftover_report report;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(run_dir, ec)) {
    if (item.path().extension() != ".pid") continue;
    auto name = item.path().stem().string();
    pidfile_entry entry;
    if (!read_pidfile(item.path(), entry)) {
      report.skipped.push_back(name + ": unreadable pidfile");
    } else if (!is_our_child(entry)) {
      report.skipped.push_back(name + " (pid " + std::to_string(entry.pid) + "): not our child");
    } else {
      // The child leads its own group; kill the group when that still holds.
      if (::getpgid(entry.pid) == entry.pid)
        ::kill(-entry.pid, SIGKILL);
      else
        ::kill(entry.pid, SIGKILL);
      report.killed.push_back(name + " (pid " + std::to_string(entry.pid) + ")");
    }
    remove_pidfile(item.path());
  }
  return report;
}

}  // namespace studio::supervisor
