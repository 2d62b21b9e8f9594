// A child process for integration tests: fork+exec with argv, extra
// environment and working directory; stdout and stderr captured line by line.
//
// The child leads its own process group and gets PR_SET_PDEATHSIG(SIGKILL), so
// it dies with the test process. The destructor stops the whole group (SIGTERM,
// up to ~2 s, then SIGKILL) and always reaps: nothing outlives a test.
//
// Threads: one reader thread drains the output pipe, one reaper thread waits
// for the exit (the only place that calls waitpid). Every wait has a timeout
// and blocks on a condition variable, never in a sleep loop.
// Create and destroy a child_process on the same thread: PR_SET_PDEATHSIG fires
// when the thread that forked it ends.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace studio::test {

using env_list = std::vector<std::pair<std::string, std::string>>;
using line_predicate = std::function<bool(std::string_view line)>;

// How a process ended: an exit code, or the signal that killed it.
struct exit_status {
  bool signaled = false;
  int code = 0;    // exit code when !signaled
  int signal = 0;  // signal number when signaled

  bool exited_with(int c) const { return !signaled && code == c; }
  bool killed_by(int s) const { return signaled && signal == s; }
  std::string describe() const;  // "exit code 1" / "signal 9 (Killed)"
};

struct process_options {
  std::vector<std::string> args;  // argv[1..]
  env_list env;                   // added to (or overriding) the parent's environment
  std::filesystem::path cwd;      // empty: the parent's working directory
};

class child_process {
 public:
  // Starts `binary`. Throws std::system_error when fork or pipe fail; when exec
  // fails the child writes the reason to its output and exits with 127.
  child_process(const std::filesystem::path& binary, process_options options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }

  // The first output line at index >= from_line that matches; nullopt after
  // `timeout`, or once the output has ended without a match.
  std::optional<std::string> wait_for_line(const std::regex& pattern, std::chrono::milliseconds timeout,
                                           std::size_t from_line = 0);
  std::optional<std::string> wait_for_line(const line_predicate& matches, std::chrono::milliseconds timeout,
                                           std::size_t from_line = 0);

  // Waits until the output pipe has closed (all of it has been captured);
  // false after `timeout`.
  bool wait_output_end(std::chrono::milliseconds timeout);

  // Complete lines captured so far, and all output (including a partial last line).
  std::size_t line_count() const;
  std::vector<std::string> lines() const;
  std::string output() const;

  // Sends `sig` to the child's process group (no-op once it has been reaped).
  void send_signal(int sig);
  // Sends `sig`, then waits for the exit. nullopt if it is still alive after `timeout`.
  std::optional<exit_status> terminate(int sig, std::chrono::milliseconds timeout);
  // Waits for the exit; nullopt after `timeout`.
  // Also waits (up to 2 s) until its output has been captured.
  std::optional<exit_status> wait_exit(std::chrono::milliseconds timeout);
  bool running() const;

 private:
  void read_output();
  void reap();
  void stop_threads();

  pid_t pid_ = -1;
  int output_fd_ = -1;   // read end of the child's stdout+stderr pipe
  int wake_write_ = -1;  // self-pipe that tells the reader to stop
  int wake_read_ = -1;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::string partial_;
  bool output_ended_ = false;
  std::optional<exit_status> status_;

  std::thread reader_;
  std::thread reaper_;
};

}  // namespace studio::test
