// Error bodies in the shape each URL prefix promises.
#include "studio/http/error_shape.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace studio::http {

error_style error_style_for_path(std::string_view path) {
  return path.starts_with("/v1/") || path == "/v1" ? error_style::openai : error_style::simple;
}

std::string_view openai_error_type(unsigned status) {
  switch (status) {
    case 400: case 405: case 409: case 413: case 422: case 431: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 408: return "timeout_error";
    case 429: return "rate_limit_error";
    case 501: return "not_supported_error";
    case 502: return "upstream_error";
    case 503: return "unavailable_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string error_body(std::string_view path, unsigned status, std::string_view message) {
  boost::json::object body;
  if (error_style_for_path(path) == error_style::openai) {
    body["error"] = boost::json::object{
        {"code", status}, {"message", message}, {"type", openai_error_type(status)}};
  } else {
    body["error"] = message;
  }
  return boost::json::serialize(body);
}

response error_response(std::string_view path, unsigned status, std::string_view message) {
  return response{status, "application/json", error_body(path, status, message), {}};
}

}  // namespace studio::http
