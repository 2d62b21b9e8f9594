// Pure rules for what crosses the proxy: which headers go upstream and back,
// and the upstream request built from a client request.
#pragma once

#include "studio/http/request_context.hpp"
#include "studio/http/response.hpp"
#include "studio/proxy/upstream.hpp"

#include <boost/beast/http/field.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace studio::proxy {

// Hop-by-hop headers (RFC 9110 7.6.1 plus the classic list), case-insensitive.
bool is_hop_by_hop(std::string_view name);

// May a client request header go upstream? Not hop-by-hop, not one named in the
// client's Connection header (`connection_tokens`, comma-separated), not Host,
// Content-Length or Expect (the proxy sets its own), and never the client's
// credentials (Authorization, X-API-Key).
bool forward_request_header(std::string_view name, std::string_view connection_tokens);

// May an upstream response header go back to the client? Not hop-by-hop, not
// Content-Length/Content-Type/Server (the gateway's session sets those).
bool forward_response_header(std::string_view name, std::string_view connection_tokens);

// The head of the request sent upstream, as it goes on the wire: the client's
// method, `target`, HTTP/1.1 (keep-alive), filtered headers, Host and
// Authorization for `up`, and Content-Length `body_size` (the body, the
// client's or a replacement, follows as is: never copied into a message).
std::string upstream_request_head(const http::request& client, const upstream& up, std::string_view target,
                                  std::size_t body_size);

// One upstream response header judged on its own (`f` is Beast's code for
// `name`, field::unknown when it has none): the rules of forward_response_header
// without the Connection header's tokens, which drop_connection_named applies
// once the whole head is known.
bool forward_response_field(boost::beast::http::field f, std::string_view name);

// Removes from `headers` those named in a Connection header's tokens.
void drop_connection_named(http::header_list& headers, std::string_view connection_tokens);

}  // namespace studio::proxy
