// What a handler sees of one request: the parsed message, the path and its
// parameters, the query, the caller's key kind, and a way to stream a response.
#pragma once

#include "studio/http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace studio::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;
class op_deadline;
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
  // The last body piece: the session may end the body in the same socket
  // write; by default write_body (the end follows when the handler returns).
  virtual boost::asio::awaitable<bool> write_last_body(std::string_view data);
  // The head and the first body piece together (the session sends both in
  // one socket write); by default write_head, then write_body.
  virtual boost::asio::awaitable<bool> write_head_and_body(unsigned status, std::string_view content_type,
                                                           const header_list& headers,
                                                           std::string_view first_body);
  // The client-gone watch (see request_context::watch_client); by default a
  // client is never noticed gone before a write fails.
  virtual void watch_client(std::function<void()> on_gone) { (void)on_gone; }
  virtual bool client_gone() const { return false; }
  // The connection's op_deadline (see request_context::deadline); none by default.
  virtual op_deadline* deadline() { return nullptr; }
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
  // The last piece of a started stream: the body's end may go with it (one
  // socket write instead of two); nothing may be written after it.
  boost::asio::awaitable<bool> write_last(std::string_view data);
  // start_stream and the first write at once: one socket write instead of two
  // (a relay that already holds the first piece saves the client a wake-up).
  boost::asio::awaitable<bool> start_stream_with(unsigned status, std::string_view content_type,
                                                 const header_list& headers, std::string_view first_body);
  bool streaming() const { return streaming_; }

  // Client gone while the handler still works (a long generation, a stream
  // waiting on its upstream): after this call the connection is watched for
  // the client closing it (FIN or reset), and `on_gone` runs once, on the
  // connection's executor, when that happens, not only at the next write.
  // The session's watch starts once the handler has run for
  // server_limits::client_watch_delay (50 ms) or its response stream has
  // started, whichever is first: a request answered sooner costs no watch,
  // and a client that leaves is noticed within that delay, at once
  // mid-stream. Calling again replaces the callback; an empty one stops the
  // calls (do that before anything the callback refers to goes away). The
  // watch ends with the handler. Bytes the client already sent (a pipelined
  // next request) are never consumed: with such bytes waiting, the watch ends
  // without a verdict and only a failed write tells.
  void watch_client(std::function<void()> on_gone);
  // True once the watch has seen the client close its connection.
  bool client_gone() const;

  // The connection's deadline for one operation at a time (op_deadline.hpp),
  // for a handler's own waits (an upstream's answer) without a timer armed
  // per wait; null without a session (then use a timer of your own). Its
  // begin()/end() are free while the handler runs (the session waits on it
  // only between requests; its alarm is the session's, for the watch).
  op_deadline* deadline() const { return stream_ != nullptr ? stream_->deadline() : nullptr; }

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
