// The proxy's vocabulary: where an upstream is, the client's knobs, and the
// per-request counters a forward call fills.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace studio::proxy {

// One llama-server (or any HTTP/1.1 server): host, port, and the key sent to it
// as "Authorization: Bearer <key>" (empty: no Authorization header).
struct upstream {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string bearer_key;
};

// When a pooled keep-alive connection may be reused. A real llama-server ends
// a keep-alive connection after 5 s idle, silently, and after 100 requests,
// saying so: its 100th response carries `Connection: close`. So idle
// connections expire sooner than 5 s, and a connection serves up to the same
// 100 requests (no request is ever sent on one the server is closing; ending
// earlier would only cost reconnects: bench/README.md, ninth session).
struct pool_limits {
  std::chrono::milliseconds max_idle{4'000};  // idle longer than this: discarded
  unsigned max_requests = 100;                // requests served; at this count: discarded
  std::size_t max_idle_per_upstream = 64;     // idle connections kept per upstream
};

struct proxy_options {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds write_timeout{60'000};  // sending the request upstream
  // Longest silence while waiting for the response head or for the next piece
  // of a body (an idle timeout, never a total one). A non-streamed generation
  // sends nothing until it is done, so this is generous by default.
  std::chrono::milliseconds idle_timeout{600'000};
  std::uint64_t max_response_bytes = 256ull * 1024 * 1024;  // non-streamed bodies
  // Per stream: the upstream connection reads up to upstream_read_bytes at a
  // time, and the pieces parsed from them (SSE events are a few hundred bytes)
  // go to the client from a relay buffer of relay_buffer_bytes, one write per
  // buffer-full. Small, so an open stream's memory stays small (bench/README.md:
  // RSS per open stream). A read that fills its room means a burst is waiting
  // (a fast generator, a slow client): both then double, up to
  // relay_burst_bytes, so a burst costs a few big writes instead of one per KiB.
  std::size_t relay_buffer_bytes = 1024;
  std::size_t upstream_read_bytes = 2 * 1024;
  std::size_t relay_burst_bytes = 16 * 1024;
  pool_limits pool;
};

// What happened to one forwarded request (for metrics and logs).
struct relay_stats {
  unsigned status = 0;    // upstream status, or the status the proxy answered with
  bool streamed = false;  // relayed piece by piece (SSE or chunked)
  bool reused_connection = false;
  bool retried = false;             // a reused connection failed early; sent again on a fresh one
  bool client_gone = false;         // the client disconnected mid-stream; upstream was closed
  bool upstream_failed = false;     // refused, reset, timed out or malformed
  std::uint64_t bytes = 0;          // body bytes relayed to the client
  std::uint64_t sse_events = 0;     // complete SSE events relayed (about one per token)
  std::uint64_t client_writes = 0;  // body writes to the client (several events may share one)
  // forward() start to first body byte sent (streams: time to first token)
  std::chrono::microseconds first_byte{0};
  std::chrono::microseconds duration{0};  // forward() start to its end
  // From `usage` (or llama-server's `timings`) of the final SSE event or of a
  // non-streamed JSON body; empty when the answer had none.
  std::optional<std::uint64_t> prompt_tokens;
  std::optional<std::uint64_t> completion_tokens;
};

}  // namespace studio::proxy
