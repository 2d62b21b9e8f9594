// Config resolution (precedence, derived defaults, cross-field rules) and the real edges it
// is given in main: the process environment and the executable probe.
#include "studio/core/config.hpp"

#include "studio/core/settings.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace studio {
namespace {

// The raw values that win for one setting, and where they came from.
struct picked {
  std::vector<std::string> values;
  std::string origin;  // "the command line", "STUDIO_PORT", "config file \"x\", key \"port\""
};

std::optional<picked> pick(const setting_spec& spec, const config_sources& sources) {
  if (const auto it = sources.flags.find(spec.key);
      it != sources.flags.end() && !it->second.empty())
    return picked{it->second, "the command line"};
  if (sources.env) {
    if (auto value = sources.env(spec.env); value && !value->empty())
      return picked{{std::move(*value)}, std::string{spec.env}};
  }
  if (spec.in_file) {
    if (const auto it = sources.file.find(spec.key); it != sources.file.end())
      return picked{it->second, sources.file_origin + ", key \"" + std::string{spec.key} + "\""};
  }
  return std::nullopt;
}

std::string invalid_value(const setting_spec& spec, std::string_view raw, const picked& from,
                          std::string_view reason) {
  std::string message = "invalid value ";
  if (!spec.secret) message += "\"" + std::string{raw} + "\" ";
  message += "for " + std::string{spec.flag} + " (from " + from.origin + "): ";
  message += reason;
  return message;
}

// /opt/llama-server if it exists, else the first llama-server in an absolute PATH entry
// (relative entries are skipped: they would depend on the working directory), else the
// /opt path so the error later names the expected location.
std::string default_llama_server(const config_sources& sources) {
  const std::filesystem::path opt = "/opt/llama-server";
  const auto exists = [&](const std::filesystem::path& p) {
    return sources.executable_exists && sources.executable_exists(p);
  };
  if (exists(opt)) return opt.string();
  const auto path = sources.env ? sources.env("PATH") : std::nullopt;
  std::string_view dirs = path ? std::string_view{*path} : std::string_view{};
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    if (!dir.empty() && dir.front() == '/') {
      const auto candidate = std::filesystem::path{std::string{dir}} / "llama-server";
      if (exists(candidate)) return candidate.string();
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return opt.string();
}

std::string origin_of(const std::map<std::string_view, std::string>& origins,
                      std::string_view key) {
  const auto it = origins.find(key);
  return it == origins.end() ? "the default" : it->second;
}

}  // namespace

std::variant<gateway_config, config_error> resolve_config(const config_sources& sources) {
  gateway_config config;
  std::map<std::string_view, std::string> origins;  // key -> origin, for settings not defaulted
  for (const auto& spec : settings()) {
    auto from = pick(spec, sources);
    if (!from) continue;
    for (const auto& raw : from->values) {
      if (auto reason = spec.parse(config, raw))
        return config_error{invalid_value(spec, raw, *from, *reason)};
    }
    origins.emplace(spec.key, std::move(from->origin));
  }

  if (config.models_dir.empty()) config.models_dir = config.studio_dir / "llm" / "models";
  if (config.llama_server_bin.empty()) config.llama_server_bin = default_llama_server(sources);

  const auto [first, last] = config.instance_ports;
  if (config.llm_port >= first && config.llm_port <= last) {
    return config_error{"--instance-ports " + std::to_string(first) + "-" + std::to_string(last) +
                        " (from " + origin_of(origins, "instance_ports") +
                        ") must not contain --llm-port " + std::to_string(config.llm_port) +
                        " (from " + origin_of(origins, "llm_port") + ")"};
  }
  for (const auto& key : config.inference_keys) {
    if (std::ranges::find(config.api_keys, key) != config.api_keys.end()) {
      return config_error{"a key is given both as --api-key (from " +
                          origin_of(origins, "api_key") + ") and as --inference-key (from " +
                          origin_of(origins, "inference_key") + "); a key has one scope"};
    }
  }
  return config;
}

std::optional<std::string> process_env(std::string_view name) {
  const char* value = std::getenv(std::string{name}.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string{value};
}

bool executable_exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace studio
