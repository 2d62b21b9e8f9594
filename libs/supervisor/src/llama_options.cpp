// The option table and the pure option -> argv mapping.
#include "studio/supervisor/llama_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace studio::supervisor {
namespace {

using k = option_kind;

// Seed-000 keys first, then supervisor-only settings (no flag).
constexpr std::array<option_spec, 12> table{{
    {"n_gpu_layers", "--n-gpu-layers", k::integer, -1, 100000},
    {"ctx_size", "--ctx-size", k::integer, 0, 16777216},
    {"threads", "--threads", k::integer, -1, 1024},
    {"temp", "--temp", k::number, 0, 100, true},
    {"top_p", "--top-p", k::number, 0, 1, true},
    {"top_k", "--top-k", k::integer, 0, 1000000, true},
    {"repeat_penalty", "--repeat-penalty", k::number, 0, 100, true},
    {"auto_restart", "", k::boolean},
    {"restart_delay_seconds", "", k::number, 0, 3600},
    {"max_restarts", "", k::integer, 0, 1000},
    {"load_timeout_seconds", "", k::number, 0.001, 86400},
    {"stop_grace_seconds", "", k::number, 0, 600},
}};

const char* kind_name(option_kind kind) {
  switch (kind) {
    case k::integer:
      return "an integer";
    case k::number:
      return "a number";
    case k::boolean:
      return "a boolean";
    case k::string:
      return "a string";
  }
  return "a value";
}

std::optional<double> numeric(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

std::string format_number(double d) {
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  return std::string(buf.data(), end);
}

}  // namespace

std::span<const option_spec> option_table() { return table; }

const option_spec* find_option(std::string_view key) {
  for (const auto& row : table) {
    if (row.key == key) return &row;
  }
  return nullptr;
}

std::optional<std::string> validate_options(const boost::json::object& options) {
  for (const auto& [key, value] : options) {
    if (key.starts_with("_")) continue;
    const option_spec* row = find_option(key);
    if (row == nullptr) return "unknown field '" + std::string(key) + "'";
    auto wrong = [&] { return "field '" + std::string(key) + "' must be " + kind_name(row->kind); };
    switch (row->kind) {
      case k::boolean:
        if (!value.is_bool()) return wrong();
        break;
      case k::string:
        if (!value.is_string()) return wrong();
        break;
      case k::integer:
      case k::number: {
        auto n = numeric(value);
        if (!n || (row->kind == k::integer && value.is_double())) return wrong();
        if (!std::isfinite(*n) || *n < row->min || *n > row->max) {
          return "field '" + std::string(key) + "' must be between " + format_number(row->min) + " and " +
                 format_number(row->max);
        }
        break;
      }
    }
  }
  return std::nullopt;
}

boost::json::object default_llm_config() {
  return {{"n_gpu_layers", 99}, {"ctx_size", 8192}, {"threads", 4},         {"temp", 0.7},
          {"top_p", 0.9},       {"top_k", 40},      {"repeat_penalty", 1.1}};
}

std::vector<std::string> build_argv(const launch_spec& spec) {
  std::vector<std::string> argv{"-m",     spec.model.string(),      "--host", spec.host,
                                "--port", std::to_string(spec.port)};
  if (!spec.api_key.empty()) argv.insert(argv.end(), {"--api-key", spec.api_key});
  for (const auto& row : table) {
    if (row.flag.empty()) continue;
    const auto* value = spec.options.if_contains(row.key);
    if (value == nullptr) continue;
    switch (row.kind) {
      case k::boolean:
        if (!value->is_bool()) break;
        if (value->get_bool())
          argv.emplace_back(row.flag);
        else if (!row.off_flag.empty())
          argv.emplace_back(row.off_flag);
        break;
      case k::string:
        if (value->is_string())
          argv.insert(argv.end(), {std::string(row.flag), std::string(value->get_string())});
        break;
      case k::integer:
        if (value->is_int64())
          argv.insert(argv.end(), {std::string(row.flag), std::to_string(value->get_int64())});
        else if (value->is_uint64())
          argv.insert(argv.end(), {std::string(row.flag), std::to_string(value->get_uint64())});
        break;
      case k::number:
        if (auto n = numeric(*value)) argv.insert(argv.end(), {std::string(row.flag), format_number(*n)});
        break;
    }
  }
  return argv;
}

std::vector<std::string> child_environment(const char* const* environ) {
  static constexpr std::array<std::string_view, 5> withheld{
      "STUDIO_API_KEY", "STUDIO_INFERENCE_KEY", "HF_TOKEN", "LLAMA_API_KEY", "LLAMA_ARG_API_KEY_FILE"};
  std::vector<std::string> out;
  for (auto* entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    auto name = kv.substr(0, kv.find('='));
    if (std::find(withheld.begin(), withheld.end(), name) == withheld.end()) out.emplace_back(kv);
  }
  return out;
}

std::vector<std::string> redact_argv(std::vector<std::string> argv) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--api-key") argv[i + 1] = "***";
  }
  return argv;
}

}  // namespace studio::supervisor
