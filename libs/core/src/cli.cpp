// The command line: builds the CLI11 app from the settings table, then hands the flags, the
// environment and the config file to resolve_config.
#include "studio/core/cli.hpp"

#include "studio/core/settings.hpp"
#include "studio/core/version.hpp"

#include <CLI/CLI.hpp>

#include <map>

namespace studio {
namespace {

constexpr std::string_view footer_text =
    "Precedence: command-line flag > environment variable > config file (--config) > "
    "built-in default.\n"
    "An environment variable set to the empty string counts as unset. List settings\n"
    "(--api-key, --inference-key) accept a repeated flag and comma-separated values; a\n"
    "higher source replaces the whole list. The config file is a JSON object whose keys\n"
    "are the names in [key ...] above; relative paths are relative to the working directory.";

std::string describe(const setting_spec& spec) {
  std::string text{spec.help};
  text += "\n[env ";
  text += spec.env;
  if (spec.in_file) {
    text += ", key ";
    text += spec.key;
  }
  text += ", default ";
  text += spec.default_text;
  text += "]";
  return text;
}

// Exit code 2 with one line for stderr.
cli_exit usage_error(std::string_view message) {
  return cli_exit{2, "studio-gateway: " + std::string{message}};
}

}  // namespace

std::string version_line() {
  return "studio-gateway " + std::string{version()} + " (commit " + std::string{git_commit()} +
         ", built " + std::string{build_time()} + ")";
}

std::variant<gateway_config, cli_exit> parse_command_line(int argc, const char* const* argv,
                                                          const env_lookup& env,
                                                          const executable_probe& probe) {
  CLI::App app{"studio-gateway: an HTTP gateway that manages and proxies llama-server instances",
               "studio-gateway"};
  app.footer(std::string{footer_text});
  app.get_formatter()->column_width(34);

  // Every value is taken as text; the table's parsers validate it so that messages are uniform.
  std::map<std::string_view, std::vector<std::string>> list_values;
  std::map<std::string_view, std::string> scalar_values;
  std::map<std::string_view, bool> flag_values;  // boolean settings: --x or --x=false
  std::map<std::string_view, CLI::Option*> options;
  for (const auto& spec : settings()) {
    CLI::Option* option = nullptr;
    if (spec.kind == setting_kind::list) {
      option = app.add_option(std::string{spec.flag}, list_values[spec.key], describe(spec))
                   ->allow_extra_args(false);
    } else if (spec.kind == setting_kind::boolean) {
      option = app.add_flag(std::string{spec.flag}, flag_values[spec.key], describe(spec));
      options[spec.key] = option;
      continue;
    } else {
      option = app.add_option(std::string{spec.flag}, scalar_values[spec.key], describe(spec))
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
    option->type_name(std::string{spec.value_name});  // named in CLI11's own errors
    option->option_text(std::string{spec.value_name});
    options[spec.key] = option;
  }
  bool show_version = false;
  app.add_flag("--version", show_version, "print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return cli_exit{0, app.help()};
  } catch (const CLI::ParseError& e) {
    return usage_error(std::string{e.what()} + " (see --help)");
  }
  if (show_version) return cli_exit{0, version_line() + "\n"};

  config_sources sources;
  sources.env = env;
  sources.executable_exists = probe;
  for (const auto& spec : settings()) {
    if (options[spec.key]->count() == 0) continue;
    if (spec.kind == setting_kind::list)
      sources.flags[std::string{spec.key}] = list_values[spec.key];
    else if (spec.kind == setting_kind::boolean)
      sources.flags[std::string{spec.key}] = {flag_values[spec.key] ? "true" : "false"};
    else
      sources.flags[std::string{spec.key}] = {scalar_values[spec.key]};
  }

  // The config file's path follows the same rule as everything else, minus the file itself.
  std::optional<std::string> file_path;
  std::string file_from = "--config";
  if (const auto it = sources.flags.find("config"); it != sources.flags.end()) {
    file_path = it->second.back();
  } else if (auto value = env ? env("STUDIO_CONFIG") : std::nullopt; value && !value->empty()) {
    file_path = std::move(value);
    file_from = "STUDIO_CONFIG";
  }
  if (file_path) {
    if (file_path->empty())
      return usage_error("invalid value \"\" for --config: must not be empty");
    auto loaded = load_config_file(*file_path, file_from);
    if (auto* error = std::get_if<config_error>(&loaded)) return usage_error(error->message);
    sources.file = std::move(std::get<config_layer>(loaded));
    sources.file_origin = "config file \"" + *file_path + "\"";
  }

  auto resolved = resolve_config(sources);
  if (auto* error = std::get_if<config_error>(&resolved)) return usage_error(error->message);
  return std::get<gateway_config>(std::move(resolved));
}

}  // namespace studio
