// The upstream's response as the relay needs it (pure: bytes in, no I/O): the
// status, Content-Type, the headers the client gets, and the body, either
// collected (a non-streamed answer) or handed out piece by piece into the
// caller's buffer (a stream). Beast's basic_parser does the HTTP/1.1 parsing;
// unlike Beast's message parsers, nothing is kept per header field but what
// the relay forwards (no header container, no allocation per field).
#pragma once

#include "studio/http/response.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace studio::proxy {

class upstream_response_parser final : public boost::beast::http::basic_parser<false> {
 public:
  // Bodies are not limited until set_collect_limit (a stream has no limit).
  upstream_response_parser() { body_limit(boost::none); }

  unsigned status() const { return status_; }
  // As sent; empty when the upstream sent none.
  std::string& content_type() { return content_type_; }
  // End-to-end headers for the client (forward_response_field,
  // drop_connection_named); complete once the head is.
  http::header_list& headers() { return headers_; }

  // Collect mode (the default): the body accumulates in body(); a body over
  // `limit` bytes fails the parse with error::body_limit.
  void set_collect_limit(std::uint64_t limit) { collect_limit_ = limit; }
  std::string& body() { return body_; }

  // Relay mode: the body's next bytes go to [data, data + size); each put()
  // fills what it can (need_buffer when full) and room_left() tells how much
  // is left. Call again for every new buffer.
  void relay_into(char* data, std::size_t size) {
    relaying_ = true;
    room_ = data;
    room_left_ = size;
  }
  std::size_t room_left() const { return room_left_; }

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = static_cast<unsigned>(code);
  }
  void on_field_impl(boost::beast::http::field f, string_view name, string_view value, error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
  std::size_t on_body_impl(string_view piece, error_code& ec) override { return take(piece, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view piece, error_code& ec) override {
    return take(piece, ec);
  }
  void on_finish_impl(error_code&) override {}

  std::size_t take(string_view piece, error_code& ec);

  unsigned status_ = 0;
  std::string content_type_;
  std::string connection_;  // the Connection header's tokens
  http::header_list headers_;
  std::uint64_t collect_limit_ = UINT64_MAX;
  std::string body_;
  bool relaying_ = false;
  char* room_ = nullptr;
  std::size_t room_left_ = 0;
};

}  // namespace studio::proxy
