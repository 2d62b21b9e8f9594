// fake_llama_process: start the fake, read its port from the log.
#include "studio/test/fake_llama_process.hpp"

#include "studio/test/bin_path.hpp"

#include <regex>
#include <stdexcept>

namespace studio::test {

fake_llama_process::fake_llama_process(fake_llama_config config, std::chrono::milliseconds timeout) {
  model_ = dir_.write_file("model.gguf", "GGUF fake model");
  process_options options;
  options.args = {"-m", model_.string(), "--host", "127.0.0.1", "--port", "0"};
  options.args.insert(options.args.end(), config.args.begin(), config.args.end());
  options.env = std::move(config.env);
  process_ = std::make_unique<child_process>(bin_path("fake-llama-server"), std::move(options));

  static const std::regex listening(R"(HTTP server is listening, hostname: \S+, port: (\d+))");
  auto line = process_->wait_for_line(listening, timeout);
  std::smatch match;
  if (!line || !std::regex_search(*line, match, listening)) {
    throw std::runtime_error("fake-llama-server did not start listening:\n" + process_->output());
  }
  port_ = static_cast<unsigned short>(std::stoul(match[1].str()));
  if (config.wait_ready && !wait_ready(timeout)) {
    throw std::runtime_error("fake-llama-server did not get ready:\n" + process_->output());
  }
}

bool fake_llama_process::wait_ready(std::chrono::milliseconds timeout) {
  static const std::regex ready("starting the main loop");
  return process_->wait_for_line(ready, timeout).has_value();
}

}  // namespace studio::test
