// The flag table (see flags.hpp). Help texts follow llama-server's wording.
#include "flags.hpp"

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string>

namespace studio::fake {
namespace {

bool truthy(std::string_view v) {
  return v == "1" || v == "true" || v == "on" || v == "enabled" || v == "yes";
}

std::vector<std::string> split_keys(std::string_view text) {
  std::vector<std::string> keys;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto key = text.substr(0, comma);
    if (!key.empty()) keys.emplace_back(key);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return keys;
}

void read_key_file(server_options& o, std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) throw std::invalid_argument("failed to open file '" + std::string(path) + "'");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) o.api_keys.push_back(line);
  }
}

}  // namespace

int parse_int(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    throw std::invalid_argument("invalid number '" + std::string(text) + "'");
  }
  return value;
}

const std::vector<flag_spec>& flag_specs() {
  using o_t = server_options;
  using sv = std::string_view;
  static const std::vector<flag_spec> specs = {
      {{"-h", "--help", "--usage"},
       "",
       "",
       "print usage and exit",
       [](o_t& o, sv) { o.action = startup_action::help; }},
      {{"--version"},
       "",
       "",
       "show version and build info",
       [](o_t& o, sv) { o.action = startup_action::version; }},
      {{"--list-devices"},
       "",
       "",
       "print list of available devices and exit",
       [](o_t& o, sv) { o.action = startup_action::list_devices; }},
      {{"-t", "--threads"},
       "N",
       "LLAMA_ARG_THREADS",
       "number of threads to use during generation (default: -1)",
       [](o_t& o, sv v) { o.threads = parse_int(v); }},
      {{"-c", "--ctx-size"},
       "N",
       "LLAMA_ARG_CTX_SIZE",
       "size of the prompt context (default: 4096, 0 = loaded from model)",
       [](o_t& o, sv v) { o.ctx_size = parse_int(v); }},
      {{"-n", "--predict", "--n-predict"},
       "N",
       "LLAMA_ARG_N_PREDICT",
       "number of tokens to predict (default: -1, -1 = infinity)",
       [](o_t& o, sv v) { o.n_predict = parse_int(v); }},
      {{"-ngl", "--gpu-layers", "--n-gpu-layers"},
       "N",
       "LLAMA_ARG_N_GPU_LAYERS",
       "max. number of layers to store in VRAM (default: auto; 'auto', 'all' or a number)",
       [](o_t& o, sv v) {
         if (v != "auto" && v != "all") parse_int(v);
         o.n_gpu_layers = std::string(v);
       }},
      {{"-m", "--model"},
       "FNAME",
       "LLAMA_ARG_MODEL",
       "model path (default: `models/7B/ggml-model-f16.gguf`)",
       [](o_t& o, sv v) { o.model = std::string(v); }},
      {{"-a", "--alias"},
       "STRING",
       "LLAMA_ARG_ALIAS",
       "set alias for model name (to be used by REST API)",
       [](o_t& o, sv v) { o.alias = std::string(v); }},
      {{"-np", "--parallel"},
       "N",
       "LLAMA_ARG_N_PARALLEL",
       "number of parallel sequences to decode (default: -1, -1 = auto)",
       [](o_t& o, sv v) { o.parallel = v == "auto" ? -1 : parse_int(v); }},
      {{"--host"},
       "HOST",
       "LLAMA_ARG_HOST",
       "ip address to listen (default: 127.0.0.1)",
       [](o_t& o, sv v) { o.host = std::string(v); }},
      {{"--port"},
       "PORT",
       "LLAMA_ARG_PORT",
       "port to listen (default: 8080, 0 = any free port)",
       [](o_t& o, sv v) {
         int port = parse_int(v);
         if (port < 0 || port > 65535) throw std::invalid_argument("port out of range");
         o.port = static_cast<unsigned short>(port);
       }},
      {{"--api-key"},
       "KEY",
       "LLAMA_API_KEY",
       "API key to use for authentication, multiple keys can be provided as a comma-separated "
       "list (default: none)",
       [](o_t& o, sv v) {
         for (auto& k : split_keys(v)) o.api_keys.push_back(std::move(k));
       }},
      {{"--api-key-file"}, "FNAME", "", "path to file containing API keys (default: none)", read_key_file},
      {{"--embedding", "--embeddings"},
       "",
       "LLAMA_ARG_EMBEDDINGS",
       "restrict to only support embedding use case; use only with dedicated embedding models "
       "(default: disabled)",
       [](o_t& o, sv v) { o.embeddings = truthy(v); }},
      {{"--metrics"},
       "",
       "LLAMA_ARG_ENDPOINT_METRICS",
       "enable prometheus compatible metrics endpoint (default: disabled)",
       [](o_t& o, sv v) { o.metrics = truthy(v); }},
      {{"--slots"},
       "",
       "LLAMA_ARG_ENDPOINT_SLOTS",
       "enable slots monitoring endpoint (default: disabled)",
       [](o_t& o, sv v) { o.slots = truthy(v); }},
      {{"--no-slots"}, "", "", "disables slots monitoring endpoint", [](o_t& o, sv) { o.slots = false; }},
      {{"-to", "--timeout"},
       "N",
       "LLAMA_ARG_TIMEOUT",
       "server read/write timeout in seconds (default: 600)",
       [](o_t& o, sv v) { o.timeout_s = parse_int(v); }},
  };
  return specs;
}

}  // namespace studio::fake
