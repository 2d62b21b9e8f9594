// Server-sent events as the relay needs them: the final error event it sends
// when an upstream fails mid-stream, and an incremental event counter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace studio::proxy {

// `data: {"error":{"code":C,"message":"…","type":"upstream_error"}}\n\n`
// (the message JSON-escaped).
std::string sse_error_event(unsigned code, std::string_view message);

// Counts complete events (a blank line ends one) across arbitrary piece
// boundaries; accepts "\n\n" and "\r\n\r\n".
class sse_event_counter {
 public:
  void feed(std::string_view piece);
  std::uint64_t events() const { return events_; }

 private:
  std::uint64_t events_ = 0;
  bool line_empty_ = true;  // nothing but '\r' since the last '\n'
  bool seen_newline_ = false;
};

}  // namespace studio::proxy
