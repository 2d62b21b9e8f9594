// read_routing_fields: Boost.JSON's SAX parser (basic_parser) with a handler
// that keeps only the top-level "model" and "stream" values.
#include "studio/proxy/routing_fields.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>
#include <optional>

namespace studio::proxy {
namespace {

using boost::system::error_code;
using sv = boost::json::string_view;

struct routing_handler {
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

  enum class field { other, model, stream };

  std::size_t depth = 0;        // open objects and arrays
  bool object_at_top = false;   // the document is an object
  field current = field::other; // the top-level key whose value comes next
  std::string key;              // a top-level key arriving in parts
  std::string text;             // a "model" string arriving in parts
  std::optional<std::string> model;
  bool stream = false;

  bool at_top_level() const { return depth == 1; }
  // A top-level value other than a string or a boolean (or the start of one).
  void other_value() {
    if (!at_top_level()) return;
    if (current == field::model) model.reset();
    if (current == field::stream) stream = false;
    current = field::other;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (depth == 0) object_at_top = true;
    other_value();
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    --depth;
    return true;
  }
  bool on_array_begin(error_code&) {
    other_value();
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    --depth;
    return true;
  }
  bool on_key_part(sv s, std::size_t, error_code&) {
    if (at_top_level()) key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, error_code&) {
    if (!at_top_level()) return true;
    key.append(s.data(), s.size());
    current = key == "model" ? field::model : key == "stream" ? field::stream : field::other;
    key.clear();
    return true;
  }
  bool on_string_part(sv s, std::size_t, error_code&) {
    if (at_top_level() && current == field::model) text.append(s.data(), s.size());
    return true;
  }
  bool on_string(sv s, std::size_t, error_code&) {
    if (!at_top_level()) return true;
    if (current == field::model) {
      text.append(s.data(), s.size());
      model = std::move(text);
      text.clear();
      current = field::other;
      return true;
    }
    other_value();
    return true;
  }
  bool on_bool(bool b, error_code&) {
    if (at_top_level() && current == field::stream) {
      stream = b;
      current = field::other;
      return true;
    }
    other_value();
    return true;
  }
  bool on_number_part(sv, error_code&) { return true; }
  bool on_int64(std::int64_t, sv, error_code&) {
    other_value();
    return true;
  }
  bool on_uint64(std::uint64_t, sv, error_code&) {
    other_value();
    return true;
  }
  bool on_double(double, sv, error_code&) {
    other_value();
    return true;
  }
  bool on_null(error_code&) {
    other_value();
    return true;
  }
  bool on_comment_part(sv, error_code&) { return true; }
  bool on_comment(sv, error_code&) { return true; }
};

}  // namespace

routing_fields read_routing_fields(std::string_view body) {
  boost::json::basic_parser<routing_handler> parser(boost::json::parse_options{});
  error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  const routing_handler& h = parser.handler();
  if (ec || used != body.size() || !h.object_at_top) return {{}, false, "invalid JSON body"};
  if (!h.model || h.model->empty()) return {{}, false, "missing 'model'"};
  return {*h.model, h.stream, {}};
}

}  // namespace studio::proxy
