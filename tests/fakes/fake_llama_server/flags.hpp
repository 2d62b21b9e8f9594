// The flags the fake knows: names, value, environment variable, help text and
// how each one changes server_options. One table serves parsing, LLAMA_ARG_*
// defaults and --help.
#pragma once

#include "options.hpp"

#include <string_view>
#include <vector>

namespace studio::fake {

struct flag_spec {
  std::vector<std::string_view> names;  // "-m", "--model"
  std::string_view value_name;          // empty: a switch without a value
  std::string_view env;                 // LLAMA_ARG_* / LLAMA_API_KEY, or empty
  std::string_view help;
  // Applies the value (for a switch: "1", or the env variable's text). Throws
  // std::invalid_argument for a bad value.
  void (*apply)(server_options& options, std::string_view value);
};

const std::vector<flag_spec>& flag_specs();

// Parses a whole decimal integer (optionally negative); throws std::invalid_argument.
int parse_int(std::string_view text);

}  // namespace studio::fake
