// The fake's behaviour knobs, read from FAKE_LLAMA_* environment variables
// (documented in --help).
#pragma once

#include "options.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace studio::fake {

struct knobs {
  std::chrono::milliseconds load_delay{0};
  std::chrono::milliseconds token_delay{0};
  int load_log_lines = 0;  // extra lines printed right after "server is listening"
  std::optional<int> crash_after_requests;
  std::optional<int> crash_mid_stream;  // tokens
  std::optional<int> error_mid_stream;  // tokens
  std::string argv_file;
  std::optional<int> exit_during_load;  // exit code
  std::vector<std::string> help_omit;   // flags --help leaves out (FAKE_LLAMA_HELP_OMIT)
};

struct knobs_outcome {
  knobs values;
  std::string error;  // non-empty: a knob has a bad value; print it and exit 1
};

knobs_outcome read_knobs(const env_lookup& env);

}  // namespace studio::fake
