// The per-child state shared by the coroutines of one launch (private to the library).
#pragma once

#include "studio/supervisor/llama_instance.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/process.hpp>

namespace studio::supervisor {

// One of the child's output pipes: the launcher fills `launch_end`, whose
// descriptor then moves to `reader` (which can wait for readability without
// reading, so that whoever reads takes what the pipe holds right then).
struct llama_instance::output_pipe {
  explicit output_pipe(const boost::asio::any_io_executor& executor) : launch_end(executor), reader(executor) {}
  boost::asio::readable_pipe launch_end;
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
