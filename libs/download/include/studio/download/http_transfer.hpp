// One HTTP/1.1 request on a libcurl easy handle, run on the curl_multi_driver and awaited
// from a coroutine. Redirects are not followed unless asked for (the caller decides where the
// token may go; a request that follows redirects never carries one).
#pragma once

#include "studio/download/curl_multi_driver.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace studio::download {

struct transfer_options {
  std::string ca_bundle;          // empty: the system store; TLS is always verified
  long connect_timeout_s = 30;
  long low_speed_bytes = 1024;    // abort when slower than this ...
  long low_speed_seconds = 30;    // ... for this long (a stall)
  std::uint64_t max_bytes_per_second = 0;  // 0: unlimited
  long receive_buffer_bytes = 256 * 1024;  // curl's receive buffer: fewer, larger body callbacks
};

struct transfer_request {
  std::string url;
  bool head = false;
  std::optional<std::string> bearer_token;  // sent only on this request; never logged
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;  // [first, last_exclusive); last 0 = to the end
  bool follow_redirects = false;  // up to 5; ignored (false) when bearer_token is set
};

class http_transfer {
 public:
  // Called with each piece of body; return false to abort the transfer (CURLE_WRITE_ERROR).
  using body_sink = std::function<bool(std::string_view)>;

  // Throws std::runtime_error when curl_easy_init fails.
  http_transfer(const transfer_request& req, const transfer_options& opts, body_sink sink);
  ~http_transfer();
  http_transfer(const http_transfer&) = delete;
  http_transfer& operator=(const http_transfer&) = delete;

  CURL* handle() const { return easy_; }
  long status() const;
  // A header of the final response (case-insensitive name); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
  CURLcode result() const { return result_; }
  void set_result(CURLcode c) { result_ = c; }
  // curl's message for a failed transfer (no URL query strings or tokens in it).
  std::string error_text() const;
  // The URL of the last request (after followed redirects).
  std::string effective_url() const;

 private:
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);

  CURL* easy_;
  curl_slist* headers_out_ = nullptr;
  body_sink sink_;
  std::vector<std::pair<std::string, std::string>> headers_in_;  // lower-case names
  CURLcode result_ = CURLE_OK;
  std::array<char, CURL_ERROR_SIZE> error_{};
};

// Transfers run together on the driver. Either start() them one by one and take each as it
// ends with next_done(), or run() a fixed set to the end. cancel() ends the waiting at once:
// unfinished transfers are removed and get CURLE_ABORTED_BY_CALLBACK. The group must outlive
// its coroutine's use of it; destroying it removes whatever still runs.
class transfer_group {
 public:
  explicit transfer_group(curl_multi_driver& driver);
  ~transfer_group();
  transfer_group(const transfer_group&) = delete;
  transfer_group& operator=(const transfer_group&) = delete;

  void start(http_transfer* t);
  std::size_t running() const { return running_.size(); }
  // The next transfer that ended (result() set), in the order they ended; nullptr when the
  // group was cancelled or nothing runs or waits to be taken.
  boost::asio::awaitable<http_transfer*> next_done();
  // Starts all and resumes once all have ended or the group was cancelled.
  boost::asio::awaitable<void> run(std::vector<http_transfer*> transfers);
  // Safe to call when nothing runs; later next_done() calls answer nullptr.
  void cancel();
  // Ends one running transfer now with `code` (next_done() then hands it out); false when it
  // is not running. Call from the loop, never from inside a curl callback.
  bool abort(http_transfer* t, CURLcode code);
  bool cancelled() const { return cancelled_; }

 private:
  void abort_running();

  curl_multi_driver& driver_;
  std::vector<http_transfer*> running_;
  std::deque<http_transfer*> ended_;
  boost::asio::steady_timer wake_;
  bool cancelled_ = false;
};

}  // namespace studio::download
