// A complete (non-streamed) HTTP response as handlers return it.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <utility>
#include <vector>

namespace studio::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  header_list headers;  // extra headers, sent as given
};

// A JSON response: body is the serialised value.
response json_response(unsigned status, const boost::json::value& body);

// A text/plain response (UTF-8).
response text_response(unsigned status, std::string body);

}  // namespace studio::http
