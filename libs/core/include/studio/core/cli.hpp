// The command line: flags (CLI11), --help and --version, then config resolution.
#pragma once

#include "studio/core/config.hpp"

#include <string>
#include <variant>

namespace studio {

// The process should exit instead of starting: code 0 with `output` for stdout (--help,
// --version), or code 2 with one line for stderr (a bad flag or a bad setting).
struct cli_exit {
  int code;
  std::string output;
};

// The text --version prints: "studio-gateway <version> (commit <git>, built <time>)".
std::string version_line();

// Parses argv, reads the config file named by --config or STUDIO_CONFIG (flag wins), and
// resolves every setting (flag > environment > config file > default). Only the config file is
// read from the real filesystem; the environment and the llama-server probe are injected.
// Never throws for bad input: every user error becomes a cli_exit with code 2.
std::variant<gateway_config, cli_exit> parse_command_line(
    int argc, const char* const* argv, const env_lookup& env,
    const executable_probe& probe = executable_exists);

}  // namespace studio
