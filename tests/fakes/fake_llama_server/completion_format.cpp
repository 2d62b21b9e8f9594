// Completion requests and responses in llama-server's JSON shapes.
#include "completion_format.hpp"

#include "llama_http.hpp"
#include "token_model.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <stdexcept>

namespace studio::fake {
namespace json = boost::json;
namespace {

std::string random_id(std::string_view prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr std::string_view alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id(prefix);
  for (int i = 0; i < 32; ++i) id += alphabet[rng() % alphabet.size()];
  return id;
}

json::value parse_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) throw std::runtime_error("[json.exception.parse_error.101] parse error: " + ec.message());
  if (!v.is_object()) throw api_error(400, "request body must be a JSON object", "invalid_request_error");
  return v;
}

// The request's token budget: the first of these that is present; -1 = none.
int requested_tokens(const json::object& body) {
  for (const char* key : {"n_predict", "max_tokens", "max_completion_tokens"}) {
    if (const auto* v = body.if_contains(key); v && v->is_int64()) return static_cast<int>(v->as_int64());
  }
  return -1;
}

std::string prompt_text(const json::object& body) {
  const auto* prompt = body.if_contains("prompt");
  if (prompt == nullptr) throw api_error(400, "\"prompt\" must be provided", "invalid_request_error");
  if (prompt->is_string()) return std::string(prompt->get_string());
  if (prompt->is_array()) {
    const auto& items = prompt->get_array();
    if (!items.empty() && items[0].is_string()) return std::string(items[0].get_string());
    std::vector<int> tokens;
    for (const auto& t : items) {
      if (t.is_int64()) tokens.push_back(static_cast<int>(t.as_int64()));
    }
    return detokenize(tokens);
  }
  throw api_error(400, "\"prompt\" must be a string or an array", "invalid_request_error");
}

json::object usage_json(const generation& g) {
  return {{"completion_tokens", g.n_tokens},
          {"prompt_tokens", g.prompt_tokens},
          {"total_tokens", g.n_tokens + g.prompt_tokens}};
}

// Fields every OpenAI-shaped body carries, after "choices".
void add_envelope(json::object& o, const generation& g, std::string_view object) {
  o["created"] = g.created;
  o["model"] = g.model;
  o["system_fingerprint"] = build_info();
  o["object"] = object;
  o["id"] = g.id;
}

json::object native_body(const generation& g, std::string_view content, const timings& t, int slot) {
  return {{"index", 0},
          {"content", content},
          {"tokens", json::array{}},
          {"id_slot", slot},
          {"stop", true},
          {"model", g.model},
          {"tokens_predicted", g.n_tokens},
          {"tokens_evaluated", g.prompt_tokens},
          {"generation_settings", {{"n_predict", g.n_tokens}, {"temperature", 0.8}, {"stream", g.stream}}},
          {"prompt", g.prompt},
          {"has_new_line", false},
          {"truncated", false},
          {"stop_type", g.finish_reason == "length" ? "limit" : "eos"},
          {"stopping_word", ""},
          {"tokens_cached", g.prompt_tokens + g.n_tokens},
          {"timings", timings_json(t)}};
}

std::string data_event(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

}  // namespace

generation parse_generation(api_kind kind, std::string_view body_text, const server_state& state) {
  json::value value = parse_body(body_text);
  const auto& body = value.get_object();
  generation g;
  g.kind = kind;
  g.id = random_id(kind == api_kind::chat ? "chatcmpl-" : "cmpl-");
  g.created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  g.model = state.model_name;
  if (const auto* m = body.if_contains("model"); m && m->is_string()) g.model = m->get_string();
  if (const auto* s = body.if_contains("stream"); s && s->is_bool()) g.stream = s->get_bool();

  if (kind == api_kind::chat) {
    const auto* messages = body.if_contains("messages");
    if (messages == nullptr) throw api_error(400, "'messages' is required", "invalid_request_error");
    try {
      g.prompt = render_chat(*messages);
    } catch (const std::invalid_argument& e) {
      throw api_error(400, e.what(), "invalid_request_error");
    }
  } else {
    g.prompt = prompt_text(body);
  }
  g.prompt_tokens = static_cast<int>(tokenize(g.prompt, true).size());
  if (g.prompt_tokens >= state.n_ctx_slot) {
    throw api_error(400, "the request exceeds the available context size, try increasing it",
                    "exceed_context_size_error");
  }

  int budget = requested_tokens(body);
  if (budget < 0) budget = state.options.n_predict;
  g.n_tokens = budget >= 0 ? budget : model_facts::default_tokens;
  g.finish_reason = budget >= 0 ? "length" : "stop";
  const int room = state.n_ctx_slot - g.prompt_tokens;
  if (g.n_tokens > room) {
    g.n_tokens = room;
    g.finish_reason = "length";
  }
  return g;
}

json::object timings_json(const timings& t) {
  auto per_token = [](double ms, int n) { return n > 0 ? ms / n : 0.0; };
  auto per_second = [](double ms, int n) { return ms > 0 ? 1000.0 * n / ms : 0.0; };
  return {{"cache_n", 0},
          {"prompt_n", t.prompt_n},
          {"prompt_ms", t.prompt_ms},
          {"prompt_per_token_ms", per_token(t.prompt_ms, t.prompt_n)},
          {"prompt_per_second", per_second(t.prompt_ms, t.prompt_n)},
          {"predicted_n", t.predicted_n},
          {"predicted_ms", t.predicted_ms},
          {"predicted_per_token_ms", per_token(t.predicted_ms, t.predicted_n)},
          {"predicted_per_second", per_second(t.predicted_ms, t.predicted_n)}};
}

std::string token_event(const generation& g, std::string_view piece, int tokens_so_far) {
  json::object o;
  switch (g.kind) {
    case api_kind::chat:
      o["choices"] = json::array{
          json::object{{"finish_reason", nullptr}, {"index", 0}, {"delta", {{"content", piece}}}}};
      add_envelope(o, g, "chat.completion.chunk");
      break;
    case api_kind::text:
      o["choices"] = json::array{
          json::object{{"text", piece}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", nullptr}}};
      add_envelope(o, g, "text_completion");
      break;
    case api_kind::native:
      o = {{"index", 0},
           {"content", piece},
           {"tokens", json::array{}},
           {"stop", false},
           {"id_slot", -1},
           {"tokens_predicted", tokens_so_far},
           {"tokens_evaluated", g.prompt_tokens}};
      break;
  }
  return data_event(o);
}

std::string final_event(const generation& g, const timings& t, int slot) {
  json::object o;
  switch (g.kind) {
    case api_kind::chat:
      o["choices"] = json::array{
          json::object{{"finish_reason", g.finish_reason}, {"index", 0}, {"delta", json::object{}}}};
      add_envelope(o, g, "chat.completion.chunk");
      break;
    case api_kind::text:
      o["choices"] = json::array{json::object{
          {"text", ""}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", g.finish_reason}}};
      add_envelope(o, g, "text_completion");
      break;
    case api_kind::native:
      return data_event(native_body(g, "", t, slot));
  }
  o["usage"] = usage_json(g);
  o["timings"] = timings_json(t);
  return data_event(o);
}

json::object full_response(const generation& g, const std::string& text, const timings& t, int slot) {
  json::object o;
  switch (g.kind) {
    case api_kind::chat:
      o["choices"] = json::array{json::object{{"finish_reason", g.finish_reason},
                                              {"index", 0},
                                              {"message", {{"role", "assistant"}, {"content", text}}}}};
      add_envelope(o, g, "chat.completion");
      break;
    case api_kind::text:
      o["choices"] = json::array{json::object{
          {"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", g.finish_reason}}};
      add_envelope(o, g, "text_completion");
      break;
    case api_kind::native:
      return native_body(g, text, t, slot);
  }
  o["usage"] = usage_json(g);
  o["timings"] = timings_json(t);
  return o;
}

std::string error_event(unsigned code, std::string_view message, std::string_view type) {
  return "error: " + json::serialize(error_object(code, message, type)) + "\n\n";
}

}  // namespace studio::fake
