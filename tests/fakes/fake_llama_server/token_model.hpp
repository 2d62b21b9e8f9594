// The fake model: byte-level tokenizer, a deterministic generator and
// deterministic embeddings. Pure.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace studio::fake {

struct model_facts {
  static constexpr int n_vocab = 259;
  static constexpr int n_ctx_train = 4096;
  static constexpr int n_embd = 16;
  static constexpr std::int64_t n_params = 1'000'000;
  static constexpr int n_layer = 8;
  static constexpr int token_unk = 0;
  static constexpr int token_bos = 1;
  static constexpr int token_eos = 2;
  static constexpr int byte_offset = 3;      // token id = byte + 3
  static constexpr int default_tokens = 16;  // generated when nothing limits a request
};

std::vector<int> tokenize(std::string_view text, bool add_bos);
// Special and out-of-range ids produce no text.
std::string detokenize(const std::vector<int>& tokens);
// The text of one token id (for /tokenize with_pieces).
std::string token_piece(int id);

// The k-th generated piece (k from 0): "Hello", " from", " the", " fake",
// " llama", " server", ".", then " Hello", " from", ... again.
std::string generated_piece(int k);
// The first n pieces, concatenated.
std::string generated_text(int n);

// The chat prompt rendered with the model's (ChatML) template. `messages` is
// the request's array; content may be a string or an array of text parts.
// Throws std::invalid_argument when it is not an array of objects.
std::string render_chat(const boost::json::value& messages);
inline constexpr std::string_view chat_template =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
    "+ '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' "
    "}}{% endif %}";

// A unit vector of n_embd floats derived from the text.
std::vector<double> embed(std::string_view text);

}  // namespace studio::fake
