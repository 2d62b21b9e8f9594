// An instance's output: a bounded ring of its latest lines (pure), the
// append-only log file $STUDIO_DIR/logs/<instance>.log with size rotation, and
// live subscriptions to new lines (GET /api/v1/instances/{name}/logs/stream).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace studio::supervisor {

// Splits a byte stream into lines and keeps the last `capacity` of them.
// A line longer than max_line is cut there (the rest starts a new line).
class line_ring {
 public:
  explicit line_ring(std::size_t capacity = 500, std::size_t max_line = 8192)
      : capacity_(capacity), max_line_(max_line) {}

  // Copies `line` (cut at max_line) over the oldest one once the ring is full:
  // the slots' storage is reused, so a steady stream of lines allocates nothing.
  void push(std::string_view line);
  // The last n lines, oldest first.
  std::vector<std::string> tail(std::size_t n) const;
  std::size_t size() const { return slots_.size(); }
  std::size_t max_line() const { return max_line_; }

 private:
  std::size_t capacity_;
  std::size_t max_line_;
  std::vector<std::string> slots_;  // grows to capacity_, then used circularly
  std::size_t oldest_ = 0;          // once full: the slot the next push overwrites
};

// Appends lines to `path`; when the file would pass max_bytes it is renamed to
// `<path>.1` (replacing an older one) and a new file is started. Failures to
// write are remembered in error() and never thrown: logging must not stop a child.
// Lines gather in a plain string and go out with one write() per flush (no
// stream formatting per line: a busy child writes several lines per request).
class rotating_log {
 public:
  rotating_log(std::filesystem::path path, std::uint64_t max_bytes);
  ~rotating_log();
  rotating_log(const rotating_log&) = delete;
  rotating_log& operator=(const rotating_log&) = delete;
  // Appends and flushes (append_line + flush).
  void write_line(std::string_view line);
  // Appends to the buffer; flush() writes what is buffered.
  void append_line(std::string_view line);
  void flush();
  const std::string& error() const { return error_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void open();
  void close();
  std::filesystem::path path_;
  std::uint64_t max_bytes_;
  std::uint64_t size_ = 0;  // the file's size once the buffer is written
  int fd_ = -1;
  std::string pending_;  // appended, not yet written
  std::string error_;
};

// One live reader of an instance's output: lines pushed by the instance wait in
// a bounded queue (the oldest are dropped, and counted, when the reader lags)
// until next() takes them. Used from one executor (the instance's strand) only.
class log_subscription {
 public:
  explicit log_subscription(boost::asio::any_io_executor ex, std::size_t max_pending = 1000)
      : wake_(std::move(ex)), max_pending_(max_pending) {}
  void push(const std::string& line);
  // Every pending line; waits up to `idle` for one when none is pending (then empty).
  boost::asio::awaitable<std::vector<std::string>> next(std::chrono::milliseconds idle);
  // Lines dropped because the reader lagged, since the last call (then reset to 0).
  // Safe from any thread.
  std::size_t take_dropped();

 private:
  std::deque<std::string> pending_;
  boost::asio::steady_timer wake_;
  std::size_t max_pending_;
  std::atomic<std::size_t> dropped_ = 0;
};

}  // namespace studio::supervisor
