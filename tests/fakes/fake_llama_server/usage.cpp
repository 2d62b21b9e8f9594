// --help, --version and --list-devices texts, shaped like llama-server's.
#include "flags.hpp"
#include "options.hpp"
#include "studio/supervisor/llama_options.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace studio::fake {
namespace {

constexpr std::size_t help_column = 40;

bool omitted(const std::vector<std::string>& omit, std::string_view name) {
  return std::find(omit.begin(), omit.end(), name) != omit.end();
}

// One option line; empty when every name of the flag is omitted.
std::string flag_line(const flag_spec& spec, const std::vector<std::string>& omit) {
  std::string left;
  for (const auto& name : spec.names) {
    if (omitted(omit, name)) continue;
    if (!left.empty()) left += ", ";
    left += name;
  }
  if (left.empty()) return {};
  if (!spec.value_name.empty()) left += " " + std::string(spec.value_name);
  std::string line = left.size() < help_column ? left + std::string(help_column - left.size(), ' ')
                                               : left + "\n" + std::string(help_column, ' ');
  line += std::string(spec.help) + "\n";
  if (!spec.env.empty()) {
    line += std::string(help_column, ' ') + "(env: " + std::string(spec.env) + ")\n";
  }
  return line;
}

constexpr std::string_view knobs_help = R"(
----- fake knobs (environment variables; fake-llama-server only) -----

FAKE_LLAMA_LOAD_DELAY_MS=N              length of the "loading model" phase; every path answers
                                        503 "Loading model" meanwhile (default: 0)
FAKE_LLAMA_TOKEN_DELAY_MS=N             delay before each generated token (default: 0, no timers)
FAKE_LLAMA_LOAD_LOG_LINES=N             print N more lines (about 1 KB each) right after "server is
                                        listening", before answering anything (default: 0)
FAKE_LLAMA_CRASH_AFTER_REQUESTS=N       abort (SIGABRT) right after the N-th completed completion
                                        request has been sent
FAKE_LLAMA_CRASH_MID_STREAM=N           abort (SIGABRT) after sending N tokens of a stream
FAKE_LLAMA_ERROR_MID_STREAM=N           after N tokens of a stream send an `error: {json}` event,
                                        then `data: [DONE]`, and end the stream
FAKE_LLAMA_ARGV_FILE=PATH               write argv (argv[0] first, one argument per line) to PATH
                                        at start
FAKE_LLAMA_EXIT_DURING_LOAD=CODE        exit with CODE while loading the model
FAKE_LLAMA_HELP_OMIT=FLAG,...           leave these flags out of --help (a llama-server build
                                        without them); they are still accepted

Fake model: byte-level tokens (id = byte + 3; 0 unk, 1 bos, 2 eos), n_ctx_train 4096,
n_embd 16. Generated text cycles "Hello from the fake llama server." one word per token;
16 tokens (finish "stop") unless max_tokens / n_predict / -n limit it (finish "length").
SIGTERM or SIGINT: exit status 134 at once, as the real build does.
)";

}  // namespace

std::string build_info() { return "b" + std::to_string(build_number) + "-" + std::string(build_commit); }

std::string usage_text(const std::vector<std::string>& omit) {
  std::string out = "----- common params -----\n\n";
  std::set<std::string_view> own;
  for (const auto& spec : flag_specs()) {
    out += flag_line(spec, omit);
    own.insert(spec.names.begin(), spec.names.end());
  }
  out += "\n----- accepted and ignored (llama-server flags the fake does not act on) -----\n\n";
  std::set<std::string_view> listed;
  for (const auto& row : supervisor::option_table()) {
    for (auto flag : {row.flag, row.off_flag}) {
      if (flag.empty() || own.contains(flag) || omitted(omit, flag) || !listed.insert(flag).second) continue;
      out += std::string(flag) + std::string(help_column - std::min(help_column - 1, flag.size()), ' ') +
             "accepted, no effect\n";
    }
  }
  out += "\nunknown flags are accepted and ignored (with their value, if one follows)\n";
  out += knobs_help;
  out += "\nexample usage:\n\n    llama-server -m model.gguf -c 2048 --port 8080\n\n";
  return out;
}

std::string version_text() {
  return "version: " + std::to_string(build_number) + " (" + std::string(build_commit) +
         ")\nbuilt with GNU " __VERSION__ " for x86_64-linux-gnu (fake-llama-server)\n";
}

std::string devices_text() { return "Available devices:\n"; }

}  // namespace studio::fake
