// Header rules and the upstream request: credentials and hop-by-hop headers
// never cross, end-to-end headers do, Host/Authorization/body are the proxy's.
#include "studio/proxy/forwarding.hpp"
#include "studio/proxy/upstream_response.hpp"

#include <doctest/doctest.h>
#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

using namespace studio;
using namespace studio::proxy;
namespace bhttp = boost::beast::http;

TEST_CASE("hop-by-hop headers are recognised case-insensitively") {
  CHECK(is_hop_by_hop("Connection"));
  CHECK(is_hop_by_hop("keep-alive"));
  CHECK(is_hop_by_hop("TRANSFER-ENCODING"));
  CHECK(is_hop_by_hop("Upgrade"));
  CHECK(is_hop_by_hop("TE"));
  CHECK_FALSE(is_hop_by_hop("Content-Type"));
  CHECK_FALSE(is_hop_by_hop("X-Request-Id"));
}

TEST_CASE("request headers: credentials, hop-by-hop and Connection-named headers stay behind") {
  CHECK_FALSE(forward_request_header("Authorization", ""));
  CHECK_FALSE(forward_request_header("x-api-key", ""));
  CHECK_FALSE(forward_request_header("Host", ""));
  CHECK_FALSE(forward_request_header("Content-Length", ""));
  CHECK_FALSE(forward_request_header("Expect", ""));
  CHECK_FALSE(forward_request_header("Proxy-Authorization", ""));
  CHECK_FALSE(forward_request_header("X-Secret-Hop", "keep-alive, x-secret-hop"));
  CHECK(forward_request_header("Content-Type", "keep-alive, x-secret-hop"));
  CHECK(forward_request_header("Accept", ""));
  CHECK(forward_request_header("X-Request-Id", ""));
}

TEST_CASE("response headers: the session's own and hop-by-hop ones are dropped") {
  CHECK_FALSE(forward_response_header("Content-Length", ""));
  CHECK_FALSE(forward_response_header("Content-Type", ""));
  CHECK_FALSE(forward_response_header("Server", ""));
  CHECK_FALSE(forward_response_header("Transfer-Encoding", ""));
  CHECK_FALSE(forward_response_header("X-Gone", "x-gone"));
  CHECK(forward_response_header("Access-Control-Allow-Origin", ""));
  CHECK(forward_response_header("X-Custom", "close"));
}

namespace {

// The upstream head as a parsed message (and the bytes after it), to check it field by field.
bhttp::request<bhttp::empty_body> parse_head(const std::string& text) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.skip(true);  // the body follows separately
  boost::system::error_code ec;
  const auto used = parser.put(boost::asio::buffer(text), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_header_done());
  CHECK(used == text.size());  // nothing after the blank line
  return parser.release();
}

}  // namespace

TEST_CASE("the upstream request head replaces credentials and Host and sets the body's length") {
  http::request client{bhttp::verb::post, "/v1/chat/completions?x=1", 11};
  client.set(bhttp::field::host, "gateway:8000");
  client.set(bhttp::field::authorization, "Bearer client-key");
  client.set("X-API-Key", "client-key");
  client.set(bhttp::field::connection, "keep-alive, X-Hop");
  client.set("X-Hop", "1");
  client.set(bhttp::field::content_type, "application/json");
  client.set("X-Request-Id", "abc");
  client.set(bhttp::field::transfer_encoding, "chunked");
  client.body() = R"({"a":1})";

  upstream up{"127.0.0.1", 8080, "internal"};
  auto out = parse_head(upstream_request_head(client, up, "/chat?y=2", 8));
  CHECK(out.method() == bhttp::verb::post);
  CHECK(out.target() == "/chat?y=2");
  CHECK(out.version() == 11);
  CHECK(out[bhttp::field::host] == "127.0.0.1:8080");
  CHECK(out[bhttp::field::authorization] == "Bearer internal");
  CHECK(out.count("X-API-Key") == 0);
  CHECK(out.count("X-Hop") == 0);
  CHECK(out.count(bhttp::field::transfer_encoding) == 0);  // the body goes with a length
  CHECK(out[bhttp::field::content_type] == "application/json");
  CHECK(out["X-Request-Id"] == "abc");
  CHECK(out[bhttp::field::content_length] == "8");
  CHECK(out.keep_alive());

  SUBCASE("no key means no Authorization; a GET without a body has no Content-Length") {
    http::request get{bhttp::verb::get, "/props", 11};
    auto plain = parse_head(upstream_request_head(get, upstream{"localhost", 9, ""}, "/x", 0));
    CHECK(plain.count(bhttp::field::authorization) == 0);
    CHECK(plain.count(bhttp::field::content_length) == 0);
    CHECK(plain[bhttp::field::host] == "localhost:9");
  }
  SUBCASE("a POST with an empty body says Content-Length: 0") {
    auto empty = parse_head(upstream_request_head(client, up, "/x", 0));
    CHECK(empty[bhttp::field::content_length] == "0");
  }
}

namespace {

// The headers the client gets of an upstream response head (upstream_response_parser).
http::header_list client_headers_of(const std::string& head) {
  upstream_response_parser parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_header_done());
  return parser.headers();
}

}  // namespace

TEST_CASE("the client gets only an upstream response's end-to-end headers") {
  auto out = client_headers_of(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
      "Server: llama.cpp\r\nConnection: keep-alive\r\nAccess-Control-Allow-Origin: *\r\n\r\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == "Access-Control-Allow-Origin");
  CHECK(out[0].second == "*");
}

TEST_CASE("a parsed message's headers follow the same rules as their names (by Beast's field codes)") {
  const char* names[] = {
      "Connection",   "keep-alive",     "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
      "TE",           "Trailer",        "Trailers",         "Transfer-Encoding",  "Upgrade",
      "Host",         "Content-Length", "Expect",           "Authorization",      "x-api-key",
      "Content-Type", "Server",         "Accept",           "X-Request-Id"};
  http::request client{bhttp::verb::get, "/x", 11};
  // "v" names no header; Content-Length and Transfer-Encoding (framing) left out of the response head.
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (const char* name : names) {
    client.insert(name, "v");
    const std::string_view n(name);
    if (n != "Content-Length" && n != "Transfer-Encoding") head += std::string(name) + ": v\r\n";
  }
  head += "Content-Length: 0\r\n\r\n";
  auto out = parse_head(upstream_request_head(client, upstream{"h", 1, ""}, "/x", 0));
  for (const char* name : names) {
    CAPTURE(name);
    const std::size_t expected = forward_request_header(name, "v") ? 1 : 0;
    if (std::string_view(name) == "Host") continue;  // the proxy's own
    CHECK(out.count(name) == expected);
  }
  const auto back = client_headers_of(head);
  for (const char* name : names) {
    CAPTURE(name);
    const bool listed = std::any_of(back.begin(), back.end(), [&](const auto& h) { return h.first == name; });
    CHECK(listed == forward_response_header(name, "v"));
  }
  CHECK(out.count("Accept") == 1);
  CHECK(back.size() == 6);  // Host, Expect, Authorization, x-api-key, Accept, X-Request-Id
}
