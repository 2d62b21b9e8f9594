// parse_options: LLAMA_ARG_* defaults first, then argv, through the flag table.
#include "options.hpp"

#include "flags.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace studio::fake {
namespace {

const flag_spec* find_flag(std::string_view name) {
  for (const auto& spec : flag_specs()) {
    if (std::find(spec.names.begin(), spec.names.end(), name) != spec.names.end()) return &spec;
  }
  return nullptr;
}

// "-1", "-0.5", "42": a value even though it may start with '-'.
bool looks_numeric(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  bool digit = false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.') {
      return false;
    }
  }
  return digit;
}

bool looks_like_value(std::string_view s) {
  return s.empty() || s.front() != '-' || s == "-" || looks_numeric(s);
}

}  // namespace

parse_outcome parse_options(const std::vector<std::string>& args, const env_lookup& env) {
  parse_outcome out;
  auto& o = out.options;

  for (const auto& spec : flag_specs()) {
    if (spec.env.empty()) continue;
    auto value = env(spec.env);
    if (!value) continue;
    try {
      spec.apply(o, *value);
    } catch (const std::exception& e) {
      out.error = "error while handling environment variable \"" + std::string(spec.env) + "\": " + e.what();
      return out;
    }
  }

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    const flag_spec* spec = find_flag(name);
    if (spec == nullptr) {
      // Unknown: ignore it, and its value when the next argument is one.
      o.ignored.push_back(args[i]);
      const bool is_flag = arg.size() > 1 && arg.front() == '-' && !looks_numeric(arg);
      if (is_flag && !inline_value && i + 1 < args.size() && looks_like_value(args[i + 1])) {
        o.ignored.push_back(args[++i]);
      }
      continue;
    }
    std::string_view value = "1";
    if (!spec->value_name.empty()) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        out.error = "error: expected value for argument: " + std::string(name);
        return out;
      }
    }
    try {
      spec->apply(o, value);
    } catch (const std::exception& e) {
      out.error = "error while handling argument \"" + std::string(name) + "\": " + e.what();
      return out;
    }
  }
  return out;
}

}  // namespace studio::fake
