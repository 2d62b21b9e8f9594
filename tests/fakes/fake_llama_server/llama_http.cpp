// llama_json / llama_error.
#include "llama_http.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace studio::fake {

http::response llama_json(unsigned status, const boost::json::value& body) {
  http::response res;
  res.status = status;
  res.content_type = "application/json; charset=utf-8";
  res.body = boost::json::serialize(body);
  return res;
}

boost::json::object error_object(unsigned status, std::string_view message, std::string_view type) {
  return {{"code", status}, {"message", message}, {"type", type}};
}

http::response llama_error(unsigned status, std::string_view message, std::string_view type) {
  return llama_json(status, boost::json::object{{"error", error_object(status, message, type)}});
}

}  // namespace studio::fake
