// The option table and the pure option -> argv mapping.
#include "studio/supervisor/llama_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace studio::supervisor {
namespace {

using k = option_kind;

constexpr double big = 1e15;  // generous bound for options without a natural range

constexpr option_spec b(std::string_view key, std::string_view flag) { return {key, flag, k::boolean}; }
constexpr option_spec s(std::string_view key, std::string_view flag) { return {key, flag, k::string}; }
constexpr option_spec i(std::string_view key, std::string_view flag, double lo = -big, double hi = big) {
  return {key, flag, k::integer, lo, hi};
}
constexpr option_spec n(std::string_view key, std::string_view flag, double lo = -big, double hi = big) {
  return {key, flag, k::number, lo, hi};
}
constexpr option_spec list(std::string_view key, std::string_view flag) {
  return {key, flag, k::string_list};
}
constexpr option_spec split(option_spec row) {
  row.split = true;
  return row;
}
constexpr option_spec owned(option_spec row, option_owner owner) {
  row.owner = owner;
  return row;
}
constexpr auto sup = option_owner::supervisor;

// Seed-000 keys first (their argv order is tested), then every other property of
// seed 002's llamactl.CreateInstanceOptions alphabetically, then supervisor settings.
constexpr std::array table{
    option_spec{"n_gpu_layers", "--n-gpu-layers", k::integer, -1, 100000},
    option_spec{"ctx_size", "--ctx-size", k::integer, 0, 16777216},
    option_spec{"threads", "--threads", k::integer, -1, 1024},
    option_spec{"temp", "--temp", k::number, 0, 100, true},
    option_spec{"top_p", "--top-p", k::number, 0, 1, true},
    option_spec{"top_k", "--top-k", k::integer, 0, 1000000, true},
    option_spec{"repeat_penalty", "--repeat-penalty", k::number, 0, 100, true},
    s("alias", "--alias"),
    owned(s("api_key", "--api-key"), option_owner::gateway),
    owned(s("api_key_file", "--api-key-file"), option_owner::gateway),
    i("batch_size", "--batch-size", 1),
    i("cache_reuse", "--cache-reuse", 0),
    s("cache_type_k", "--cache-type-k"),
    s("cache_type_k_draft", "--cache-type-k-draft"),
    s("cache_type_v", "--cache-type-v"),
    s("cache_type_v_draft", "--cache-type-v-draft"),
    s("chat_template", "--chat-template"),
    s("chat_template_file", "--chat-template-file"),
    s("chat_template_kwargs", "--chat-template-kwargs"),
    b("check_tensors", "--check-tensors"),
    b("cont_batching", "--cont-batching"),
    list("control_vector", "--control-vector"),
    split(s("control_vector_layer_range", "--control-vector-layer-range")),
    split(list("control_vector_scaled", "--control-vector-scaled")),
    s("cpu_mask", "--cpu-mask"),
    s("cpu_mask_batch", "--cpu-mask-batch"),
    s("cpu_range", "--cpu-range"),
    s("cpu_range_batch", "--cpu-range-batch"),
    i("cpu_strict", "--cpu-strict", 0, 1),
    i("cpu_strict_batch", "--cpu-strict-batch", 0, 1),
    i("ctx_size_draft", "--ctx-size-draft", 0),
    n("defrag_thold", "--defrag-thold"),
    s("device", "--device"),
    s("device_draft", "--device-draft"),
    i("draft_max", "--draft-max", 0),
    i("draft_min", "--draft-min", 0),
    n("draft_p_min", "--draft-p-min", 0, 1),
    i("dry_allowed_length", "--dry-allowed-length"),
    n("dry_base", "--dry-base"),
    n("dry_multiplier", "--dry-multiplier"),
    i("dry_penalty_last_n", "--dry-penalty-last-n", -1),
    list("dry_sequence_breaker", "--dry-sequence-breaker"),
    b("dump_kv_cache", "--dump-kv-cache"),
    n("dynatemp_exp", "--dynatemp-exp"),
    n("dynatemp_range", "--dynatemp-range"),
    b("embd_bge_small_en_default", "--embd-bge-small-en-default"),
    b("embd_e5_small_en_default", "--embd-e5-small-en-default"),
    b("embd_gte_small_default", "--embd-gte-small-default"),
    b("embedding", "--embedding"),
    b("escape", "--escape"),
    b("fim_qwen_1_5b_default", "--fim-qwen-1.5b-default"),
    b("fim_qwen_3b_default", "--fim-qwen-3b-default"),
    b("fim_qwen_7b_default", "--fim-qwen-7b-default"),
    b("fim_qwen_7b_spec", "--fim-qwen-7b-spec"),
    b("fim_qwen_14b_spec", "--fim-qwen-14b-spec"),
    b("flash_attn", "--flash-attn"),
    n("frequency_penalty", "--frequency-penalty"),
    i("gpu_layers", "--gpu-layers", -1),
    i("gpu_layers_draft", "--gpu-layers-draft", -1),
    s("grammar", "--grammar"),
    s("grammar_file", "--grammar-file"),
    s("hf_file", "--hf-file"),
    s("hf_file_v", "--hf-file-v"),
    s("hf_repo", "--hf-repo"),
    s("hf_repo_draft", "--hf-repo-draft"),
    s("hf_repo_v", "--hf-repo-v"),
    s("hf_token", "--hf-token"),
    owned(s("host", "--host"), option_owner::gateway),
    b("ignore_eos", "--ignore-eos"),
    b("jinja", "--jinja"),
    s("json_schema", "--json-schema"),
    s("json_schema_file", "--json-schema-file"),
    i("keep", "--keep", -1),
    b("log_colors", "--log-colors"),
    b("log_disable", "--log-disable"),
    s("log_file", "--log-file"),
    b("log_prefix", "--log-prefix"),
    b("log_timestamps", "--log-timestamps"),
    list("logit_bias", "--logit-bias"),
    list("lora", "--lora"),
    b("lora_init_without_apply", "--lora-init-without-apply"),
    split(list("lora_scaled", "--lora-scaled")),
    i("main_gpu", "--main-gpu", 0),
    b("metrics", "--metrics"),
    n("min_p", "--min-p", 0, 1),
    i("mirostat", "--mirostat", 0, 2),
    n("mirostat_ent", "--mirostat-ent"),
    n("mirostat_lr", "--mirostat-lr"),
    b("mlock", "--mlock"),
    s("mmproj", "--mmproj"),
    s("mmproj_url", "--mmproj-url"),
    owned(s("model", "--model"), option_owner::launch),
    s("model_draft", "--model-draft"),
    s("model_url", "--model-url"),
    s("model_vocoder", "--model-vocoder"),
    b("no_cont_batching", "--no-cont-batching"),
    b("no_context_shift", "--no-context-shift"),
    b("no_escape", "--no-escape"),
    b("no_kv_offload", "--no-kv-offload"),
    b("no_mmap", "--no-mmap"),
    b("no_mmproj", "--no-mmproj"),
    b("no_mmproj_offload", "--no-mmproj-offload"),
    b("no_perf", "--no-perf"),
    b("no_prefill_assistant", "--no-prefill-assistant"),
    b("no_slots", "--no-slots"),
    b("no_warmup", "--no-warmup"),
    b("no_webui", "--no-webui"),
    s("numa", "--numa"),
    list("override_kv", "--override-kv"),
    list("override_tensor", "--override-tensor"),
    i("parallel", "--parallel", -1),
    s("path", "--path"),
    i("poll", "--poll", 0, 100),
    i("poll_batch", "--poll-batch", 0, 100),
    s("pooling", "--pooling"),
    owned(i("port", "--port"), option_owner::gateway),
    i("predict", "--predict", -2),
    n("presence_penalty", "--presence-penalty"),
    i("priority", "--prio", -1, 3),
    i("priority_batch", "--prio-batch", -1, 3),
    b("props", "--props"),
    i("reasoning_budget", "--reasoning-budget", -1),
    s("reasoning_format", "--reasoning-format"),
    i("repeat_last_n", "--repeat-last-n", -1),
    b("reranking", "--reranking"),
    n("rope_freq_base", "--rope-freq-base"),
    n("rope_freq_scale", "--rope-freq-scale"),
    n("rope_scale", "--rope-scale"),
    s("rope_scaling", "--rope-scaling"),
    s("samplers", "--samplers"),
    s("sampling_seq", "--sampling-seq"),
    i("seed", "--seed", -1, 4294967295.0),
    n("slot_prompt_similarity", "--slot-prompt-similarity", 0, 1),
    s("slot_save_path", "--slot-save-path"),
    b("slots", "--slots"),
    b("special", "--special"),
    s("split_mode", "--split-mode"),
    b("spm_infill", "--spm-infill"),
    s("ssl_cert_file", "--ssl-cert-file"),
    s("ssl_key_file", "--ssl-key-file"),
    option_spec{"temperature", "--temp", k::number, 0, 100, true},
    s("tensor_split", "--tensor-split"),
    i("threads_batch", "--threads-batch", -1, 1024),
    i("threads_http", "--threads-http", -1, 1024),
    i("timeout", "--timeout", 0),
    b("tts_use_guide_tokens", "--tts-use-guide-tokens"),
    n("typical", "--typical"),
    i("ubatch_size", "--ubatch-size", 1),
    b("verbose", "--verbose"),
    b("verbose_prompt", "--verbose-prompt"),
    i("verbosity", "--verbosity"),
    n("xtc_probability", "--xtc-probability", 0, 1),
    n("xtc_threshold", "--xtc-threshold"),
    n("yarn_attn_factor", "--yarn-attn-factor"),
    n("yarn_beta_fast", "--yarn-beta-fast"),
    n("yarn_beta_slow", "--yarn-beta-slow"),
    n("yarn_ext_factor", "--yarn-ext-factor"),
    i("yarn_orig_ctx", "--yarn-orig-ctx", 0),
    // Supervisor-only settings (no flag).
    owned(b("auto_restart", ""), sup),
    owned(n("restart_delay_seconds", "", 0, 3600), sup),
    owned(i("max_restarts", "", 0, 1000), sup),
    owned(n("load_timeout_seconds", "", 0.001, 86400), sup),
    owned(n("stop_grace_seconds", "", 0, 600), sup),
    owned(b("on_demand_start", ""), sup),
    owned(n("idle_timeout", "", 0, 525600), sup),  // minutes (fractions allowed); 0 = never
    owned(i("max_concurrent_requests", "", 1, 4096), sup),  // scheduler; default parallel, else 4
    owned(option_spec{"environment", "", k::string_map}, sup),
};

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
    case k::string_list:
      return "an array of strings";
    case k::string_map:
      return "an object of strings";
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

// flag + value; a split row's value becomes one word per space-separated part.
void add_value(std::vector<std::string>& argv, const option_spec& row, std::string_view value) {
  argv.emplace_back(row.flag);
  if (!row.split) {
    argv.emplace_back(value);
    return;
  }
  while (!value.empty()) {
    auto space = value.find(' ');
    if (space != 0) argv.emplace_back(value.substr(0, space));
    if (space == std::string_view::npos) break;
    value.remove_prefix(space + 1);
  }
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
    if (row->owner == option_owner::gateway) return "field '" + std::string(key) + "' is set by the gateway";
    auto wrong = [&] { return "field '" + std::string(key) + "' must be " + kind_name(row->kind); };
    switch (row->kind) {
      case k::boolean:
        if (!value.is_bool()) return wrong();
        break;
      case k::string:
        if (!value.is_string()) return wrong();
        break;
      case k::string_list:
        if (!value.is_array()) return wrong();
        for (const auto& item : value.get_array()) {
          if (!item.is_string()) return wrong();
        }
        break;
      case k::string_map:
        if (!value.is_object()) return wrong();
        for (const auto& [name, item] : value.get_object()) {
          if (!item.is_string() || name.empty() || name.find('=') != std::string_view::npos) return wrong();
        }
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
  std::vector<std::string> argv;
  if (!spec.model.empty()) argv.insert(argv.end(), {"-m", spec.model.string()});
  argv.insert(argv.end(), {"--host", spec.host, "--port", std::to_string(spec.port)});
  if (!spec.api_key.empty()) argv.insert(argv.end(), {"--api-key", spec.api_key});
  for (const auto& row : table) {
    if (row.flag.empty() || row.owner != option_owner::child) continue;
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
        if (value->is_string()) add_value(argv, row, value->get_string());
        break;
      case k::string_list:
        if (!value->is_array()) break;
        for (const auto& item : value->get_array()) {
          if (item.is_string()) add_value(argv, row, item.get_string());
        }
        break;
      case k::string_map:
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

std::vector<std::string> child_environment(const char* const* environ, const boost::json::object* options) {
  static constexpr std::array<std::string_view, 5> withheld{
      "STUDIO_API_KEY", "STUDIO_INFERENCE_KEY", "HF_TOKEN", "LLAMA_API_KEY", "LLAMA_ARG_API_KEY_FILE"};
  std::vector<std::string> out;
  for (auto* entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    auto name = kv.substr(0, kv.find('='));
    if (std::find(withheld.begin(), withheld.end(), name) == withheld.end()) out.emplace_back(kv);
  }
  const auto* extra = options != nullptr ? options->if_contains("environment") : nullptr;
  if (extra == nullptr || !extra->is_object()) return out;
  for (const auto& [name, value] : extra->get_object()) {
    if (!value.is_string() || std::find(withheld.begin(), withheld.end(), name) != withheld.end()) continue;
    std::string prefix = std::string(name) + "=";
    std::erase_if(out, [&](const std::string& entry) { return entry.starts_with(prefix); });
    out.push_back(prefix + std::string(value.get_string()));
  }
  return out;
}

std::vector<std::string> redact_argv(std::vector<std::string> argv) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--api-key" || argv[i] == "--hf-token") argv[i + 1] = "***";
  }
  return argv;
}

}  // namespace studio::supervisor
