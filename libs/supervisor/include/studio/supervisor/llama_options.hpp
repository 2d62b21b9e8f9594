// The option table: JSON options (seed 000/002 names) -> llama-server flags, and
// the validation of an options object against it. Pure: no I/O.
//
// Each row names one JSON key, its type and range, and the llama-server flag it
// becomes (empty for supervisor-only settings such as auto_restart). New options
// (issue 6: every property of seed 002's llamactl.CreateInstanceOptions) are rows.
// Booleans become bare flags, string lists repeated flags, numbers/strings values.
#pragma once

#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace studio::supervisor {

// string_list: an array of strings, one flag per element; string_map: an object of
// strings (only "environment": variables added to the child's environment).
enum class option_kind { integer, number, boolean, string, string_list, string_map };

// Who consumes a key: the child (argv), the supervisor (no flag: auto_restart ...),
// the launch spec (model: -m comes from launch_spec::model), or the gateway alone
// (host, port, api_key, api_key_file: set by the gateway, refused in options).
enum class option_owner { child, supervisor, launch, gateway };

struct option_spec {
  std::string_view key;   // JSON key, e.g. "ctx_size"
  std::string_view flag;  // llama-server flag, e.g. "--ctx-size"; empty: not passed to the child
  option_kind kind;
  double min = 0;  // inclusive range for integer/number kinds
  double max = 0;
  bool sampling = false;           // also a per-request sampling default (chat)
  std::string_view off_flag = {};  // boolean false -> this flag (empty: false omits the flag)
  option_owner owner = option_owner::child;
  bool split = false;  // a string value is split on spaces into several argv words ("FILE SCALE")
};

// Every known option, in argv order.
std::span<const option_spec> option_table();

// The row for a key; nullptr when unknown.
const option_spec* find_option(std::string_view key);

// Checks every member of `options`: a known key with a value of the right type in range.
// Keys starting with '_' are internal and always accepted; gateway-owned keys (port ...)
// are refused. Returns a message naming the first offending field, or nullopt.
std::optional<std::string> validate_options(const boost::json::object& options);

// The defaults of the admin instance (seed 000's example config).
boost::json::object default_llm_config();

// What one launch of llama-server needs besides the options.
struct launch_spec {
  std::filesystem::path model;     // absolute path of the GGUF file
  std::string host = "127.0.0.1";  // the child binds to loopback only
  unsigned short port = 0;
  std::string api_key;          // internal per-instance key; never logged
  boost::json::object options;  // validated options (unknown and '_' keys skipped)
};

// argv[1..] for llama-server: -m (when model is set), --host, --port, --api-key, then
// one flag per known child option, in table order. Integers print as integers,
// numbers in their shortest round-trip form; lists repeat the flag per element.
std::vector<std::string> build_argv(const launch_spec& spec);

// The child's environment: the gateway's ("KEY=value" entries, NULL-terminated) without
// the gateway's own secrets (STUDIO_API_KEY, STUDIO_INFERENCE_KEY, HF_TOKEN) and without
// llama-server's key variables (LLAMA_API_KEY, LLAMA_ARG_API_KEY_FILE): --api-key rules.
// `options` ("environment": {"NAME": "value"}) then adds or replaces variables.
std::vector<std::string> child_environment(const char* const* environ,
                                           const boost::json::object* options = nullptr);

// A copy of argv with the values after "--api-key" and "--hf-token" replaced by "***", for logs.
std::vector<std::string> redact_argv(std::vector<std::string> argv);

}  // namespace studio::supervisor
