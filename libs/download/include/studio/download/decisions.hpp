// The download engine's decisions as pure functions: how to treat a response to a Range
// request, whether a saved partial download may be resumed, how to classify a failure, how
// long to back off, whether the disk has room, and how to split a file into ranges.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::download {

// One byte range [start, end) of the file and how much of it is already on disk.
struct segment {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // exclusive
  std::uint64_t done = 0;  // bytes written from start
  std::uint64_t next() const { return start + done; }
  std::uint64_t left() const { return end - next(); }
  bool complete() const { return next() >= end; }
  friend bool operator==(const segment&, const segment&) = default;
};

// "bytes 100-199/1000" -> {100, 199, 1000}; total nullopt for "/*". nullopt when malformed.
struct content_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::optional<std::uint64_t> total;
};
std::optional<content_range> parse_content_range(std::string_view value);

// What to do with the body of a response to a request for bytes [offset, end) of a file of
// `total` bytes (offset 0 and no Range header when starting from scratch).
enum class body_action {
  write_at_offset,   // 206 with the asked-for range (or 200 when offset was 0): write at offset
  restart_at_zero,   // 200 to a Range request: the server ignored the range; the body is the whole file
  already_complete,  // 416 and the file on disk already has the full size
  discard_restart,   // 416 otherwise: the partial file is unusable; start over from zero
  fail,              // anything else (error statuses, a 206 for a different range)
};
body_action decide_body(std::uint64_t offset, std::uint64_t end, std::uint64_t total, long status,
                        std::optional<std::string_view> content_range_header);

// What upstream said about the file now.
struct upstream_file {
  std::string etag;  // X-Linked-Etag (or ETag), unquoted
  std::uint64_t size = 0;
  bool accepts_ranges = true;
};

// What was saved about a partial download.
struct saved_progress {
  std::string etag;
  std::uint64_t size = 0;
  std::vector<segment> segments;
};

// Continue the saved segments when the same file (etag and size) is still upstream and the
// .part file is at least as long as what they claim; otherwise start over (empty result).
std::optional<std::vector<segment>> decide_resume(const std::optional<saved_progress>& saved,
                                                  const upstream_file& now, std::uint64_t part_size);

// The saved segments cut back so that none counts a byte at or after `first_unwritten`
// (bytes received but possibly not in the file yet): what a journal may promise.
void clamp_to_written(saved_progress& progress, std::uint64_t first_unwritten);

// One range [0, total) unless ranges are accepted, connections > 1 and total >=
// min_parallel_bytes; then consecutive chunks of at most chunk_bytes (at least `connections`
// chunks, at most max_chunks), fetched in order by the connections in turn, so the
// contiguous prefix (hashed while the rest arrives) grows at the combined rate.
std::vector<segment> plan_segments(std::uint64_t total, unsigned connections, std::uint64_t min_parallel_bytes,
                                   bool accepts_ranges, std::uint64_t chunk_bytes = 32ULL << 20,
                                   std::uint64_t max_chunks = 1024);

// The end of the contiguous run of complete segments from the first one, plus what the first
// incomplete segment has: how much of the file's prefix is on disk. `first` is where the
// search starts (segments before it are known complete) and is advanced. Segments must be
// consecutive from 0.
std::uint64_t contiguous_prefix(const std::vector<segment>& segs, std::size_t& first);

// A failed attempt, classified.
struct failure {
  bool transient = false;  // retry with backoff
  std::string message;     // for the user; never contains the token
  std::optional<std::chrono::seconds> retry_after;
};

// An HTTP error status from the hub (with X-Error-Code) or the file host.
failure classify_status(long status, std::string_view error_code, std::string_view repo, std::string_view file,
                        std::optional<std::string_view> retry_after, bool token_set);

// An HTTP error status from the server of a `source: "url"` catalog entry (url shown without
// its query string, which may hold a signature).
failure classify_url_status(long status, std::string_view url, std::optional<std::string_view> retry_after);

// The url without its query string and fragment, for messages.
std::string_view url_for_messages(std::string_view url);

// Delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, or Retry-After when given.
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap,
                                        std::optional<std::chrono::seconds> retry_after);

// nullopt when free >= needed + margin; else a message naming both amounts.
std::optional<std::string> check_disk_space(std::uint64_t free_bytes, std::uint64_t needed_bytes,
                                            std::uint64_t margin_bytes);

// The sha256 in an X-Linked-Etag / ETag value ("\"abc...\"" or W/"..."), or nullopt when the
// value is not 64 hex digits (e.g. a git blob sha1 for small files).
std::optional<std::string> sha256_from_etag(std::string_view etag);

// "4.2 GiB" style.
std::string human_bytes(std::uint64_t bytes);

}  // namespace studio::download
