// Runs the configured llama-server once with one flag (--help, --version ...) and
// collects its output: the child is awaited on the caller's executor, never waited
// on, and killed when it outlasts the timeout. Used by /api/v1/server/* and llama_flags.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

namespace studio::api {

struct run_outcome {
  std::string output;  // stdout and stderr together (at most 1 MiB)
  std::string error;   // empty: ran and exited 0
};

// `binary flag` with the gateway's environment minus its secrets.
boost::asio::awaitable<run_outcome> run_binary(std::string binary, std::string flag,
                                               std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace studio::api
