// The per-child state shared by the coroutines of one launch (private to the library).
#pragma once

#include "studio/supervisor/llama_instance.hpp"

#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/process.hpp>

namespace studio::supervisor {

struct llama_instance::child {
  explicit child(const boost::asio::any_io_executor& executor)
      : out(executor), err(executor), process(executor), poll_wake(executor) {}

  unsigned generation = 0;
  boost::asio::readable_pipe out;
  boost::asio::readable_pipe err;
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
