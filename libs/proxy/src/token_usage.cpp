// find_token_counts: cut the usage/timings object out of a text and read its counts.
#include "studio/proxy/token_usage.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

namespace studio::proxy {
namespace {

// Where the last `quoted_key` (a quote and at least one more character) begins in
// text, or npos. Steps back with memrchr from one occurrence of the key's first
// letter to the next (llama-server puts usage and timings at the end of an
// answer; 'u' is rare in the JSON after the content): std::string_view::rfind
// compares the key at every position, which cost more than the rest of the
// relay's work on a non-streamed answer, and stepping from quote to quote or a
// forward memmem over the tail were slower on JSON, which is dense in quotes
// (bench/README.md).
std::size_t last_key(std::string_view text, std::string_view quoted_key) {
  std::size_t end = text.size();
  while (end > 1) {
    const void* hit = ::memrchr(text.data() + 1, quoted_key[1], end - 1);
    if (hit == nullptr) break;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data()) - 1;
    if (text[at] == quoted_key.front() && text.substr(at, quoted_key.size()) == quoted_key) return at;
    end = at + 1;
  }
  return std::string_view::npos;
}

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  return i;
}

// Index of the quote that closes the string whose opening quote is at `open`, or npos.
std::size_t string_end(std::string_view text, std::size_t open) {
  for (std::size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return i;
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
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      i = string_end(text, i);
      if (i == std::string_view::npos) return {};
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return text.substr(start, i - start + 1);
    }
  }
  return {};
}

// A non-negative integer starting at text[i] and ending at a delimiter; nullopt otherwise
// (a sign, a fraction, an exponent, a string, overflow).
std::optional<std::uint64_t> integer_at(std::string_view text, std::size_t i) {
  if (i >= text.size()) return std::nullopt;
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data() + i, end, value);  // no sign for unsigned
  if (ec != std::errc{}) return std::nullopt;                            // no digits, or overflow
  i = skip_space(text, static_cast<std::size_t>(stop - text.data()));
  if (i >= text.size() || (text[i] != ',' && text[i] != '}')) return std::nullopt;
  return value;
}

// The integer values of two top-level members of one object (the text from its `{` to its
// `}`, as object_after cuts it), in one pass that skips strings and nested values: no JSON
// document is built (boost::json::parse of the usage object was most of this per request).
std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>> integer_members(
    std::string_view object, std::string_view key_a, std::string_view key_b) {
  std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>> out;
  int depth = 0;
  bool expect_key = false;
  for (std::size_t i = 0; i < object.size(); ++i) {
    const char c = object[i];
    if (c == '"') {
      const std::size_t close = string_end(object, i);
      if (close == std::string_view::npos) return {};
      if (depth == 1 && expect_key) {
        expect_key = false;
        const std::string_view key = object.substr(i + 1, close - i - 1);
        const std::size_t colon = skip_space(object, close + 1);
        if (colon >= object.size() || object[colon] != ':') return {};
        const std::size_t value = skip_space(object, colon + 1);
        if (key == key_a)
          out.first = integer_at(object, value);
        else if (key == key_b)
          out.second = integer_at(object, value);
        i = colon;
        continue;
      }
      i = close;
    } else if (c == '{' || c == '[') {
      ++depth;
      expect_key = c == '{' && depth == 1;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return out;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
  }
  return {};  // not a whole object
}

}  // namespace

token_counts find_token_counts(std::string_view text) {
  token_counts out;
  std::tie(out.prompt, out.completion) =
      integer_members(object_after(text, "\"usage\""), "prompt_tokens", "completion_tokens");
  if (out.prompt && out.completion) return out;
  const auto [prompt_n, predicted_n] =
      integer_members(object_after(text, "\"timings\""), "prompt_n", "predicted_n");
  if (!out.prompt) out.prompt = prompt_n;
  if (!out.completion) out.completion = predicted_n;
  return out;
}

}  // namespace studio::proxy
