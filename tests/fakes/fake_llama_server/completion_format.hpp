// What a completion request asks for, and the JSON llama-server answers with,
// for its three completion APIs. Pure.
//
// Streams: one "data: {chunk}\n\n" event per token (the first without a
// "role"), a final chunk with finish_reason, usage and timings, then
// "data: [DONE]\n\n" for the OpenAI APIs (the native /completion ends with its
// "stop": true chunk, as the real one does).
#pragma once

#include "server_state.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace studio::fake {

enum class api_kind {
  chat,    // /v1/chat/completions, /chat/completions
  text,    // /v1/completions, /completions
  native,  // /completion
};

struct generation {
  api_kind kind = api_kind::chat;
  std::string id;      // "chatcmpl-…" / "cmpl-…"
  std::string model;   // echoed from the request, else the server's model name
  std::string prompt;  // the prompt text (chat: rendered with the template)
  int prompt_tokens = 0;
  int n_tokens = 0;  // tokens this request will generate
  bool stream = false;
  std::string finish_reason = "stop";  // "length" when a limit (or the context) cut it
  std::int64_t created = 0;
  int task = -1;
};

struct timings {
  int prompt_n = 0;
  double prompt_ms = 0;
  int predicted_n = 0;
  double predicted_ms = 0;
};

// Parses the request body. Throws api_error for a request llama-server
// rejects with 400, and std::runtime_error (a 500 server_error) for invalid JSON.
generation parse_generation(api_kind kind, std::string_view body, const server_state& state);

boost::json::object timings_json(const timings& t);
// One token's streamed event.
std::string token_event(const generation& g, std::string_view piece, int tokens_so_far);
// The last streamed event (finish_reason, usage, timings).
std::string final_event(const generation& g, const timings& t, int slot);
// The whole non-streamed response.
boost::json::object full_response(const generation& g, const std::string& text, const timings& t, int slot);
// An error after the headers: "error: {json}\n\n".
std::string error_event(unsigned code, std::string_view message, std::string_view type);
inline constexpr std::string_view done_event = "data: [DONE]\n\n";

}  // namespace studio::fake
