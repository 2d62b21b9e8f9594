// The relay's SSE error event and event counter.
#include "studio/proxy/sse.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace studio::proxy {

std::string sse_error_event(unsigned code, std::string_view message) {
  boost::json::object body;
  body["error"] = boost::json::object{{"code", code}, {"message", message}, {"type", "upstream_error"}};
  return "data: " + boost::json::serialize(body) + "\n\n";
}

void sse_event_counter::feed(std::string_view piece) {
  for (char ch : piece) {
    if (ch == '\n') {
      if (line_empty_ && seen_newline_) ++events_;
      seen_newline_ = true;
      line_empty_ = true;
    } else if (ch != '\r') {
      line_empty_ = false;
      seen_newline_ = false;
    }
  }
}

}  // namespace studio::proxy
