// The relay's SSE error event and event counter.
#include "studio/proxy/sse.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstring>

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
  // From newline to newline with memchr (a relayed token is a few hundred
  // bytes: a loop over every byte cost more than the rest of the relay).
  std::size_t from = 0;  // start of the bytes not yet kept
  std::size_t at = 0;
  while (at < piece.size()) {
    const void* hit = std::memchr(piece.data() + at, '\n', piece.size() - at);
    const std::size_t newline = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - piece.data()) : piece.size();
    // Anything but '\r' before the newline makes the line non-empty.
    if (piece.find_first_not_of('\r', at) < newline) {
      line_empty_ = false;
      seen_newline_ = false;
    }
    if (hit == nullptr) break;
    if (line_empty_ && seen_newline_) {
      keep(piece.substr(from, newline + 1 - from));
      from = newline + 1;
      end_event();
    }
    seen_newline_ = true;
    line_empty_ = true;
    at = newline + 1;
  }
  keep(piece.substr(from));
}

}  // namespace studio::proxy
