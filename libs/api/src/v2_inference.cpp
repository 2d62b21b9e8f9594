// The pure parts of /api/v2 load/unload/chat (see v2_inference.hpp).
#include "studio/api/v2_inference.hpp"

#include "studio/supervisor/llama_options.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <cstdio>

namespace studio::api {
namespace json = boost::json;

namespace {

bool is_integer(const json::value& v) { return v.is_int64() || v.is_uint64(); }
bool is_number(const json::value& v) { return is_integer(v) || v.is_double(); }

}  // namespace

load_plan plan_load(const json::object& body) {
  load_plan plan;
  auto fail = [&](std::string message) {
    plan.error = std::move(message);
    return std::move(plan);
  };
  // v2 name -> option table key (empty: handled here).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> integers{
      {{"n_gpu_layers", "n_gpu_layers"},
       {"n_ctx", "ctx_size"},
       {"n_batch", "batch_size"},
       {"threads", "threads"}}};
  for (const auto& [key, value] : body) {
    bool known = false;
    for (const auto& [name, option] : integers) {
      if (key != name) continue;
      known = true;
      if (!is_integer(value)) return fail("field '" + std::string(key) + "' must be an integer");
      plan.options[option] = value;
    }
    if (known) continue;
    if (key == "use_mlock" || key == "f16_kv" || key == "force") {
      if (!value.is_bool()) return fail("field '" + std::string(key) + "' must be a boolean");
      bool on = value.get_bool();
      if (key == "use_mlock") {
        plan.options["mlock"] = on;
      } else if (key == "f16_kv") {
        if (on) {
          plan.options["cache_type_k"] = "f16";
          plan.options["cache_type_v"] = "f16";
        }
      } else {
        plan.force = on;
      }
      continue;
    }
    return fail("unknown field '" + std::string(key) + "'");
  }
  if (auto bad = supervisor::validate_options(plan.options)) {
    // Name the v2 field, not the option it became.
    std::string message = *bad;
    for (const auto& [name, option] : integers) {
      auto at = message.find("'" + std::string(option) + "'");
      if (at != std::string::npos) message.replace(at + 1, option.size(), name);
    }
    return fail(message);
  }
  if (const auto* n = plan.options.if_contains("ctx_size")) plan.n_ctx = n->to_number<std::uint64_t>();
  if (const auto* g = plan.options.if_contains("n_gpu_layers"))
    plan.gpu_offload = g->to_number<std::int64_t>() != 0;
  return plan;
}

chat_plan plan_chat(const json::object& request, std::string_view model, bool stream) {
  chat_plan plan;
  const auto* messages = request.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    plan.error = "missing 'messages' array";
    return plan;
  }
  plan.body["model"] = model;
  plan.body["messages"] = *messages;
  for (const char* key : {"temperature", "top_p"}) {
    const auto* v = request.if_contains(key);
    if (v == nullptr || v->is_null()) continue;
    if (!is_number(*v)) {
      plan.error = "field '" + std::string(key) + "' must be a number";
      return plan;
    }
    plan.body[key] = *v;
  }
  if (const auto* n = request.if_contains("n_predict"); n != nullptr && !n->is_null()) {
    if (!is_integer(*n)) {
      plan.error = "field 'n_predict' must be an integer";
      return plan;
    }
    plan.body["max_tokens"] = *n;
  }
  plan.body["stream"] = stream;
  return plan;
}

std::optional<memory_estimate> estimate_memory(const gguf::metadata& md, std::uint64_t file_size,
                                               std::optional<std::uint64_t> n_ctx,
                                               unsigned kv_bytes_per_element) {
  if (!md.block_count || !md.embedding_length || !md.head_count || *md.head_count == 0) return std::nullopt;
  memory_estimate e;
  e.weights_bytes = file_size;
  e.n_ctx = n_ctx.value_or(0);
  if (e.n_ctx == 0) e.n_ctx = md.context_length.value_or(4096);
  const std::uint64_t heads_kv = md.head_count_kv.value_or(*md.head_count);
  // Per-layer K (or V) width in elements; computed in long double to stay clear of overflow.
  const long double kv_width = static_cast<long double>(*md.embedding_length) * heads_kv / *md.head_count;
  const long double kv = 2.0L * *md.block_count * e.n_ctx * kv_width * kv_bytes_per_element;
  constexpr long double cap = 1.8e19L;
  e.kv_cache_bytes = kv >= cap ? static_cast<std::uint64_t>(cap) : static_cast<std::uint64_t>(kv);
  e.total_bytes =
      e.weights_bytes + e.kv_cache_bytes < e.weights_bytes ? UINT64_MAX : e.weights_bytes + e.kv_cache_bytes;
  return e;
}

std::string human_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 6> units{"KB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < units.size()) {
    v /= 1024;
    ++unit;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f%s", v, units[unit]);
  return buf.data();
}

std::optional<std::uint64_t> parse_vm_rss(std::string_view text) {
  auto at = text.find("VmRSS:");
  if (at == std::string_view::npos) return std::nullopt;
  std::uint64_t kb = 0;
  bool digits = false;
  for (auto i = at + 6; i < text.size() && text[i] != '\n'; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      kb = kb * 10 + static_cast<std::uint64_t>(c - '0');
      digits = true;
    } else if (digits) {
      break;
    }
  }
  if (!digits) return std::nullopt;
  return kb * 1024;
}

std::uint64_t stream_tokens(std::uint64_t sse_events) { return sse_events > 0 ? sse_events - 1 : 0; }

std::uint64_t completion_tokens(std::string_view answer_body) {
  boost::system::error_code ec;
  auto v = json::parse(answer_body, ec);
  if (ec || !v.is_object()) return 0;
  const auto* usage = v.as_object().if_contains("usage");
  if (usage == nullptr || !usage->is_object()) return 0;
  const auto* n = usage->as_object().if_contains("completion_tokens");
  if (n == nullptr || !is_integer(*n)) return 0;
  auto count = n->to_number<std::int64_t>();
  return count > 0 ? static_cast<std::uint64_t>(count) : 0;
}

void model_performance::add(const std::string& model, std::uint64_t tokens, double seconds) {
  std::lock_guard lock(mutex_);
  auto& t = by_model_[model];
  t.tokens += tokens;
  t.seconds += seconds;
}

model_performance::totals model_performance::get(const std::string& model) const {
  std::lock_guard lock(mutex_);
  auto it = by_model_.find(model);
  return it == by_model_.end() ? totals{} : it->second;
}

}  // namespace studio::api
