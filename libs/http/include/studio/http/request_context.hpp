// What a handler sees of one request: the parsed message, the path and its
// parameters, the query, the caller's key kind, and a way to stream a response.
#pragma once

#include "studio/http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace studio::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using path_params = std::vector<std::pair<std::string, std::string>>;

// Which key, if any, authenticated the request.
enum class key_kind { none, unknown, inference, management };

// The connection side of a streamed response; implemented by the session.
// Both calls return false once the client is gone (write error or timeout);
// after that every further call returns false at once.
class response_stream {
 public:
  virtual ~response_stream() = default;
  virtual boost::asio::awaitable<bool> write_head(unsigned status, std::string_view content_type,
                                                  const header_list& headers) = 0;
  virtual boost::asio::awaitable<bool> write_body(std::string_view data) = 0;
};

class request_context {
 public:
  // target is the raw request-target (origin form); stream may be null (no streaming).
  request_context(const request& req, response_stream* stream);

  const request& req() const { return req_; }
  // Path as received (still percent-encoded), without the query.
  const std::string& path() const { return path_; }
  // Raw query string without '?', empty when absent.
  const std::string& query() const { return query_; }
  // A query parameter, percent-decoded; nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
  // A request header; nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;

  // Path parameters from the matched route (decoded, except a {*tail}).
  void set_params(path_params params) { params_ = std::move(params); }
  std::optional<std::string> param(std::string_view name) const;

  void set_key(key_kind kind) { key_ = kind; }
  key_kind key() const { return key_; }

  // Streaming: start_stream sends the status line and headers (chunked
  // transfer encoding), write sends one piece at once. Once a handler has
  // started a stream, the response it returns is ignored. Both return false
  // when the client has gone away; the handler should then stop its work.
  boost::asio::awaitable<bool> start_stream(unsigned status, std::string_view content_type,
                                            const header_list& headers = {});
  boost::asio::awaitable<bool> write(std::string_view data);
  bool streaming() const { return streaming_; }

 private:
  const request& req_;
  response_stream* stream_;
  std::string path_;
  std::string query_;
  path_params params_;
  key_kind key_ = key_kind::none;
  bool streaming_ = false;
};

}  // namespace studio::http
