// spawn_child: how the gateway starts every program (llama-server instances,
// `llama-server --help/--version/--list-devices`). Boost.Process v2's launcher
// forks and execs; this wraps it so that a gateway running its io_context on
// several threads can fork safely:
//
// - The launcher calls notify_fork() on the context of the executor it is
//   given, and in the forked child that context re-registers every descriptor
//   with a new epoll set, taking mutexes another thread may hold at fork time.
//   The child then hangs before exec (and its parent with it, reading the exec
//   pipe), or the re-registration throws and the child goes on running a copy of
//   the gateway. So the fork happens against a private io_context that no
//   thread runs and that has no reactor; callers watch the child by pid (for
//   example `bp::process(executor, pid)`).
// - In the child nothing but syscalls run: descriptors above stderr are marked
//   close-on-exec (no_inherited_descriptors), and a failed exec ends the child
//   with _exit(127), never exit(), which would run the gateway's static
//   destructors and atexit handlers in a copy of a multithreaded process.
#pragma once

#include "studio/supervisor/child_descriptors.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/process/v2/posix/default_launcher.hpp>
#include <boost/process/v2/process.hpp>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace studio::supervisor {

// A launcher initialiser: a child whose exec failed ends with _exit(127) (its
// parent has already read errno from the launcher's pipe).
struct exit_quietly_on_exec_error {
  template <class Launcher>
  void on_exec_error(Launcher&, const boost::process::v2::filesystem::path&, const char* const*&,
                     const boost::system::error_code&) {
    ::_exit(127);
  }
  // Boost 1.81 detects the hook with this argument list (its decltype and its
  // call disagree); declared only, never called.
  template <class Launcher>
  void on_exec_error(Launcher&, const boost::system::error_code&, const boost::process::v2::filesystem::path&,
                     const char* const*&, const boost::system::error_code&);
};

// Forks and execs `binary` with `args` and the launcher initialisers `inits`
// (stdio, environment, child set-up). Returns the child's pid, or 0 with `ec`
// set when it could not be started (a child whose exec failed is reaped here).
// Blocks only until the child has exec'd.
template <class... Inits>
pid_t spawn_child(const std::filesystem::path& binary, const std::vector<std::string>& args,
                  boost::system::error_code& ec, Inits&&... inits) {
  namespace bp = boost::process::v2;
  bp::posix::default_launcher launcher;
  boost::asio::io_context fork_context;
  auto launched =
      launcher(fork_context.get_executor(), ec, bp::filesystem::path(binary.string()), args,
               std::forward<Inits>(inits)..., no_inherited_descriptors{}, exit_quietly_on_exec_error{});
  if (ec) {
    if (launcher.pid > 0) ::waitpid(launcher.pid, nullptr, 0);
    return 0;
  }
  const pid_t pid = launched.id();
  launched.detach();  // the private context's handle closes; the child lives on
  return pid;
}

}  // namespace studio::supervisor
