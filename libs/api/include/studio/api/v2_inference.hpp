// /api/v2 load/unload/chat building blocks (seed 003), all pure: the load body
// -> supervisor options mapping, the chat body -> OpenAI body mapping, the
// memory estimate from GGUF metadata, human-readable sizes, VmRSS parsing and
// the per-model token counters behind GET /api/v2/models/{id} "performance".
#pragma once

#include "studio/gguf/metadata.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace studio::api {

// A load request: n_gpu_layers, n_ctx, n_batch, threads (integers), use_mlock,
// f16_kv, force (booleans) mapped onto the option table (ctx_size, batch_size,
// mlock, cache_type_k/v = "f16"). Unknown fields and wrong types are errors.
struct load_plan {
  boost::json::object options;  // validated against the option table
  std::optional<std::uint64_t> n_ctx;
  bool gpu_offload = false;          // n_gpu_layers given and not 0
  bool force = false;                // skip the memory check
  std::optional<std::string> error;  // 400 message
};
load_plan plan_load(const boost::json::object& body);

// A chat request -> the body for /v1/chat/completions: messages (required
// array), temperature, top_p (numbers), n_predict -> max_tokens (integer),
// "model" and "stream" set by the gateway.
struct chat_plan {
  boost::json::object body;
  std::optional<std::string> error;  // 400 message
};
chat_plan plan_chat(const boost::json::object& request, std::string_view model, bool stream);

// Memory a model needs: weights = the file size; KV cache = 2 (K and V) x
// block_count x n_ctx x (embedding_length x head_count_kv / head_count) x
// bytes per element (f16 = 2). head_count_kv defaults to head_count.
struct memory_estimate {
  std::uint64_t weights_bytes = 0;
  std::uint64_t kv_cache_bytes = 0;
  std::uint64_t total_bytes = 0;
  std::uint64_t n_ctx = 0;
};
// n_ctx: the requested context (0 or none: the model's context_length, else 4096).
// nullopt when block_count, embedding_length or head_count is missing (no estimate).
std::optional<memory_estimate> estimate_memory(const gguf::metadata& md, std::uint64_t file_size,
                                               std::optional<std::uint64_t> n_ctx,
                                               unsigned kv_bytes_per_element = 2);

// "512B", "3.0KB", "4.5GB" (1024-based, one decimal above bytes).
std::string human_bytes(std::uint64_t bytes);

// VmRSS of a /proc/<pid>/status text in bytes; nullopt when absent.
std::optional<std::uint64_t> parse_vm_rss(std::string_view status_text);

// Tokens a streamed chat produced, from the relayed SSE event count: every
// event but the final "[DONE]" carries at most one token.
std::uint64_t stream_tokens(std::uint64_t sse_events);

// Completion tokens of a non-streamed chat answer (usage.completion_tokens); 0 if absent.
std::uint64_t completion_tokens(std::string_view answer_body);

// Per-model token counters. Thread-safe.
class model_performance {
 public:
  struct totals {
    std::uint64_t tokens = 0;
    double seconds = 0;  // generation time of the requests that produced them
    double average_speed() const { return seconds > 0 ? static_cast<double>(tokens) / seconds : 0; }
  };
  void add(const std::string& model, std::uint64_t tokens, double seconds);
  totals get(const std::string& model) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, totals, std::less<>> by_model_;
};

}  // namespace studio::api
