// The real studio-gateway binary on an ephemeral loopback port, with its own
// studio directory, for integration tests. Ends with the test (RAII).
#pragma once

#include "studio/test/bin_path.hpp"
#include "studio/test/child_process.hpp"
#include "studio/test/http_client.hpp"
#include "studio/test/temp_dir.hpp"

#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace studio::test {

constexpr const char* management_key = "test-management-key";
constexpr const char* inference_key = "test-inference-key";

// Every variable the gateway reads, set empty (= unset) so the caller's
// environment cannot leak into a test.
inline env_list clean_gateway_env() {
  env_list env;
  for (const char* name : {"STUDIO_HOST", "STUDIO_PORT", "STUDIO_DIR", "STUDIO_API_KEY", "STUDIO_INFERENCE_KEY",
                           "LLAMA_SERVER_BIN", "STUDIO_LLM_PORT", "STUDIO_INSTANCE_PORTS", "STUDIO_CATALOG",
                           "STUDIO_MODELS_DIR", "STUDIO_SWAGGER_UI_DIR", "HF_ENDPOINT", "HF_TOKEN", "STUDIO_CA_BUNDLE", "STUDIO_LOG_LEVEL",
                           "STUDIO_THREADS", "STUDIO_MAX_HEADER_BYTES", "STUDIO_MAX_BODY_BYTES",
                           "STUDIO_HEADER_TIMEOUT_MS", "STUDIO_IDLE_TIMEOUT_MS", "STUDIO_SHUTDOWN_GRACE_MS",
                           "STUDIO_MAX_DOWNLOADS", "STUDIO_DOWNLOAD_CONNECTIONS", "STUDIO_DOWNLOAD_PARALLEL_MIN_BYTES",
                           "STUDIO_DOWNLOAD_RATE_LIMIT", "STUDIO_DOWNLOAD_STALL_SECONDS", "STUDIO_DOWNLOAD_RETRY_BASE_MS",
                           "STUDIO_DOWNLOAD_DISK_RESERVE_BYTES", "STUDIO_METRICS_PUBLIC",
                           "STUDIO_MAX_RUNNING_INSTANCES", "STUDIO_ENABLE_LRU_EVICTION",
                           "STUDIO_ON_DEMAND_START_TIMEOUT", "STUDIO_MAX_QUEUED_REQUESTS", "STUDIO_ON_DEMAND_DOWNLOAD",
                           "STUDIO_V2_ON_DEMAND_LOAD",
                           "STUDIO_CONFIG"}) {
    env.emplace_back(name, "");
  }
  return env;
}

struct gateway_options {
  std::vector<std::string> args;  // added after the defaults below
  env_list env;                   // applied over clean_gateway_env()
  bool with_keys = true;          // pass --api-key/--inference-key test keys
  bool default_host = true;       // pass --host 127.0.0.1
  std::filesystem::path binary;   // another build's studio-gateway (a benchmark's A/B); empty: this build's
};

class gateway_process {
 public:
  // Starts the gateway in `dir` (a fresh temp dir when null) and waits for its
  // "listening on" line. Throws with the gateway's output if it does not come.
  explicit gateway_process(gateway_options options = {}, const temp_dir* dir = nullptr) {
    if (dir == nullptr) {
      own_dir_ = std::make_unique<temp_dir>();
      dir = own_dir_.get();
    }
    studio_dir_ = dir->path();
    std::vector<std::string> args{"--port", "0", "--studio-dir", studio_dir_.string()};
    if (options.default_host) args.insert(args.end(), {"--host", "127.0.0.1"});
    if (options.with_keys) args.insert(args.end(), {"--api-key", management_key, "--inference-key", inference_key});
    args.insert(args.end(), options.args.begin(), options.args.end());
    env_list env = clean_gateway_env();
    env.insert(env.end(), options.env.begin(), options.env.end());
    const auto binary = options.binary.empty() ? bin_path("studio-gateway") : options.binary;
    process_ = std::make_unique<child_process>(binary, process_options{args, env, {}});
    static const std::regex listening(R"(listening on http://([0-9.]+):([0-9]+))");
    auto line = process_->wait_for_line(listening, std::chrono::seconds(15));
    if (!line) throw std::runtime_error("gateway did not start:\n" + process_->output());
    std::smatch m;
    std::regex_search(*line, m, listening);
    host_ = m[1];
    port_ = static_cast<unsigned short>(std::stoi(m[2]));
  }

  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }
  const std::filesystem::path& studio_dir() const { return studio_dir_; }
  child_process& process() { return *process_; }

  http_result call(const std::string& method, const std::string& target, const std::string& key = "",
                   const std::string& body = "", header_list headers = {}) const {
    if (!key.empty()) headers.emplace_back("X-API-Key", key);
    return request("127.0.0.1", port_, method, target, body, headers);
  }

 private:
  std::unique_ptr<temp_dir> own_dir_;
  std::filesystem::path studio_dir_;
  std::unique_ptr<child_process> process_;
  std::string host_;
  unsigned short port_ = 0;
};

}  // namespace studio::test
