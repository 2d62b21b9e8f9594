// find_token_counts: cut the usage/timings object out of a text and parse it.
#include "studio/proxy/token_usage.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstring>

namespace studio::proxy {
namespace {

// Where the last `quoted_key` (which starts with a quote) begins in text, or
// npos. Steps back from quote to quote with memrchr: std::string_view::rfind
// compares the key at every position, which cost more than the rest of the
// relay's work on a non-streamed answer (bench/README.md).
std::size_t last_key(std::string_view text, std::string_view quoted_key) {
  std::size_t end = text.size();
  while (end > 0) {
    const void* hit = ::memrchr(text.data(), quoted_key.front(), end);
    if (hit == nullptr) break;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    if (text.substr(at, quoted_key.size()) == quoted_key) return at;
    end = at;
  }
  return std::string_view::npos;
}

// The JSON object that is the value of the last `"key":` in text; empty when
// absent or unterminated.
std::string_view object_after(std::string_view text, std::string_view quoted_key) {
  auto at = last_key(text, quoted_key);
  if (at == std::string_view::npos) return {};
  auto i = at + quoted_key.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '\t' || text[i] == '\n')) ++i;
  if (i >= text.size() || text[i] != '{') return {};
  const auto start = i;
  int depth = 0;
  bool in_string = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return text.substr(start, i - start + 1);
    }
  }
  return {};
}

std::optional<std::uint64_t> count(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  if (v->is_uint64()) return v->get_uint64();
  return std::nullopt;
}

// The object in `text`, kept in `memory` (a stack buffer: no heap allocations).
std::optional<boost::json::object> parse_object(std::string_view text, boost::json::monotonic_resource& memory) {
  if (text.empty()) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec, &memory);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

token_counts find_token_counts(std::string_view text) {
  token_counts out;
  unsigned char scratch[2048];
  boost::json::monotonic_resource memory(scratch, sizeof scratch);
  if (auto usage = parse_object(object_after(text, "\"usage\""), memory)) {
    out.prompt = count(*usage, "prompt_tokens");
    out.completion = count(*usage, "completion_tokens");
  }
  if (out.prompt && out.completion) return out;
  if (auto timings = parse_object(object_after(text, "\"timings\""), memory)) {
    if (!out.prompt) out.prompt = count(*timings, "prompt_n");
    if (!out.completion) out.completion = count(*timings, "predicted_n");
  }
  return out;
}

}  // namespace studio::proxy
