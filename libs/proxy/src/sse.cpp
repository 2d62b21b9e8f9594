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

void sse_event_counter::keep(std::string_view bytes) {
  if (current_too_long_ || bytes.empty()) return;
  if (current_.size() + bytes.size() > max_kept_) {
    current_too_long_ = true;
    current_.clear();
    return;
  }
  current_.append(bytes);
}

void sse_event_counter::end_event() {
  ++events_;
  std::string_view ev = current_;
  while (!ev.empty() && (ev.front() == '\n' || ev.front() == '\r')) ev.remove_prefix(1);
  if (!current_too_long_ && !ev.starts_with("data: [DONE]") && !ev.empty()) current_.swap(last_);
  current_.clear();
  current_too_long_ = false;
}

void sse_event_counter::feed(std::string_view piece) {
  std::size_t from = 0;  // start of the bytes not yet kept
  for (std::size_t i = 0; i < piece.size(); ++i) {
    const char ch = piece[i];
    if (ch == '\n') {
      if (line_empty_ && seen_newline_) {
        keep(piece.substr(from, i + 1 - from));
        from = i + 1;
        end_event();
      }
      seen_newline_ = true;
      line_empty_ = true;
    } else if (ch != '\r') {
      line_empty_ = false;
      seen_newline_ = false;
    }
  }
  keep(piece.substr(from));
}

}  // namespace studio::proxy
