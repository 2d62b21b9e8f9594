// spawn_child: a started child runs its program with the given stdio; a failed
// exec reports the error and the forked copy ends with _exit (no atexit handler
// of the parent runs in it); no gateway descriptor reaches the program.
#include "studio/supervisor/spawn_child.hpp"

#include <doctest/doctest.h>
// clang-format off
#include <boost/process/v2/detail/last_error.hpp>  // needed by Boost 1.81's stdio.hpp
#include <boost/process/v2/stdio.hpp>
// clang-format on

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace studio::supervisor;
namespace bp = boost::process::v2;
namespace fs = std::filesystem;

namespace {

struct scratch_dir {
  fs::path path = fs::temp_directory_path() / ("spawn-child-" + std::to_string(::getpid()));
  scratch_dir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~scratch_dir() { fs::remove_all(path); }
};

int wait_status(pid_t pid) {
  int status = -1;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Set before a spawn: a process other than `test_pid` that runs the test's
// atexit handler writes `marker`.
pid_t test_pid = 0;
fs::path marker;
void note_exit_in_copy() {
  if (::getpid() != test_pid && !marker.empty()) std::ofstream(marker) << "exit() ran in the forked copy";
}

}  // namespace

TEST_CASE("spawn_child runs the program with the given stdio and returns its pid") {
  scratch_dir dir;
  auto out_path = dir.path / "out.txt";
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(out >= 0);
  boost::system::error_code ec;
  pid_t pid = spawn_child("/bin/sh", {"-c", "echo hello; ls /proc/self/fd"}, ec,
                          bp::process_stdio{nullptr, out, out});
  ::close(out);
  REQUIRE_FALSE(ec);
  REQUIRE(pid > 0);
  int status = wait_status(pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto text = slurp(out_path);
  CHECK(text.starts_with("hello\n"));
  // ls lists 0, 1, 2 and the directory it reads (3): nothing of this process.
  CHECK(text == "hello\n0\n1\n2\n3\n");
}

TEST_CASE("a failed exec is an error, and the forked copy ends without running exit handlers") {
  scratch_dir dir;
  auto not_a_program = dir.path / "text";
  std::ofstream(not_a_program) << "no shebang, no ELF\n";
  fs::permissions(not_a_program, fs::perms::owner_all);
  test_pid = ::getpid();
  marker = dir.path / "marker";
  static bool registered = (std::atexit(note_exit_in_copy), true);
  (void)registered;

  boost::system::error_code ec;
  pid_t pid = spawn_child(not_a_program, {}, ec);
  CHECK(pid == 0);
  CHECK(ec == boost::system::error_code(ENOEXEC, boost::system::system_category()));
  CHECK_FALSE(fs::exists(marker));

  pid = spawn_child(dir.path / "missing", {}, ec);
  CHECK(pid == 0);
  CHECK(ec == boost::system::error_code(ENOENT, boost::system::system_category()));
  CHECK_FALSE(fs::exists(marker));
  marker.clear();
}
