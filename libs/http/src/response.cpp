// Constructors for complete responses.
#include "studio/http/response.hpp"

#include <boost/json/serialize.hpp>

namespace studio::http {

response json_response(unsigned status, const boost::json::value& body) {
  return response{status, "application/json", boost::json::serialize(body), {}};
}

response text_response(unsigned status, std::string body) {
  return response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace studio::http
