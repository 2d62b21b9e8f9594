// The config file: reading it and turning its JSON object into a layer of raw values,
// checking every key against the settings table and every value's JSON type.
#include "studio/core/config.hpp"

#include "studio/core/settings.hpp"

#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace studio {
namespace {

constexpr std::uintmax_t max_config_bytes = 1024 * 1024;

std::string_view json_kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a non-integer number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "unknown";
}

std::string_view expected_name(setting_kind kind) {
  switch (kind) {
    case setting_kind::text: return "a string";
    case setting_kind::number: return "an integer";
    case setting_kind::list: return "a string or an array of strings";
    case setting_kind::boolean: return "a boolean";
  }
  return "unknown";
}

// The raw texts of one value, or nullopt when its JSON type does not fit the setting's kind.
std::optional<std::vector<std::string>> raw_values(setting_kind kind, const boost::json::value& v) {
  if (kind == setting_kind::boolean && v.is_bool())
    return std::vector{std::string{v.get_bool() ? "true" : "false"}};
  if (v.is_string() && kind != setting_kind::number)
    return std::vector{std::string{v.get_string()}};
  if (kind == setting_kind::number && v.is_uint64())
    return std::vector{std::to_string(v.get_uint64())};
  if (kind == setting_kind::number && v.is_int64())
    return std::vector{std::to_string(v.get_int64())};
  if (kind == setting_kind::list && v.is_array()) {
    std::vector<std::string> out;
    for (const auto& item : v.get_array()) {
      if (!item.is_string()) return std::nullopt;
      out.emplace_back(item.get_string());
    }
    return out;
  }
  return std::nullopt;
}

// "line L, column C" of a byte offset, both 1-based.
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const auto before = text.substr(0, offset);
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  const auto line_start = before.rfind('\n');
  const auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

std::variant<config_layer, config_error> parse_config_json(std::string_view text,
                                                           std::string_view origin) {
  const std::string prefix = std::string{origin} + ": ";
  boost::json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const auto consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return config_error{prefix + "invalid JSON at " + position_of(text, consumed) + ": " +
                        ec.message()};
  }
  const auto root = parser.release();
  if (!root.is_object()) return config_error{prefix + "must be a JSON object"};

  config_layer layer;
  for (const auto& [json_key, value] : root.get_object()) {
    const std::string key{json_key};
    const auto* spec = find_setting(key);
    if (spec == nullptr) return config_error{prefix + "unknown key \"" + key + "\""};
    if (!spec->in_file)
      return config_error{prefix + "key \"" + key + "\" is not allowed in a config file"};
    auto values = raw_values(spec->kind, value);
    if (!values) {
      return config_error{prefix + "key \"" + key + "\" must be " +
                          std::string{expected_name(spec->kind)} + ", not " +
                          std::string{json_kind_name(value)}};
    }
    layer[key] = std::move(*values);
  }
  return layer;
}

std::variant<config_layer, config_error> load_config_file(const std::filesystem::path& path,
                                                          std::string_view from) {
  const std::string where =
      "config file \"" + path.string() + "\" (from " + std::string{from} + ")";
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) return config_error{"cannot read " + where + ": " + ec.message()};
  if (!std::filesystem::is_regular_file(status))
    return config_error{"cannot read " + where + ": not a regular file"};
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return config_error{"cannot read " + where + ": " + ec.message()};
  if (size > max_config_bytes) return config_error{"cannot read " + where + ": larger than 1 MiB"};

  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error{"cannot read " + where + ": " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return config_error{"cannot read " + where + ": read error"};
  return parse_config_json(text.str(), "config file \"" + path.string() + "\"");
}

}  // namespace studio
