// build/bin/fake-llama-server started on 127.0.0.1 with an ephemeral port, as
// integration tests need it: the port is read from its "HTTP server is
// listening" log line.
#pragma once

#include "studio/test/child_process.hpp"
#include "studio/test/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace studio::test {

struct fake_llama_config {
  std::vector<std::string> args;  // extra flags after -m/--host/--port
  env_list env;                   // FAKE_LLAMA_* knobs and the like
  bool wait_ready = true;         // also wait for "starting the main loop"
};

class fake_llama_process {
 public:
  // Creates a model file in its own temp dir and starts the fake with
  // -m <model> --host 127.0.0.1 --port 0 <args>. Throws std::runtime_error
  // (with the fake's output) when it does not report listening (or ready) in time.
  explicit fake_llama_process(fake_llama_config config = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

  unsigned short port() const { return port_; }
  const std::filesystem::path& model_path() const { return model_; }
  child_process& process() { return *process_; }

  // Waits for "starting the main loop" (the model is loaded); false after `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout);

 private:
  temp_dir dir_;
  std::filesystem::path model_;
  std::unique_ptr<child_process> process_;
  unsigned short port_ = 0;
};

}  // namespace studio::test
