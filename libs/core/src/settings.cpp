// The settings table and the parser of each setting's raw text.
#include "studio/core/settings.hpp"

#include "studio/core/logging.hpp"
#include "studio/core/secrets.hpp"

#include <boost/url/parse.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <string>

namespace studio {
namespace {

using parse_result = std::optional<std::string>;

// A whole string of decimal digits as an unsigned integer; no sign, no spaces.
std::optional<std::uint64_t> to_uint(std::string_view s) {
  std::uint64_t value = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::string range_reason(std::uint64_t min, std::uint64_t max) {
  return "must be an integer in " + std::to_string(min) + ".." + std::to_string(max);
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

template <auto Member, std::uint64_t Min, std::uint64_t Max>
parse_result parse_integer(gateway_config& config, std::string_view raw) {
  const auto value = to_uint(raw);
  if (!value || *value < Min || *value > Max) return range_reason(Min, Max);
  using target = std::remove_reference_t<decltype(config.*Member)>;
  config.*Member = static_cast<target>(*value);
  return std::nullopt;
}

template <auto Member, std::uint64_t Min, std::uint64_t Max>
parse_result parse_millis(gateway_config& config, std::string_view raw) {
  const auto value = to_uint(raw);
  if (!value || *value < Min || *value > Max) return range_reason(Min, Max) + " (milliseconds)";
  config.*Member = std::chrono::milliseconds{static_cast<std::int64_t>(*value)};
  return std::nullopt;
}

// Paths are taken as written; only emptiness is rejected (existence is checked by their users).
template <auto Member>
parse_result parse_path(gateway_config& config, std::string_view raw) {
  if (raw.empty()) return "must not be empty";
  config.*Member = std::filesystem::path{std::string{raw}};
  return std::nullopt;
}

template <auto Member>
parse_result parse_key_list(gateway_config& config, std::string_view raw) {
  std::size_t start = 0;
  while (true) {
    const auto comma = raw.find(',', start);
    const auto piece = trim(raw.substr(start, comma - start));
    if (piece.empty()) return "must be a comma-separated list of non-empty keys";
    if (!valid_api_key(piece)) return "keys must be printable ASCII without spaces";
    (config.*Member).emplace_back(piece);
    if (comma == std::string_view::npos) return std::nullopt;
    start = comma + 1;
  }
}

template <auto Member>
parse_result parse_bool(gateway_config& config, std::string_view raw) {
  for (std::string_view yes : {"true", "1", "yes", "on"}) {
    if (raw == yes) {
      config.*Member = true;
      return std::nullopt;
    }
  }
  for (std::string_view no : {"false", "0", "no", "off"}) {
    if (raw == no) {
      config.*Member = false;
      return std::nullopt;
    }
  }
  return "must be true or false (also 1/0, yes/no, on/off)";
}

template <auto Member, std::uint64_t Min, std::uint64_t Max>
parse_result parse_seconds(gateway_config& config, std::string_view raw) {
  const auto value = to_uint(raw);
  if (!value || *value < Min || *value > Max) return range_reason(Min, Max) + " (seconds)";
  config.*Member = std::chrono::milliseconds{static_cast<std::int64_t>(*value) * 1000};
  return std::nullopt;
}

parse_result parse_host(gateway_config& config, std::string_view raw) {
  if (raw.empty() || raw.find_first_of(" \t\r\n") != std::string_view::npos)
    return "must be a non-empty address or host name without spaces";
  config.host = raw;
  return std::nullopt;
}

parse_result parse_llama_server(gateway_config& config, std::string_view raw) {
  if (raw.empty()) return "must not be empty";
  config.llama_server_bin = raw;
  return std::nullopt;
}

parse_result parse_port_range(gateway_config& config, std::string_view raw) {
  const auto dash = raw.find('-');
  const auto first = to_uint(raw.substr(0, dash));
  const auto last = dash == std::string_view::npos ? std::nullopt : to_uint(raw.substr(dash + 1));
  if (!first || !last || *first < 1 || *first > *last || *last > 65535)
    return "must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535";
  config.instance_ports = {static_cast<unsigned short>(*first), static_cast<unsigned short>(*last)};
  return std::nullopt;
}

// An absolute http(s) URL with a host and no query or fragment; trailing slashes are dropped
// so callers can append paths.
parse_result parse_hf_endpoint(gateway_config& config, std::string_view raw) {
  constexpr std::string_view reason = "must be an http:// or https:// URL with a host";
  const auto url = boost::urls::parse_absolute_uri(raw);
  if (!url) return std::string{reason};
  if (url->scheme_id() != boost::urls::scheme::http &&
      url->scheme_id() != boost::urls::scheme::https)
    return std::string{reason};
  if (url->encoded_host().empty() || url->has_query() || url->has_fragment())
    return std::string{reason};
  while (raw.ends_with('/')) raw.remove_suffix(1);
  config.hf_endpoint = raw;
  return std::nullopt;
}

parse_result parse_hf_token(gateway_config& config, std::string_view raw) {
  config.hf_token = raw;
  return std::nullopt;
}

parse_result parse_log_level(gateway_config& config, std::string_view raw) {
  if (!valid_log_level(raw)) return "must be one of trace, debug, info, warn, error, off";
  config.log_level = raw;
  return std::nullopt;
}

using gc = gateway_config;
using enum setting_kind;
constexpr bool in_file = true;     // setting_spec::in_file
constexpr bool flag_only = false;  // flag and environment only
constexpr bool secret = true;      // setting_spec::secret
constexpr bool plain = false;

// Defaults written "(...)" or "<...>" are descriptions; the others are literal values that the
// parser accepts and that equal gateway_config's member initialisers (a unit test checks this).
constexpr std::array table{
    setting_spec{"config", "--config", "STUDIO_CONFIG", "FILE", "(none)",
                 "JSON config file (keys as in this list; // comments allowed)", text, flag_only,
                 plain, parse_path<&gc::config_file>},
    setting_spec{"host", "--host", "STUDIO_HOST", "ADDR", "0.0.0.0", "address to listen on", text,
                 in_file, plain, parse_host},
    setting_spec{"port", "--port", "STUDIO_PORT", "PORT", "8000",
                 "port to listen on, 0..65535 (0 picks a free port)", number, in_file, plain,
                 parse_integer<&gc::port, 0, 65535>},
    setting_spec{"studio_dir", "--studio-dir", "STUDIO_DIR", "DIR", "./studio",
                 "state directory (models, secrets, instances)", text, in_file, plain,
                 parse_path<&gc::studio_dir>},
    setting_spec{"api_key", "--api-key", "STUDIO_API_KEY", "KEY",
                 "(generated into <studio-dir>/secrets/api-key)",
                 "management key; repeatable and/or comma-separated", list, in_file, secret,
                 parse_key_list<&gc::api_keys>},
    setting_spec{"inference_key", "--inference-key", "STUDIO_INFERENCE_KEY", "KEY", "(none)",
                 "inference-only key (/v1/* and chat); repeatable and/or comma-separated", list,
                 in_file, secret, parse_key_list<&gc::inference_keys>},
    setting_spec{"llama_server", "--llama-server", "LLAMA_SERVER_BIN", "PATH",
                 "(/opt/llama-server if it exists, else llama-server on PATH)",
                 "llama-server executable", text, in_file, plain, parse_llama_server},
    setting_spec{"llm_port", "--llm-port", "STUDIO_LLM_PORT", "PORT", "8080",
                 "port of the admin llama-server, 1..65535", number, in_file, plain,
                 parse_integer<&gc::llm_port, 1, 65535>},
    setting_spec{"instance_ports", "--instance-ports", "STUDIO_INSTANCE_PORTS", "FIRST-LAST",
                 "8081-8199", "port range for named instances; must not contain --llm-port", text,
                 in_file, plain, parse_port_range},
    setting_spec{"catalog", "--catalog", "STUDIO_CATALOG", "FILE", "(none: built-in catalog)",
                 "catalog.json of downloadable models", text, in_file, plain,
                 parse_path<&gc::catalog>},
    setting_spec{"models_dir", "--models-dir", "STUDIO_MODELS_DIR", "DIR",
                 "<studio-dir>/llm/models", "directory of model files", text, in_file, plain,
                 parse_path<&gc::models_dir>},
    setting_spec{"swagger_ui_dir", "--swagger-ui-dir", "STUDIO_SWAGGER_UI_DIR", "DIR",
                 "(<bin>/../share/studio-gateway/swagger-ui)", "Swagger UI assets served under /swagger/",
                 text, in_file, plain, parse_path<&gc::swagger_ui_dir>},
    setting_spec{"hf_endpoint", "--hf-endpoint", "HF_ENDPOINT", "URL", "https://huggingface.co",
                 "Hugging Face endpoint, http(s) URL", text, in_file, plain, parse_hf_endpoint},
    setting_spec{"hf_token", "--hf-token", "HF_TOKEN", "TOKEN", "(none)",
                 "Hugging Face access token (never logged)", text, in_file, secret, parse_hf_token},
    setting_spec{"ca_bundle", "--ca-bundle", "STUDIO_CA_BUNDLE", "FILE", "(system default)",
                 "PEM CA bundle for outgoing HTTPS", text, in_file, plain,
                 parse_path<&gc::ca_bundle>},
    setting_spec{"log_level", "--log-level", "STUDIO_LOG_LEVEL", "LEVEL", "info",
                 "trace, debug, info, warn, error or off", text, in_file, plain, parse_log_level},
    setting_spec{"threads", "--threads", "STUDIO_THREADS", "N", "1", "I/O threads, 1..64", number,
                 in_file, plain, parse_integer<&gc::threads, 1, 64>},
    setting_spec{"max_header_bytes", "--max-header-bytes", "STUDIO_MAX_HEADER_BYTES", "BYTES",
                 "16384", "request header limit, 256..1048576 (431 above it)", number, in_file,
                 plain, parse_integer<&gc::max_header_bytes, 256, 1048576>},
    setting_spec{"max_body_bytes", "--max-body-bytes", "STUDIO_MAX_BODY_BYTES", "BYTES", "33554432",
                 "request body limit, 1..17179869184 (413 above it)", number, in_file, plain,
                 parse_integer<&gc::max_body_bytes, 1, 17179869184ULL>},
    setting_spec{"header_timeout_ms", "--header-timeout-ms", "STUDIO_HEADER_TIMEOUT_MS", "MS",
                 "10000", "time allowed to receive a request header, 1..3600000", number, in_file,
                 plain, parse_millis<&gc::header_timeout, 1, 3600000>},
    setting_spec{"idle_timeout_ms", "--idle-timeout-ms", "STUDIO_IDLE_TIMEOUT_MS", "MS", "75000",
                 "keep-alive idle time between requests, 1..86400000", number, in_file, plain,
                 parse_millis<&gc::idle_timeout, 1, 86400000>},
    setting_spec{"shutdown_grace_ms", "--shutdown-grace-ms", "STUDIO_SHUTDOWN_GRACE_MS", "MS",
                 "10000", "time in-flight requests get after SIGINT/SIGTERM, 0..3600000", number,
                 in_file, plain, parse_millis<&gc::shutdown_grace, 0, 3600000>},
    setting_spec{"max_downloads", "--max-downloads", "STUDIO_MAX_DOWNLOADS", "N", "2",
                 "model downloads running at once, 1..16", number, in_file, plain,
                 parse_integer<&gc::max_downloads, 1, 16>},
    setting_spec{"download_connections", "--download-connections", "STUDIO_DOWNLOAD_CONNECTIONS", "N", "4",
                 "parallel Range connections for a large file, 1..16", number, in_file, plain,
                 parse_integer<&gc::download_connections, 1, 16>},
    setting_spec{"download_parallel_min_bytes", "--download-parallel-min-bytes",
                 "STUDIO_DOWNLOAD_PARALLEL_MIN_BYTES", "BYTES", "67108864",
                 "files at least this large are fetched over parallel connections", number, in_file,
                 plain, parse_integer<&gc::download_parallel_min_bytes, 1, 1ULL << 50>},
    setting_spec{"download_rate_limit", "--download-rate-limit", "STUDIO_DOWNLOAD_RATE_LIMIT",
                 "BYTES_PER_S", "0", "bandwidth cap per download in bytes/s, shared by its connections (0 = none)",
                 number, in_file, plain, parse_integer<&gc::download_rate_limit, 0, 1ULL << 40>},
    setting_spec{"download_stall_seconds", "--download-stall-seconds", "STUDIO_DOWNLOAD_STALL_SECONDS",
                 "S", "30", "a download slower than 1 KiB/s this long is retried, 1..3600", number,
                 in_file, plain, parse_integer<&gc::download_stall_seconds, 1, 3600>},
    setting_spec{"download_retry_base_ms", "--download-retry-base-ms", "STUDIO_DOWNLOAD_RETRY_BASE_MS",
                 "MS", "1000", "first retry delay of a failed download (doubles up to 60 s), 1..600000",
                 number, in_file, plain, parse_millis<&gc::download_retry_base, 1, 600000>},
    setting_spec{"download_disk_reserve_bytes", "--download-disk-reserve-bytes",
                 "STUDIO_DOWNLOAD_DISK_RESERVE_BYTES", "BYTES", "536870912",
                 "free disk space a download must leave; it is refused otherwise", number, in_file,
                 plain, parse_integer<&gc::download_disk_reserve_bytes, 0, 1ULL << 60>},
    setting_spec{"download_buffered_io", "--download-buffered-io", "STUDIO_DOWNLOAD_BUFFERED_IO", "", "false",
                 "write downloads through the page cache only, never with O_DIRECT (for a file system that mishandles it)",
                 boolean, in_file, plain, parse_bool<&gc::download_buffered_io>},
    setting_spec{"metrics_public", "--metrics-public", "STUDIO_METRICS_PUBLIC", "", "false",
                 "GET /metrics answers without a key (for a Prometheus scraper)", boolean, in_file,
                 plain, parse_bool<&gc::metrics_public>},
    setting_spec{"max_running_instances", "--max-running-instances", "STUDIO_MAX_RUNNING_INSTANCES", "N",
                 "0", "named llama-server instances running at once, 0..1000 (0 = unlimited)", number,
                 in_file, plain, parse_integer<&gc::max_running_instances, 0, 1000>},
    setting_spec{"enable_lru_eviction", "--enable-lru-eviction", "STUDIO_ENABLE_LRU_EVICTION", "", "false",
                 "at --max-running-instances, stop the least recently used idle instance (else 409)",
                 boolean, in_file, plain, parse_bool<&gc::enable_lru_eviction>},
    setting_spec{"on_demand_start_timeout", "--on-demand-start-timeout", "STUDIO_ON_DEMAND_START_TIMEOUT",
                 "S", "120", "seconds a request waits for an on-demand start or a free slot, 1..86400",
                 number, in_file, plain, parse_seconds<&gc::on_demand_start_timeout, 1, 86400>},
    setting_spec{"max_queued_requests", "--max-queued-requests", "STUDIO_MAX_QUEUED_REQUESTS", "N", "0",
                 "requests queued per instance beyond its slots, 0..100000 (0 = 4 x slots; 429 past it)",
                 number, in_file, plain, parse_integer<&gc::max_queued_requests, 0, 100000>},
    setting_spec{"on_demand_download", "--on-demand-download", "STUDIO_ON_DEMAND_DOWNLOAD", "", "false",
                 "a /v1/* request for a catalog model not on disk downloads it, then loads it",
                 boolean, in_file, plain, parse_bool<&gc::on_demand_download>},
    setting_spec{"v2_on_demand_load", "--v2-on-demand-load", "STUDIO_V2_ON_DEMAND_LOAD", "", "false",
                 "/api/v2/chat loads a model that is not loaded (default options)", boolean, in_file,
                 plain, parse_bool<&gc::v2_on_demand_load>},
};

}  // namespace

std::span<const setting_spec> settings() { return table; }

const setting_spec* find_setting(std::string_view key) {
  for (const auto& spec : table)
    if (spec.key == key) return &spec;
  return nullptr;
}

}  // namespace studio
