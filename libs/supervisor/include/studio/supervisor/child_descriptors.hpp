// A launcher initialiser for children the gateway starts (llama-server, its
// --help probe): in the forked child, before exec, every descriptor above
// stderr is marked close-on-exec, so the program inherits none of the
// gateway's client sockets, upstream connections, pipes or files. Boost
// 1.81's launcher means to close them itself, but its close_all skips fds
// below the highest one it keeps (its loop compares an entry with itself):
// a child then held accepted client sockets open after the gateway closed
// them (the client saw no FIN).
#pragma once

// clang-format off
#include <boost/asio/detail/throw_error.hpp>  // needed by Boost 1.81's default_launcher.hpp
#include <boost/process/v2/posix/default_launcher.hpp>
// clang-format on

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace studio::supervisor {

// Async-signal-safe: only syscalls, no allocation (it runs between fork and exec).
inline void mark_inherited_close_on_exec() noexcept {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  // Kernels before 5.11: each descriptor in turn, up to the limit (bounded).
  rlimit limit{};
  rlim_t last = 65536;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < last) {
    last = limit.rlim_cur;
  }
  for (rlim_t fd = 3; fd < last; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
}

struct no_inherited_descriptors {
  template <class Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const boost::process::v2::filesystem::path&,
                                          const char* const*&) {
    mark_inherited_close_on_exec();
    return {};
  }
};

}  // namespace studio::supervisor
