// Server-sent events as the relay needs them: the final error event it sends
// when an upstream fails mid-stream, and an incremental event counter that
// also keeps the last event (where llama-server puts usage and timings).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace studio::proxy {

// `data: {"error":{"code":C,"message":"…","type":"upstream_error"}}\n\n`
// (the message JSON-escaped).
std::string sse_error_event(unsigned code, std::string_view message);

// Counts complete events (a blank line ends one) across arbitrary piece
// boundaries; accepts "\n\n" and "\r\n\r\n". Also keeps a copy of the last
// complete event other than "data: [DONE]" (the final chunk, with usage and
// timings), when it is at most `max_kept` bytes; nothing is parsed here.
class sse_event_counter {
 public:
  explicit sse_event_counter(std::size_t max_kept = 16 * 1024) : max_kept_(max_kept) {}
  void feed(std::string_view piece);
  std::uint64_t events() const { return events_; }
  // The last complete event kept (with its "data: " prefix); empty if none.
  std::string_view last_event() const { return last_; }

 private:
  void keep(std::string_view bytes);
  void end_event();

  std::uint64_t events_ = 0;
  bool line_empty_ = true;  // nothing but '\r' since the last '\n'
  bool seen_newline_ = false;
  std::size_t max_kept_;
  std::string current_;      // the event being received (bounded)
  bool current_too_long_ = false;
  std::string last_;
};

}  // namespace studio::proxy
