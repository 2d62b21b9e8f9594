// llama-server's command line, as far as the fake understands it. Flags the
// fake does not know are ignored (with their value, if one follows). LLAMA_ARG_*
// environment variables give defaults, as in the real server.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::fake {

enum class startup_action { serve, help, version, list_devices };

struct server_options {
  startup_action action = startup_action::serve;
  std::string model = "models/7B/ggml-model-f16.gguf";  // llama-server's historical default
  std::string alias;
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int ctx_size = 0;    // 0 = from the model (4096 for the fake model)
  int n_predict = -1;  // default token budget per request; -1 = until "EOS"
  std::string n_gpu_layers = "auto";
  int parallel = -1;  // -1 = auto (4 slots)
  int threads = -1;
  int timeout_s = 600;
  std::vector<std::string> api_keys;
  bool embeddings = false;
  bool metrics = false;
  bool slots = false;
  std::vector<std::string> ignored;  // unknown arguments, for the log
};

// Reads one environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

struct parse_outcome {
  server_options options;
  std::string error;  // non-empty: print it and exit 1
};

// Parses argv (argv[0] excluded by the caller). Pure apart from reading
// --api-key-file.
parse_outcome parse_options(const std::vector<std::string>& args, const env_lookup& env);

// Texts printed by --help (stdout), --version (stderr) and --list-devices (stdout).
// --help: the flags the fake acts on, then every other llama-server flag the gateway's
// option table can pass (accepted and ignored), minus the names in `omit`.
std::string usage_text(const std::vector<std::string>& omit = {});
std::string version_text();
std::string devices_text();

// Build identity shared by --version, the logs and the JSON bodies.
inline constexpr int build_number = 6123;
inline constexpr std::string_view build_commit = "ab12cd3";
std::string build_info();  // "b6123-ab12cd3"

}  // namespace studio::fake
