// The fake model (see token_model.hpp).
#include "token_model.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <cmath>
#include <stdexcept>

namespace studio::fake {
namespace json = boost::json;

std::vector<int> tokenize(std::string_view text, bool add_bos) {
  std::vector<int> out;
  out.reserve(text.size() + 1);
  if (add_bos) out.push_back(model_facts::token_bos);
  for (unsigned char c : text) out.push_back(c + model_facts::byte_offset);
  return out;
}

std::string token_piece(int id) {
  if (id < model_facts::byte_offset || id >= model_facts::n_vocab) return {};
  return std::string(1, static_cast<char>(id - model_facts::byte_offset));
}

std::string detokenize(const std::vector<int>& tokens) {
  std::string out;
  for (int id : tokens) out += token_piece(id);
  return out;
}

std::string generated_piece(int k) {
  static constexpr std::array<std::string_view, 7> words = {" Hello", " from",   " the", " fake",
                                                            " llama", " server", "."};
  if (k == 0) return "Hello";
  return std::string(words[static_cast<std::size_t>(k) % words.size()]);
}

std::string generated_text(int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += generated_piece(k);
  return out;
}

namespace {

std::string message_content(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  if (content.is_null()) return {};
  if (!content.is_array()) throw std::invalid_argument("message content must be a string or array");
  std::string out;
  for (const auto& part : content.get_array()) {
    if (const auto* obj = part.if_object()) {
      if (const auto* text = obj->if_contains("text"); text && text->is_string()) {
        out += std::string(text->get_string());
      }
    }
  }
  return out;
}

}  // namespace

std::string render_chat(const json::value& messages) {
  if (!messages.is_array()) throw std::invalid_argument("'messages' must be an array");
  std::string out;
  for (const auto& m : messages.get_array()) {
    const auto* obj = m.if_object();
    if (obj == nullptr) throw std::invalid_argument("each message must be an object");
    std::string role = "user";
    if (const auto* r = obj->if_contains("role"); r && r->is_string()) role = r->get_string();
    const auto* content = obj->if_contains("content");
    out += "<|im_start|>" + role + "\n" + (content ? message_content(*content) : "") + "<|im_end|>\n";
  }
  return out + "<|im_start|>assistant\n";
}

std::vector<double> embed(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  std::vector<double> v(model_facts::n_embd);
  double norm = 0;
  for (auto& x : v) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    x = static_cast<double>(h % 2001) / 1000.0 - 1.0;
    norm += x * x;
  }
  norm = std::sqrt(norm);
  for (auto& x : v) x = norm > 0 ? x / norm : 0;
  return v;
}

}  // namespace studio::fake
