// upstream_response_parser: what is kept of each header field, and where the body goes.
#include "studio/proxy/upstream_response.hpp"

#include "studio/proxy/forwarding.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstring>

namespace studio::proxy {
namespace bhttp = boost::beast::http;

void upstream_response_parser::on_field_impl(bhttp::field f, string_view name, string_view value,
                                             error_code&) {
  if (f == bhttp::field::content_type) {
    content_type_.assign(value.data(), value.size());
  } else if (f == bhttp::field::connection) {
    if (!connection_.empty()) connection_ += ',';
    connection_.append(value.data(), value.size());
  } else if (forward_response_field(f, name)) {
    headers_.emplace_back(std::string(name), std::string(value));
  }
}

void upstream_response_parser::on_header_impl(error_code&) { drop_connection_named(headers_, connection_); }

void upstream_response_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                                 error_code& ec) {
  if (relaying_ || !content_length) return;
  if (*content_length > collect_limit_) {
    ec = bhttp::error::body_limit;
    return;
  }
  // Bounded: the length is the upstream's word, the memory is ours.
  body_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length, 1 << 20)));
}

std::size_t upstream_response_parser::take(string_view piece, error_code& ec) {
  if (!relaying_) {
    if (piece.size() > collect_limit_ - std::min<std::uint64_t>(body_.size(), collect_limit_)) {
      ec = bhttp::error::body_limit;
      return 0;
    }
    body_.append(piece.data(), piece.size());
    return piece.size();
  }
  const std::size_t n = std::min(piece.size(), room_left_);
  if (n > 0) std::memcpy(room_, piece.data(), n);
  room_ += n;
  room_left_ -= n;
  if (n < piece.size()) ec = bhttp::error::need_buffer;
  return n;
}

}  // namespace studio::proxy
