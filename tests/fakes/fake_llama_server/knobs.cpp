// read_knobs: non-negative integers (milliseconds, counts, an exit code) and a path.
#include "knobs.hpp"

#include "flags.hpp"

#include <stdexcept>

namespace studio::fake {

knobs_outcome read_knobs(const env_lookup& env) {
  knobs_outcome out;
  auto number = [&](std::string_view name) -> std::optional<int> {
    auto text = env(name);
    if (!text || !out.error.empty()) return std::nullopt;
    try {
      int value = parse_int(*text);
      if (value < 0) throw std::invalid_argument("must not be negative");
      return value;
    } catch (const std::exception& e) {
      out.error = "error: bad value for " + std::string(name) + "='" + *text + "': " + e.what();
      return std::nullopt;
    }
  };
  auto& k = out.values;
  k.load_delay = std::chrono::milliseconds(number("FAKE_LLAMA_LOAD_DELAY_MS").value_or(0));
  k.token_delay = std::chrono::milliseconds(number("FAKE_LLAMA_TOKEN_DELAY_MS").value_or(0));
  k.load_log_lines = number("FAKE_LLAMA_LOAD_LOG_LINES").value_or(0);
  k.crash_after_requests = number("FAKE_LLAMA_CRASH_AFTER_REQUESTS");
  k.crash_mid_stream = number("FAKE_LLAMA_CRASH_MID_STREAM");
  k.error_mid_stream = number("FAKE_LLAMA_ERROR_MID_STREAM");
  k.exit_during_load = number("FAKE_LLAMA_EXIT_DURING_LOAD");
  k.argv_file = env("FAKE_LLAMA_ARGV_FILE").value_or("");
  const std::string omit_text = env("FAKE_LLAMA_HELP_OMIT").value_or("");
  std::string_view omit = omit_text;
  while (!omit.empty()) {
    auto comma = omit.find(',');
    if (comma != 0) k.help_omit.emplace_back(omit.substr(0, comma));
    if (comma == std::string_view::npos) break;
    omit.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace studio::fake
