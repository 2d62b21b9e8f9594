// One HTTP/1.1 request on a libcurl easy handle, run on the curl_multi_driver and awaited
// from a coroutine. Redirects are never followed (the caller decides where the token may go).
#pragma once

#include "studio/download/curl_multi_driver.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
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
};

struct transfer_request {
  std::string url;
  bool head = false;
  std::optional<std::string> bearer_token;  // sent only on this request; never logged
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;  // [first, last_exclusive); last 0 = to the end
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

// Runs the transfers together and resumes once all have ended (each transfer's result() is
// set) or the group was cancelled (unfinished transfers get CURLE_ABORTED_BY_CALLBACK).
class transfer_group {
 public:
  explicit transfer_group(curl_multi_driver& driver) : driver_(driver) {}
  boost::asio::awaitable<void> run(std::vector<http_transfer*> transfers);
  // Ends run() at once; safe to call when nothing runs.
  void cancel();

 private:
  curl_multi_driver& driver_;
  std::function<void()> cancel_;
};

}  // namespace studio::download
