// The settings table: one row per configuration setting, naming its flag, environment variable,
// config-file key, default and parser. Resolution, the config-file loader and --help all read it.
#pragma once

#include "studio/core/config.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace studio {

// How a setting's value is written, which decides the config-file JSON type it accepts.
enum class setting_kind {
  text,    // JSON string
  number,  // JSON non-negative integer
  list,    // JSON string or array of strings; flag repeatable; comma-separated anywhere
  boolean, // JSON true/false; a bare flag (--x, or --x=false); env true/false/1/0/yes/no/on/off
};

// Parses one raw value into the config. Returns nullopt on success, else the reason it is
// invalid (e.g. "must be 0..65535"), without the value or the setting's name.
// List settings are applied once per raw value and append.
using setting_parser = std::optional<std::string> (*)(gateway_config&, std::string_view raw);

struct setting_spec {
  std::string_view key;           // config-file key, and key of config_layer
  std::string_view flag;          // e.g. "--port"
  std::string_view env;           // e.g. "STUDIO_PORT"
  std::string_view value_name;    // placeholder in --help, e.g. "PORT"
  std::string_view default_text;  // the default as documented in --help
  std::string_view help;          // one sentence for --help
  setting_kind kind;
  bool in_file;  // may appear in the config file
  bool secret;   // its value is never echoed in messages
  setting_parser parse;
};

// Every setting, in --help order.
std::span<const setting_spec> settings();

// The row with this key, or nullptr.
const setting_spec* find_setting(std::string_view key);

}  // namespace studio
