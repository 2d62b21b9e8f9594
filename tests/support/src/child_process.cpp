// child_process: fork+exec, output capture thread, reaper thread.
#include "studio/test/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <system_error>

extern char** environ;

namespace studio::test {
namespace {

std::system_error sys_error(const char* what) {
  return std::system_error(errno, std::generic_category(), what);
}

// "K=V" strings: the parent's environment with `extra` applied on top.
std::vector<std::string> merged_environment(const env_list& extra) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) {
      vars[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    }
  }
  for (const auto& [key, value] : extra) vars[key] = value;
  std::vector<std::string> out;
  for (const auto& [key, value] : vars) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

exit_status decode_wait_status(int status) {
  exit_status out;
  if (WIFSIGNALED(status)) {
    out.signaled = true;
    out.signal = WTERMSIG(status);
  } else {
    out.code = WEXITSTATUS(status);
  }
  return out;
}

}  // namespace

std::string exit_status::describe() const {
  if (signaled) return "signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  return "exit code " + std::to_string(code);
}

child_process::child_process(const std::filesystem::path& binary, process_options options) {
  std::vector<std::string> argv_strings{binary.string()};
  for (auto& a : options.args) argv_strings.push_back(std::move(a));
  std::vector<std::string> env_strings = merged_environment(options.env);
  std::vector<char*> argv = c_array(argv_strings);
  std::vector<char*> envp = c_array(env_strings);
  const std::string cwd = options.cwd.string();
  const std::string exec_failed = "child_process: cannot execute " + binary.string() + "\n";
  const std::string chdir_failed = "child_process: cannot chdir to " + cwd + "\n";

  std::array<int, 2> out{};
  std::array<int, 2> wake{};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) throw sys_error("pipe2");
  if (::pipe2(wake.data(), O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw sys_error("pipe2");
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    for (int fd : {out[0], out[1], wake[0], wake[1], null_fd}) ::close(fd);
    errno = saved;
    throw sys_error("fork");
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      write_all(2, chdir_failed);
      ::_exit(127);
    }
    ::execve(argv[0], argv.data(), envp.data());
    write_all(2, exec_failed);
    ::_exit(127);
  }

  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins
  ::close(out[1]);
  if (null_fd >= 0) ::close(null_fd);
  pid_ = pid;
  output_fd_ = out[0];
  wake_read_ = wake[0];
  wake_write_ = wake[1];
  reader_ = std::thread([this] { read_output(); });
  reaper_ = std::thread([this] { reap(); });
}

child_process::~child_process() {
  if (running()) {
    send_signal(SIGTERM);
    if (!wait_exit(std::chrono::seconds(2))) {
      send_signal(SIGKILL);
      wait_exit(std::chrono::seconds(10));
    }
  }
  stop_threads();
}

void child_process::stop_threads() {
  if (reaper_.joinable()) reaper_.join();
  // Output normally ends with the group; don't hang on a stray holder of the pipe.
  wait_output_end(std::chrono::seconds(2));
  write_all(wake_write_, "x");
  if (reader_.joinable()) reader_.join();
  for (int fd : {output_fd_, wake_read_, wake_write_}) {
    if (fd >= 0) ::close(fd);
  }
}

void child_process::read_output() {
  std::array<char, 4096> buffer{};
  for (;;) {
    std::array<pollfd, 2> fds{pollfd{output_fd_, POLLIN, 0}, pollfd{wake_read_, POLLIN, 0}};
    int ready = ::poll(fds.data(), fds.size(), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || fds[1].revents != 0) break;
    ssize_t n = ::read(output_fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      if (!partial_.empty()) lines_.push_back(std::exchange(partial_, {}));
      output_ended_ = true;
      changed_.notify_all();
      break;
    }
    partial_.append(buffer.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
      lines_.push_back(partial_.substr(start, nl - start));
      start = nl + 1;
    }
    partial_.erase(0, start);
    changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  output_ended_ = true;
  changed_.notify_all();
}

void child_process::reap() {
  // Wait without reaping, so that while the mutex is held pid_ still names our
  // (zombie) child and its process group id cannot be reused.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  ::kill(-pid_, SIGKILL);  // the leader is gone: no member of its group may stay behind
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = decode_wait_status(status);
  changed_.notify_all();
}

std::optional<std::string> child_process::wait_for_line(const std::regex& pattern,
                                                        std::chrono::milliseconds timeout,
                                                        std::size_t from_line) {
  return wait_for_line(
      [&](std::string_view line) { return std::regex_search(line.begin(), line.end(), pattern); }, timeout,
      from_line);
}

std::optional<std::string> child_process::wait_for_line(const line_predicate& matches,
                                                        std::chrono::milliseconds timeout,
                                                        std::size_t from_line) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  std::size_t next = from_line;
  for (;;) {
    for (; next < lines_.size(); ++next) {
      if (matches(lines_[next])) return lines_[next];
    }
    if (output_ended_) return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && next == lines_.size()) {
      return std::nullopt;
    }
  }
}

bool child_process::wait_output_end(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return output_ended_; });
}

std::size_t child_process::line_count() const {
  std::lock_guard lock(mutex_);
  return lines_.size();
}

std::vector<std::string> child_process::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string child_process::output() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& line : lines_) out += line + "\n";
  return out + partial_;
}

void child_process::send_signal(int sig) {
  std::lock_guard lock(mutex_);
  if (!status_) ::kill(-pid_, sig);
}

std::optional<exit_status> child_process::terminate(int sig, std::chrono::milliseconds timeout) {
  send_signal(sig);
  return wait_exit(timeout);
}

std::optional<exit_status> child_process::wait_exit(std::chrono::milliseconds timeout) {
  std::optional<exit_status> status;
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return status_.has_value(); });
    status = status_;
  }
  // Whatever the child wrote before exiting is captured by the time this returns
  // (bounded, in case a grandchild still holds the pipe).
  if (status) wait_output_end(std::chrono::seconds(2));
  return status;
}

bool child_process::running() const {
  std::lock_guard lock(mutex_);
  return !status_.has_value();
}

}  // namespace studio::test
