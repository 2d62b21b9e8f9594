// The per-child state shared by the coroutines of one launch (private to the library).
#pragma once

#include "studio/supervisor/llama_instance.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <unistd.h>

namespace studio::supervisor {

// One of the child's output pipes: the launcher fills `launch_end`, whose
// descriptor then moves to `fd`. `reader` holds that descriptor only while
// read_output waits for it to turn readable (without reading, so that whoever
// reads takes what the pipe holds right then): a descriptor in the reactor's
// epoll set wakes the I/O thread at every write of the child, wait or no wait,
// and the lines written while the reader pauses should wake nobody.
struct llama_instance::output_pipe {
  explicit output_pipe(const boost::asio::any_io_executor& executor) : launch_end(executor), reader(executor) {}
  ~output_pipe() {
    if (reader.is_open()) reader.release();
    if (fd >= 0) ::close(fd);
  }
  output_pipe(const output_pipe&) = delete;
  output_pipe& operator=(const output_pipe&) = delete;
  boost::asio::readable_pipe launch_end;
  int fd = -1;  // the read end (non-blocking), owned here
  boost::asio::posix::stream_descriptor reader;
  std::string pending;  // output after the last complete line
  bool at_end = false;  // EOF or a read error: nothing more comes
};

struct llama_instance::child {
  explicit child(const boost::asio::any_io_executor& executor)
      : out(executor), err(executor), process(executor), poll_wake(executor) {}

  unsigned generation = 0;
  output_pipe out;
  output_pipe err;
  boost::process::v2::process process;
  pid_t pid = 0;
  std::string api_key;                  // internal --api-key; never logged
  clock_time last_progress;             // latest output line (the load timeout counts from here)
  boost::asio::steady_timer poll_wake;  // cancelled to make the health poll look at once
  int open_streams = 2;                 // stdout and stderr readers still running
  bool exited = false;
  bool term_sent = false;
  bool ready_hint = false;  // an output line said the server is listening
};

}  // namespace studio::supervisor
