// Pidfiles: round trip, and the leftover clean-up never touching a stranger.
#include "studio/supervisor/pidfile.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <fstream>

using namespace studio::supervisor;
namespace fs = std::filesystem;

namespace {
struct run_dir {
  fs::path path = fs::temp_directory_path() / ("supervisor-run-" + std::to_string(::getpid()));
  run_dir() { fs::remove_all(path); }
  ~run_dir() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("a pidfile round-trips") {
  run_dir dir;
  auto file = dir.path / "admin.pid";
  REQUIRE(write_pidfile(file, {1234, "/opt/llama-server", 8080}));
  pidfile_entry entry;
  REQUIRE(read_pidfile(file, entry));
  CHECK(entry.pid == 1234);
  CHECK(entry.executable == "/opt/llama-server");
  CHECK(entry.port == 8080);
  remove_pidfile(file);
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("a live process that is not our child is left alone; its pidfile goes") {
  run_dir dir;
  // This test process: alive, but neither the named executable nor started with --port.
  REQUIRE(write_pidfile(dir.path / "stranger.pid", {::getpid(), "/opt/llama-server", 8080}));
  auto self = fs::read_symlink("/proc/self/exe");
  REQUIRE(write_pidfile(dir.path / "same-exe.pid", {::getpid(), self, 8080}));
  std::ofstream(dir.path / "garbage.pid") << "not a pid\n";
  CHECK_FALSE(is_our_child({::getpid(), self, 8080}));
  auto report = kill_leftovers(dir.path);
  CHECK(report.killed.empty());
  CHECK(report.skipped.size() == 3);
  CHECK(fs::is_empty(dir.path));
}
