// Health, models, props, slots, metrics, tokenizer and embedding endpoints.
#include "handlers.hpp"

#include "llama_http.hpp"
#include "token_model.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/beast/core/detail/base64.hpp>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace studio::fake {
namespace json = boost::json;
namespace {

json::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) throw std::runtime_error("[json.exception.parse_error.101] parse error: " + ec.message());
  if (!v.is_object()) throw api_error(400, "request body must be a JSON object", "invalid_request_error");
  return std::move(v.get_object());
}

json::object slot_json(const server_state& s, int id, const slot_state& slot) {
  return {{"id", id},
          {"id_task", slot.task},
          {"n_ctx", s.n_ctx_slot},
          {"speculative", false},
          {"is_processing", slot.busy},
          {"params",
           {{"n_predict", s.options.n_predict},
            {"temperature", 0.8},
            {"top_k", 40},
            {"top_p", 0.95},
            {"min_p", 0.05}}},
          {"prompt", ""},
          {"next_token",
           {{"has_next_token", slot.busy},
            {"has_new_line", false},
            {"n_remain", slot.n_remain},
            {"n_decoded", slot.n_decoded},
            {"stopping_word", ""}}}};
}

// Embedding inputs: a string, an array of strings, or token arrays.
std::vector<std::string> embedding_inputs(const json::object& body, const char* key) {
  const auto* input = body.if_contains(key);
  if (input == nullptr)
    throw api_error(400, "\"input\" or \"content\" must be provided", "invalid_request_error");
  std::vector<std::string> out;
  if (input->is_string()) {
    out.emplace_back(input->get_string());
  } else if (input->is_array()) {
    for (const auto& item : input->get_array()) {
      if (item.is_string())
        out.emplace_back(item.get_string());
      else if (item.is_array()) {
        std::vector<int> tokens;
        for (const auto& t : item.get_array()) {
          if (t.is_int64()) tokens.push_back(static_cast<int>(t.as_int64()));
        }
        out.push_back(detokenize(tokens));
      }
    }
  }
  if (out.empty())
    throw api_error(400, "\"input\" must be a string or an array of strings", "invalid_request_error");
  return out;
}

http::response embeddings_disabled() {
  return llama_error(501, "This server does not support embeddings. Start it with `--embeddings`",
                     "not_supported_error");
}

// encoding_format "base64", as llama-server answers it: the little-endian
// float32 bytes of the vector, base64-encoded (what OpenAI clients ask for).
std::string to_base64_floats(const std::vector<double>& v) {
  std::string bytes;
  for (double d : v) {
    const float f = static_cast<float>(d);
    char raw[sizeof f];
    std::memcpy(raw, &f, sizeof f);
    bytes.append(raw, sizeof f);
  }
  std::string out(boost::beast::detail::base64::encoded_size(bytes.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

json::array to_json_array(const std::vector<double>& v) {
  json::array out;
  for (double x : v) out.push_back(x);
  return out;
}

}  // namespace

handler_result handle_health(server_state&, http::request_context&) {
  co_return llama_json(200, json::object{{"status", "ok"}});
}

handler_result handle_models(server_state& s, http::request_context&) {
  json::object meta{{"vocab_type", 2},
                    {"n_vocab", model_facts::n_vocab},
                    {"n_ctx_train", model_facts::n_ctx_train},
                    {"n_embd", model_facts::n_embd},
                    {"n_params", model_facts::n_params},
                    {"size", s.model_size}};
  json::object model{
      {"id", s.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "llamacpp"}, {"meta", meta}};
  json::object listed{{"name", s.model_name},
                      {"model", s.model_name},
                      {"modified_at", ""},
                      {"size", ""},
                      {"digest", ""},
                      {"type", "model"},
                      {"description", ""},
                      {"tags", json::array{""}},
                      {"capabilities", json::array{"completion"}},
                      {"parameters", ""},
                      {"details", {{"parent_model", ""}, {"format", "gguf"}}}};
  co_return llama_json(
      200, json::object{{"models", json::array{listed}}, {"object", "list"}, {"data", json::array{model}}});
}

handler_result handle_props(server_state& s, http::request_context&) {
  co_return llama_json(200, json::object{{"default_generation_settings", slot_json(s, 0, slot_state{})},
                                         {"total_slots", s.n_slots},
                                         {"model_path", s.options.model},
                                         {"modalities", {{"vision", false}, {"audio", false}}},
                                         {"chat_template", chat_template},
                                         {"bos_token", "<s>"},
                                         {"eos_token", "</s>"},
                                         {"build_info", build_info()},
                                         {"endpoint_slots", s.options.slots},
                                         {"endpoint_props", false},
                                         {"endpoint_metrics", s.options.metrics}});
}

handler_result handle_slots(server_state& s, http::request_context& ctx) {
  if (!s.options.slots) {
    co_return llama_error(501, "This server does not support slots endpoint. Start it with `--slots`",
                          "not_supported_error");
  }
  if (ctx.query_param("fail_on_no_slot") && s.slots.busy_count() == s.slots.size()) {
    co_return llama_error(503, "no slot available", "unavailable_error");
  }
  json::array out;
  const auto& states = s.slots.states();
  for (std::size_t i = 0; i < states.size(); ++i) {
    out.push_back(slot_json(s, static_cast<int>(i), states[i]));
  }
  co_return llama_json(200, out);
}

handler_result handle_metrics(server_state& s, http::request_context&) {
  if (!s.options.metrics) {
    co_return llama_error(501, "This server does not support metrics endpoint. Start it with `--metrics`",
                          "not_supported_error");
  }
  const auto& m = s.metrics;
  auto rate = [](double n, double seconds) { return seconds > 0 ? n / seconds : 0.0; };
  const double busy_per_decode =
      m.n_decode_total > 0 ? static_cast<double>(m.n_busy_slots_total) / m.n_decode_total : 0.0;
  struct metric {
    const char* name;
    const char* type;
    const char* help;
    double value;
  };
  const metric metrics[] = {
      {"prompt_tokens_total", "counter", "Number of prompt tokens processed.", double(m.prompt_tokens_total)},
      {"prompt_seconds_total", "counter", "Prompt process time", m.prompt_seconds_total},
      {"tokens_predicted_total", "counter", "Number of generation tokens processed.",
       double(m.tokens_predicted_total)},
      {"tokens_predicted_seconds_total", "counter", "Predict process time", m.tokens_predicted_seconds_total},
      {"n_decode_total", "counter", "Total number of llama_decode() calls", double(m.n_decode_total)},
      {"n_busy_slots_per_decode", "counter", "Average number of busy slots per llama_decode() call",
       busy_per_decode},
      {"prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
       rate(double(m.prompt_tokens_total), m.prompt_seconds_total)},
      {"predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.",
       rate(double(m.tokens_predicted_total), m.tokens_predicted_seconds_total)},
      {"requests_processing", "gauge", "Number of requests processing.", double(s.slots.busy_count())},
      {"requests_deferred", "gauge", "Number of requests deferred.", double(s.slots.waiting())},
  };
  std::string text;
  for (const auto& x : metrics) {
    std::string name = std::string("llamacpp:") + x.name;
    text += "# HELP " + name + " " + x.help + "\n# TYPE " + name + " " + x.type + "\n";
    char value[64];
    std::snprintf(value, sizeof value, "%.9g", x.value);
    text += name + " " + value + "\n";
  }
  http::response res;
  res.content_type = "text/plain; version=0.0.4";
  res.body = std::move(text);
  co_return res;
}

handler_result handle_tokenize(server_state&, http::request_context& ctx) {
  const auto body = parse_object(ctx.req().body());
  std::string content;
  if (const auto* c = body.if_contains("content"); c && c->is_string()) content = c->get_string();
  bool add_special = false;
  bool with_pieces = false;
  if (const auto* v = body.if_contains("add_special"); v && v->is_bool()) add_special = v->get_bool();
  if (const auto* v = body.if_contains("with_pieces"); v && v->is_bool()) with_pieces = v->get_bool();
  json::array tokens;
  for (int id : tokenize(content, add_special)) {
    if (!with_pieces) {
      tokens.push_back(id);
      continue;
    }
    std::string piece = token_piece(id);
    json::value p = json::string(piece);
    if (!piece.empty() && static_cast<unsigned char>(piece[0]) >= 0x80) {
      p = json::array{static_cast<unsigned char>(piece[0])};  // not valid UTF-8 alone
    }
    tokens.push_back(json::object{{"id", id}, {"piece", p}});
  }
  co_return llama_json(200, json::object{{"tokens", tokens}});
}

handler_result handle_detokenize(server_state&, http::request_context& ctx) {
  const auto body = parse_object(ctx.req().body());
  std::vector<int> tokens;
  if (const auto* t = body.if_contains("tokens"); t && t->is_array()) {
    for (const auto& id : t->get_array()) {
      if (id.is_int64()) tokens.push_back(static_cast<int>(id.as_int64()));
    }
  }
  co_return llama_json(200, json::object{{"content", detokenize(tokens)}});
}

handler_result handle_embeddings_oai(server_state& s, http::request_context& ctx) {
  if (!s.options.embeddings) co_return embeddings_disabled();
  const auto body = parse_object(ctx.req().body());
  std::string model = s.model_name;
  if (const auto* m = body.if_contains("model"); m && m->is_string()) model = m->get_string();
  json::array data;
  std::size_t prompt_tokens = 0;
  const auto inputs = embedding_inputs(body, body.contains("input") ? "input" : "content");
  const auto* format = body.if_contains("encoding_format");
  const bool base64 = format && format->is_string() && format->get_string() == "base64";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    prompt_tokens += tokenize(inputs[i], true).size();
    const auto vec = embed(inputs[i]);
    json::value embedding = base64 ? json::value(to_base64_floats(vec)) : json::value(to_json_array(vec));
    data.push_back(json::object{{"embedding", std::move(embedding)}, {"index", i}, {"object", "embedding"}});
  }
  co_return llama_json(
      200, json::object{{"model", model},
                        {"object", "list"},
                        {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}},
                        {"data", data}});
}

handler_result handle_embeddings_native(server_state& s, http::request_context& ctx) {
  if (!s.options.embeddings) co_return embeddings_disabled();
  const auto body = parse_object(ctx.req().body());
  json::array out;
  const auto inputs = embedding_inputs(body, body.contains("content") ? "content" : "input");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(json::object{{"index", i}, {"embedding", json::array{to_json_array(embed(inputs[i]))}}});
  }
  co_return llama_json(200, out);
}

}  // namespace studio::fake
