// Token counts of one inference answer, found cheaply (pure): the `usage`
// object (OpenAI: prompt_tokens, completion_tokens) or else llama-server's
// `timings` (prompt_n, predicted_n) of a final SSE event or a whole body.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace studio::proxy {

struct token_counts {
  std::optional<std::uint64_t> prompt;
  std::optional<std::uint64_t> completion;
  bool empty() const { return !prompt && !completion; }
};

// Looks for the last `"usage"` and the last `"timings"` key in `text` (a JSON
// body, or an SSE event with its "data: " prefix), cuts out the object that
// follows (brace matching that skips strings) and reads only its top-level
// integer members (one pass, no JSON document built). Usage
// fields win; timings fill what usage lacks. Nothing found: both empty.
// The whole text is never parsed, so a huge answer costs one reverse search.
token_counts find_token_counts(std::string_view text);

}  // namespace studio::proxy
