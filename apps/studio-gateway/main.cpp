// studio-gateway entry point: configuration in, exit code out. Wiring only.
#include "gateway.hpp"
#include "studio/core/cli.hpp"
#include "studio/core/logging.hpp"

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  auto parsed = studio::parse_command_line(argc, argv, studio::process_env);
  if (auto* exit = std::get_if<studio::cli_exit>(&parsed)) {
    (exit->code == 0 ? std::cout : std::cerr) << exit->output;
    if (!exit->output.empty() && exit->output.back() != '\n') (exit->code == 0 ? std::cout : std::cerr) << '\n';
    return exit->code;
  }
  const auto& config = std::get<studio::gateway_config>(parsed);
  studio::setup_logging(config.log_level);
  return studio::run_gateway(config);
}
