// Constructors for complete responses.
#include "studio/http/response.hpp"

#include "studio/http/json_text.hpp"

namespace studio::http {

response json_response(unsigned status, const boost::json::value& body) {
  return response{status, "application/json", to_json_text(body), {}};
}

response text_response(unsigned status, std::string body) {
  return response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace studio::http
