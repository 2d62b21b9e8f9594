// Responses the way llama-server frames them: JSON with
// "application/json; charset=utf-8", errors as {"error":{"code","message","type"}}.
#pragma once

#include "studio/http/response.hpp"

#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace studio::fake {

// A request that fails with a specific llama-server error (thrown by parsers,
// turned into a response at the request boundary).
struct api_error : std::runtime_error {
  api_error(unsigned status_, const std::string& message, std::string type_)
      : std::runtime_error(message), status(status_), type(std::move(type_)) {}
  unsigned status;
  std::string type;
};

http::response llama_json(unsigned status, const boost::json::value& body);
boost::json::object error_object(unsigned status, std::string_view message, std::string_view type);
http::response llama_error(unsigned status, std::string_view message, std::string_view type);

}  // namespace studio::fake
