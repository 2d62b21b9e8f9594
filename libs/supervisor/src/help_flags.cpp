// parse_help_flags and unsupported_option (see help_flags.hpp).
#include "studio/supervisor/help_flags.hpp"

#include "studio/supervisor/llama_options.hpp"

namespace studio::supervisor {
namespace {

// Option lines start at (or very near) the left margin; wrapped descriptions do not.
constexpr std::size_t max_option_indent = 4;

bool is_flag_token(std::string_view t) {
  std::size_t dashes = t.starts_with("--") ? 2 : (t.starts_with("-") ? 1 : 0);
  if (dashes == 0 || t.size() <= dashes) return false;
  char c = t[dashes];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The names at the start of one option line: "-ngl,  --gpu-layers, --n-gpu-layers N  ..."
// gives -ngl, --gpu-layers, --n-gpu-layers (a name without a trailing comma is the last).
void add_line_flags(std::string_view line, flag_set& out) {
  std::size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos || indent > max_option_indent) return;
  line.remove_prefix(indent);
  while (!line.empty()) {
    auto end = line.find_first_of(" \t");
    std::string_view token = line.substr(0, end);
    bool more = token.ends_with(',');
    if (more) token.remove_suffix(1);
    // "--flag=VALUE" style placeholders name the flag before '='.
    if (auto eq = token.find('='); eq != std::string_view::npos) token = token.substr(0, eq);
    if (!is_flag_token(token)) return;
    out.emplace(token);
    if (!more || end == std::string_view::npos) return;
    line.remove_prefix(end);
    auto next = line.find_first_not_of(" \t");
    if (next == std::string_view::npos) return;
    line.remove_prefix(next);
  }
}

}  // namespace

flag_set parse_help_flags(std::string_view help_text) {
  flag_set flags;
  while (!help_text.empty()) {
    auto nl = help_text.find('\n');
    auto line = help_text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    add_line_flags(line, flags);
    if (nl == std::string_view::npos) break;
    help_text.remove_prefix(nl + 1);
  }
  return flags;
}

std::optional<std::string> unsupported_option(const boost::json::object& options, const flag_set& flags,
                                              std::string_view binary) {
  for (const auto& member : options) {
    const auto* row = find_option(member.key());
    if (row == nullptr || row->owner != option_owner::child) continue;
    std::string_view flag = row->flag;
    if (row->kind == option_kind::boolean && member.value().is_bool() && !member.value().get_bool())
      flag = row->off_flag;  // false passes the off flag, or nothing
    if (flag.empty() || flags.contains(flag)) continue;
    return "option '" + std::string(member.key()) + "' (flag " + std::string(flag) +
           ") is not supported by " + std::string(binary);
  }
  return std::nullopt;
}

}  // namespace studio::supervisor
