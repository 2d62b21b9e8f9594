// The gateway's typed configuration and the one precedence rule that resolves it:
// command-line flag > environment variable > config file > built-in default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace studio {

// An inclusive range of TCP ports, first <= last.
struct port_range {
  unsigned short first;
  unsigned short last;
  friend bool operator==(const port_range&, const port_range&) = default;
};

// Everything the gateway is configured with. The member initialisers are the built-in
// defaults; the two derived defaults are filled in by resolve_config.
struct gateway_config {
  std::string host = "0.0.0.0";                   // address to listen on
  unsigned short port = 8000;                     // 0 = ephemeral port (used by tests)
  std::filesystem::path studio_dir = "./studio";  // state root; relative paths are from the cwd
  std::vector<std::string> api_keys;              // management keys; empty -> the app generates one
  std::vector<std::string> inference_keys;        // keys that may call only inference routes
  std::string llama_server_bin;                   // derived: /opt/llama-server if it exists, else
                                                  // llama-server on PATH, else /opt/llama-server
  unsigned short llm_port = 8080;                 // port of the admin llama-server
  port_range instance_ports{8081, 8199};          // ports for named instances; excludes llm_port
  std::optional<std::filesystem::path> catalog;   // catalog.json; none -> built-in catalog
  std::optional<std::filesystem::path> swagger_ui_dir;  // Swagger UI assets; none -> <exe>/../share/studio-gateway/swagger-ui
  std::filesystem::path models_dir;               // derived: <studio_dir>/llm/models
  std::string hf_endpoint = "https://huggingface.co";  // http(s) URL, no trailing slash
  std::string hf_token;                                // secret: never logged
  std::optional<std::filesystem::path> ca_bundle;      // PEM bundle for outgoing TLS
  std::string log_level = "info";                      // trace|debug|info|warn|error|off
  unsigned threads = 1;                                // I/O threads, 1..64
  std::size_t max_header_bytes = 16384;                // request header limit (431 above it)
  std::uint64_t max_body_bytes = 33554432;             // request body limit (413 above it)
  std::chrono::milliseconds header_timeout{10000};     // time to receive a request's header
  std::chrono::milliseconds idle_timeout{75000};       // keep-alive idle time between requests
  std::chrono::milliseconds shutdown_grace{10000};     // in-flight time allowed after SIGTERM
  unsigned max_downloads = 2;                          // model downloads running at once
  unsigned download_connections = 4;                   // parallel Range connections per large file
  std::uint64_t download_parallel_min_bytes = 67108864;  // files this large use parallel connections
  std::uint64_t download_rate_limit = 0;               // bytes/s per connection; 0 = unlimited
  unsigned download_stall_seconds = 30;                // below 1 KiB/s this long counts as a stall
  std::chrono::milliseconds download_retry_base{1000};  // first retry delay (doubles, max 60 s)
  std::uint64_t download_disk_reserve_bytes = 536870912;  // free space a download must leave
  bool download_buffered_io = false;                   // never O_DIRECT: every write through the page cache
  bool metrics_public = false;                         // GET /metrics needs no key
  unsigned max_running_instances = 0;                  // named instances running at once; 0 = unlimited
  bool enable_lru_eviction = false;                    // stop the least recently used one to make room
  std::chrono::milliseconds on_demand_start_timeout{120000};  // a request waits this long for a load
  unsigned max_queued_requests = 0;                    // per instance; 0 = 4 x its concurrency limit
  bool on_demand_download = false;                     // /v1/* may download a catalog model, then load it
  bool v2_on_demand_load = false;                      // /api/v2/chat loads a model that is not loaded
  std::optional<std::filesystem::path> config_file;    // the config file that was loaded, if any

  friend bool operator==(const gateway_config&, const gateway_config&) = default;
};

// Looks up an environment variable; nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(std::string_view)>;

// Says whether an executable file exists at a path (used only to locate llama-server).
using executable_probe = std::function<bool(const std::filesystem::path&)>;

// The real environment (std::getenv). For main; tests inject a map instead.
std::optional<std::string> process_env(std::string_view name);

// The real probe: a regular file the process may execute.
bool executable_exists(const std::filesystem::path& path);

// Raw values one source gives, keyed by setting key (see settings.hpp). A key maps to several
// values only for list settings (a repeated flag, or a config-file array).
using config_layer = std::map<std::string, std::vector<std::string>, std::less<>>;

// All the inputs of resolution. Nothing here touches the process: the environment and the
// filesystem probe are injected, and the config file has already been read into a layer.
struct config_sources {
  config_layer flags;       // from the command line
  env_lookup env;           // an empty value counts as unset
  config_layer file;        // from the config file, if one was loaded
  std::string file_origin;  // how to name the file in messages, e.g. config file "x.json"
  executable_probe executable_exists;
};

// One line for the user that names the setting, where its value came from and what is wrong.
struct config_error {
  std::string message;
};

// Resolves every setting by the precedence rule, validates each value and the cross-field
// rules, and fills the derived defaults. Pure apart from calling the injected functions.
std::variant<gateway_config, config_error> resolve_config(const config_sources& sources);

// Parses a config file's text (a JSON object; comments and trailing commas allowed) into a
// layer. Fails on invalid JSON, a non-object root, an unknown key or a value of the wrong
// type, naming the key. `origin` names the file in messages.
std::variant<config_layer, config_error> parse_config_json(std::string_view text,
                                                           std::string_view origin);

// Reads and parses the config file at `path`; `from` says where the path came from (e.g.
// "--config" or "STUDIO_CONFIG") for the message when the file cannot be read.
std::variant<config_layer, config_error> load_config_file(const std::filesystem::path& path,
                                                          std::string_view from);

}  // namespace studio
